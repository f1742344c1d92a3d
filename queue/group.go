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
			return groupReport{}, opError("group "+name, ErrBadReply, err)
		}
		n, err := mapStr(m, "name")
		if err != nil {
			return groupReport{}, opError("group "+name, ErrBadReply, err)
		}
		if n != name {
			continue
		}
		g := groupReport{GroupInfo: GroupInfo{Name: name, Lag: -1, EntriesRead: -1}, serverLag: -1, serverEntriesRead: -1}
		if err := parseGroupFields(m, &g); err != nil {
			return groupReport{}, opError("group "+name, ErrBadReply, err)
		}
		s, err := start.ToString()
		if err != nil && !valkey.IsValkeyNil(err) {
			return groupReport{}, err
		}
		if err == nil {
			g.Start, g.startKnown = startRecord(s, g.LastDelivered)
		}
		return g, nil
	}
	return groupReport{}, opError("group "+name, ErrNoGroup, nil)
}

// parseGroupFields reads the numbers of a group's XINFO GROUPS entry.
func parseGroupFields(m map[string]valkey.ValkeyMessage, g *groupReport) error {
	var err error
	if g.Consumers, err = mapInt(m, "consumers"); err != nil {
		return err
	}
	if g.Pending, err = mapInt(m, "pending"); err != nil {
		return err
	}
	last, err := mapStr(m, "last-delivered-id")
	if err != nil {
		return err
	}
	// miniredis reports the ID the group was created with as given ("0");
	// a real server always says "0-0".
	if _, err := ParseID(last); err != nil {
		return fmt.Errorf("last-delivered-id: %w", err)
	}
	g.LastDelivered = normalID(last)
	// Servers before Redis 7 have neither, and they are nil when the
	// server cannot tell.
	if v, ok := m["lag"]; ok && !v.IsNil() {
		if g.serverLag, err = v.AsInt64(); err != nil {
			return fmt.Errorf("lag: %w", err)
		}
	}
	if v, ok := m["entries-read"]; ok && !v.IsNil() {
		if g.serverEntriesRead, err = v.AsInt64(); err != nil {
			return fmt.Errorf("entries-read: %w", err)
		}
	}
	return nil
}

// startRecord reads a group's start record s: the start (""
// when unknown) and whether the record holds for this group. A group never
// delivers before its start: a record after the last-delivered ID is left
// from an earlier group of the same name, and says nothing about this one.
// groupStartUnknown holds: the group was met already used.
func startRecord(s, lastDelivered string) (start string, holds bool) {
	if s == groupStartUnknown {
		return "", true
	}
	c, err := CompareIDs(s, lastDelivered)
	if err != nil || c > 0 {
		return "", false
	}
	return normalID(s), true
}

// noteStart records where a group started, the first time reviewq sees the
// group while that can still be known: as long as nobody has read from it
// (no consumers, nothing pending), its last-delivered ID is the ID it was
// created at. Groups reviewq creates itself are recorded at creation (0-0).
// The claim script does the same (note_start in lua/group.lua), so that a
// claim needs nothing before it.
//
// A group another program created and already used before reviewq first met
// it keeps an unknown start, recorded as groupStartUnknown so that nobody
// looks again: the server keeps no history of it (Redis 7's entries-read is
// a position in the stream, not a count of this group's reads, and is not
// reported for a group created at an explicit ID). Its entries before the
// last-delivered ID that are not pending then show as acked, as before.
func (c *Client) noteStart(ctx context.Context, g *groupReport) error {
	if g.startKnown || g.LastDelivered == "" {
		return nil
	}
	start := g.LastDelivered
	if g.Consumers != 0 || g.Pending != 0 {
		start = groupStartUnknown
	}
	// Two clients racing here both saw the group alike, so both write the
	// same record.
	err := c.vk.Do(ctx, c.vk.B().Hset().Key(c.startKey).FieldValue().FieldValue(c.cfg.Group, start).Build()).Error()
	if err == nil {
		g.Start, g.startKnown = startRecord(start, g.LastDelivered)
	}
	return err
}

// unreadCountLimit bounds how many entries a count of a group's
// undelivered entries reads on each side of its position (in chunks of
// unreadCountChunk, so a count never holds more than a chunk of entries):
// past it on both sides the count is unknown rather than expensive.
const (
	unreadCountLimit = 500
	unreadCountChunk = 100
)

// settleLag fills in Lag and EntriesRead so that every server tells the
// same truth, from undelivered, the entries after the group's
// last-delivered ID as reviewq counted them (see lua/unread.lua; -1 past
// the count's limit).
//
// Deviation (miniredis v2.40.0, XINFO GROUPS): "lag" is always the stream's
// length and "entries-read" always nil, whatever the group read. Redis 7+
// says nil for a lag it cannot tell (entries deleted past the group's
// position, or a group created at an explicit ID that has not read yet),
// and Redis 6 has no lag at all. And a lag the server does report counts
// the entries trimmed before the group read them, for good (lag 8 on a
// stream of 3; Redis 7.0 and Valkey 8 alike): it is the undelivered
// entries plus those lost unread. So the count is used wherever it ends;
// past its limit the server's lag when it comes with entries-read, capped
// at the length (exact while the trimming is ahead of the group, an
// over-count by the entries lost unread once the group reads on), and
// otherwise the lag is unknown (-1), never the length.
func settleLag(length, undelivered int64, g *groupReport) {
	switch {
	case undelivered >= 0:
		g.Lag = undelivered
	case g.serverEntriesRead >= 0 && g.serverLag >= 0:
		g.Lag = min(g.serverLag, length)
	default:
		g.Lag = -1
	}
	// EntriesRead is derived, not the server's counter: see GroupInfo.
	g.EntriesRead = -1
	if g.Lag >= 0 {
		g.EntriesRead = max(length-g.Lag, 0)
	}
}

// unreadScript counts a group's undelivered entries and those trimmed
// before it read them: see lua/unread.lua.
var unreadScript = newScript("unread.lua", luaIDs, luaGroup)

// unread is what the group has not read: its undelivered entries and the
// entries removed from the stream before it read them, each -1 when it
// cannot be told (see lua/unread.lua).
func (c *Client) unread(ctx context.Context) (undelivered, trimmed int64, err error) {
	msg, err := unreadScript.exec(ctx, c.vk, []string{c.cfg.Stream},
		[]string{c.cfg.Group, strconv.Itoa(unreadCountLimit), strconv.Itoa(unreadCountChunk)})
	if err != nil {
		return -1, -1, err
	}
	return parseUnreadReply(msg)
}

// parseUnreadReply reads unread.lua's reply.
func parseUnreadReply(msg valkey.ValkeyMessage) (undelivered, trimmed int64, err error) {
	r := newReply("unread", msg, 2)
	undelivered, trimmed = r.int(0), r.int(1)
	if err := r.err(); err != nil {
		return -1, -1, err
	}
	if undelivered < -1 || trimmed < -1 {
		return -1, -1, opError("unread", ErrBadReply, fmt.Errorf("counts %d, %d", undelivered, trimmed))
	}
	return undelivered, trimmed, nil
}
