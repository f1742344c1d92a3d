package queue

import (
	"context"
	"fmt"
	"strconv"

	"github.com/valkey-io/valkey-go"
)

// This file holds what reviewq knows about its consumer group beyond a
// single command: recovering a group the server lost, recording where a
// group started, and a lag every server reports the same way.

// withGroup runs f, and when f finds the group missing (the server
// restarted without persistence, or was flushed, under a running console)
// creates it again as at start and runs f once more. It reports whether the
// group was missing.
func (c *Client) withGroup(ctx context.Context, f func() error) (missing bool, err error) {
	err = f()
	if !isNoGroup(err) {
		return false, err
	}
	if gerr := c.EnsureGroup(ctx); gerr != nil {
		return true, gerr
	}
	return true, f()
}

// groupLost is the error of an operation on a held message that found the
// group missing: the message went with it. The group is created again first,
// so the reviewer's next claim goes on normally.
func (c *Client) groupLost(ctx context.Context, op string) error {
	if err := c.EnsureGroup(ctx); err != nil {
		return err
	}
	return opError(op, ErrLost, errGroupGone)
}

// groupReport is the group as the server reports it, before Stats settles
// the numbers the embedded server gets wrong.
type groupReport struct {
	GroupInfo
	serverLag         int64 // -1: the server said nothing (nil, or no such field)
	serverEntriesRead int64 // -1: likewise
	startKnown        bool  // a record of the start that fits this group
}

// groupInfo reads the group and its recorded start in one round trip, and
// records the start when it can still be known.
func (c *Client) groupInfo(ctx context.Context) (groupReport, error) {
	r := c.vk.DoMulti(ctx,
		c.vk.B().XinfoGroups().Key(c.cfg.Stream).Build(),
		c.vk.B().Hget().Key(c.startKey).Field(c.cfg.Group).Build(),
	)
	g, err := parseGroup(r[0], r[1], c.cfg.Group)
	if err != nil {
		return g, err
	}
	return g, c.noteStart(ctx, &g)
}

// parseGroup finds the named group in an XINFO GROUPS reply, with its
// recorded start from an HGET reply.
func parseGroup(groups, start valkey.ValkeyResult, name string) (groupReport, error) {
	arr, err := groups.ToArray()
	if err != nil {
		return groupReport{}, err
	}
	for _, a := range arr {
		m, err := a.AsMap()
		if err != nil {
			return groupReport{}, err
		}
		if n, _ := mapStr(m, "name"); n != name {
			continue
		}
		g := groupReport{GroupInfo: GroupInfo{Name: name, Lag: -1, EntriesRead: -1}, serverLag: -1, serverEntriesRead: -1}
		g.Consumers, _ = mapInt(m, "consumers")
		g.Pending, _ = mapInt(m, "pending")
		// miniredis reports the ID the group was created with as given
		// ("0"); a real server always says "0-0".
		g.LastDelivered = normalID(mapStrOr(m, "last-delivered-id"))
		if v, ok := m["lag"]; ok && !v.IsNil() {
			g.serverLag, _ = v.AsInt64()
		}
		if v, ok := m["entries-read"]; ok && !v.IsNil() {
			g.serverEntriesRead, _ = v.AsInt64()
		}
		s, err := start.ToString()
		if err != nil && !valkey.IsValkeyNil(err) {
			return groupReport{}, err
		}
		// A group never delivers before its start: a record after the
		// last-delivered ID is left from an earlier group of the same
		// name, and says nothing about this one.
		if err == nil && !laterThan(s, g.LastDelivered) {
			g.Start, g.startKnown = normalID(s), true
		}
		return g, nil
	}
	return groupReport{}, opError("group "+name, ErrNoGroup, nil)
}

// noteStart records where a group started, the first time reviewq sees the
// group while that can still be known: as long as nobody has read from it
// (no consumers, nothing pending), its last-delivered ID is the ID it was
// created at. Groups reviewq creates itself are recorded at creation (0-0).
//
// A group another program created and already used before reviewq first met
// it keeps an unknown start: the server keeps no history of it (Redis 7's
// entries-read is a position in the stream, not a count of this group's
// reads, and is not reported for a group created at an explicit ID). Its
// entries before the last-delivered ID that are not pending then show as
// acked, as before. A consumer deleted with XGROUP DELCONSUMER after reading
// makes a used group look unused; its start would be recorded late.
func (c *Client) noteStart(ctx context.Context, g *groupReport) error {
	if g.startKnown || g.Consumers != 0 || g.Pending != 0 || g.LastDelivered == "" {
		return nil
	}
	// Two clients racing here both saw the group unused, so both write the
	// same start.
	err := c.vk.Do(ctx, c.vk.B().Hset().Key(c.startKey).FieldValue().FieldValue(c.cfg.Group, g.LastDelivered).Build()).Error()
	if err == nil {
		g.Start, g.startKnown = g.LastDelivered, true
	}
	return err
}

// lagCountLimit bounds how many entries a lag count reads (in chunks of
// lagCountChunk, so a count never holds more than a chunk of entries): past
// it the lag is unknown rather than expensive.
const (
	lagCountLimit = 1000
	lagCountChunk = 100
)

// settleLag fills in Lag and EntriesRead so that every server tells the
// same truth.
//
// Deviation (miniredis v2.40.0, XINFO GROUPS): "lag" is always the stream's
// length and "entries-read" always nil, whatever the group read. Redis 7+
// reports entries-read once it tracks the group's reads, and then a lag it
// keeps exactly; it says nil for a lag it cannot tell (entries deleted past
// the group's position, or a group created at an explicit ID that has not
// read yet), and Redis 6 has no lag at all. So the server's lag is used
// when it comes with entries-read; otherwise reviewq counts the entries after
// the group's last-delivered ID itself, up to lagCountLimit (all of them,
// whatever their number, when nothing is at or before that ID), and past
// that the lag is unknown (-1), never the length.
func (c *Client) settleLag(ctx context.Context, length int64, g *groupReport) error {
	if g.serverEntriesRead >= 0 && g.serverLag >= 0 {
		// Redis 7.0 keeps counting entries that MAXLEN trimmed before the
		// group read them (lag 8 on a stream of 3); there are never more
		// undelivered entries than the stream holds. That cap is exact
		// while the trim is ahead of the group; a group that reads on keeps
		// the server's over-count, which reviewq cannot see without
		// counting on every refresh.
		g.Lag = min(g.serverLag, length)
	} else {
		n, err := c.countAfter(ctx, g.LastDelivered)
		if err != nil {
			return err
		}
		g.Lag = n
	}
	// EntriesRead is derived, not the server's counter: see GroupInfo.
	g.EntriesRead = -1
	if g.Lag >= 0 {
		g.EntriesRead = max(length-g.Lag, 0)
	}
	return nil
}

// countAfter counts the stream's entries after id, or -1 when there are
// more than lagCountLimit to count.
func (c *Client) countAfter(ctx context.Context, id string) (int64, error) {
	p, err := ParseID(id)
	if err != nil {
		return -1, nil // no position to count from
	}
	first, ok := p.Next()
	if !ok {
		return 0, nil
	}
	reply, err := lagScript.Exec(ctx, c.vk, []string{c.cfg.Stream},
		[]string{p.String(), first.String(), strconv.Itoa(lagCountLimit), strconv.Itoa(lagCountChunk)}).AsIntSlice()
	if err != nil {
		return -1, err
	}
	if len(reply) != 2 {
		return -1, opError("lag", ErrServer, fmt.Errorf("unexpected reply of %d parts", len(reply)))
	}
	if reply[1] != 1 {
		return -1, nil
	}
	return reply[0], nil
}

// normalID writes a stream ID in full ("0" → "0-0"); anything else stays.
func normalID(s string) string {
	if id, err := ParseID(s); err == nil {
		return id.String()
	}
	return s
}

// laterThan reports whether stream ID a comes after b; false when either is
// not an ID.
func laterThan(a, b string) bool {
	pa, err := ParseID(a)
	if err != nil {
		return false
	}
	pb, err := ParseID(b)
	if err != nil {
		return false
	}
	return pb.Less(pa)
}

func mapStrOr(m map[string]valkey.ValkeyMessage, k string) string {
	s, _ := mapStr(m, k)
	return s
}
