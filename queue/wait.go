package queue

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Messages that wait: added for later (scheduled), put away by a reviewer
// until a time (snoozed), or backing off before a retry (waiting). The web
// example hands out whatever is in the stream after the group's
// last-delivered ID (XREADGROUP … >) and whatever is in the group's
// pending list (XAUTOCLAIM, min-idle 0 in its tests), so a waiting message
// is in neither: a scheduled one is not in the stream yet, a snoozed or
// backing-off one is acknowledged out of the pending list. Each waits in
// a sorted set by due time, its content beside it; when due it is added
// to the stream as a new entry, once, by the next claim or by the stats
// read that the console and `reviewq serve` make every few seconds (see
// lua/waiting.lua). So something of reviewq's must run for a due message
// to reach the web example: serve does.

// WaitKind says why a message waits; its text is the state Stream, Pending
// and `range --json` show.
type WaitKind string

const (
	WaitScheduled WaitKind = "scheduled" // added for later: not in the stream yet
	WaitSnoozed   WaitKind = "snoozed"   // a reviewer put it away until a time
	WaitBackoff   WaitKind = "waiting"   // released or reclaimed, backing off before a retry
)

// How a message came to back off (Wait.After, Return.After).
const (
	AfterRelease = "released"
	AfterReclaim = "reclaimed"
)

// The meta fields a message added again after a wait carries after its own
// fields, so that whoever claims it (reviewq or the web example) can tell:
// the entry it was (its original ID), who put it away, until when (ms since
// the epoch) and the deliveries it carries, which count toward the max
// deliveries with its own (see Return).
const (
	FieldSnoozeOf         = "snooze.of"
	FieldSnoozeBy         = "snooze.by"
	FieldSnoozeUntil      = "snooze.until"
	FieldSnoozeDeliveries = "snooze.deliveries"
	FieldRetryOf          = "retry.of"
	FieldRetryBy          = "retry.by"
	FieldRetryUntil       = "retry.until"
	FieldRetryDeliveries  = "retry.deliveries"
	FieldRetryAfter       = "retry.after" // AfterRelease or AfterReclaim
)

var waitMeta = map[string]bool{
	FieldSnoozeOf: true, FieldSnoozeBy: true, FieldSnoozeUntil: true, FieldSnoozeDeliveries: true,
	FieldRetryOf: true, FieldRetryBy: true, FieldRetryUntil: true, FieldRetryDeliveries: true, FieldRetryAfter: true,
}

// The modes of lua/waits.lua.
const (
	waitListGroup     = "group"
	waitListScheduled = "scheduled"
)

// DefaultRetryBackoffMax caps the retry backoff when Config says nothing.
const DefaultRetryBackoffMax = 30 * time.Minute

// promoteBatch is how many due messages of each kind (scheduled; snoozed
// or backing off) one claim or stats read adds to the stream, at most: a
// due message waits a few more claims, or seconds, when more than that
// fall due at once, and no call does more work however many are due.
const promoteBatch = 10

// RetryBackoff is the wait before a retry after the given number of
// deliveries: base × 2^(deliveries−1), at most most; 0 when base is 0
// (off). The scripts compute the same (lua/waiting.lua's backoff_ms).
func RetryBackoff(base, most time.Duration, deliveries int64) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base
	for i := int64(2); i <= deliveries && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// Wait is what a message waits as.
type Wait struct {
	Kind WaitKind
	// By is who put it away: the reviewer who snoozed or released it, the
	// holder who abandoned it (After is AfterReclaim); "" when scheduled.
	By string
	// At is when it was put away, or added for later.
	At time.Time
	// Until is when it is due: then it is added to the stream again, as a
	// new entry.
	Until time.Time
	// Deliveries are those it carries into its return (see Return); see
	// Delivered for how many it has had.
	Deliveries int64
	// After says how a backing-off message came to wait: AfterRelease or
	// AfterReclaim.
	After string
	// BackAs is the new entry it came back as, BackAt when; "" while it
	// waits.
	BackAs string
	BackAt time.Time
}

// Delivered is how many times the message was delivered before its wait:
// a snoozed one carries one less into its return, which counts one (a
// snooze is not a failed delivery); 0 for a scheduled one.
func (w Wait) Delivered() int64 {
	if w.Kind == WaitSnoozed {
		return w.Deliveries + 1
	}
	return w.Deliveries
}

// Return is what an entry added again after a wait says of it (its meta
// fields): nil for any other entry.
type Return struct {
	Kind  WaitKind // WaitSnoozed or WaitBackoff
	Of    string   // the entry it was
	By    string   // who put it away (see Wait.By)
	Until time.Time
	// Deliveries are those it had before its wait: its own pending count
	// adds to them (Claimed.Deliveries counts both).
	Deliveries int64
	After      string // for WaitBackoff: AfterRelease or AfterReclaim
}

// Returned reads the entry's meta fields of a return from a wait; nil when
// it has none, or they are not as reviewq writes them.
func (e Entry) Returned() *Return {
	r := &Return{Kind: WaitSnoozed}
	of, by, until, deliveries := FieldSnoozeOf, FieldSnoozeBy, FieldSnoozeUntil, FieldSnoozeDeliveries
	if _, ok := e.Get(FieldSnoozeOf); !ok {
		r.Kind = WaitBackoff
		of, by, until, deliveries = FieldRetryOf, FieldRetryBy, FieldRetryUntil, FieldRetryDeliveries
		r.After = e.value(FieldRetryAfter)
	}
	var ok bool
	if r.Of, ok = e.Get(of); !ok {
		return nil
	}
	if _, err := ParseID(r.Of); err != nil {
		return nil
	}
	r.By = e.value(by)
	ms, err := strconv.ParseInt(e.value(until), 10, 64)
	if err != nil {
		return nil
	}
	r.Until = time.UnixMilli(ms).UTC()
	if r.Deliveries, err = strconv.ParseInt(e.value(deliveries), 10, 64); err != nil {
		return nil
	}
	return r
}

// WaitingEntry is a message that waits, with a preview of its fields
// (values cut to PreviewBytes). Its ID is the original entry's, or, for a
// scheduled message, its scheduled ID (Added.ScheduledID): not a stream
// ID.
type WaitingEntry struct {
	Entry
	Cut  bool
	Wait Wait
}

// snoozeScript puts a held message away until a time: see lua/snooze.lua.
var snoozeScript = newScript("snooze.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// Snooze puts away a message this consumer holds until a time: it leaves
// the group's pending list, so that nobody's claim takes it (not the web
// example's either), and comes back as a new entry once due, carrying
// snooze meta fields (Entry.Returned: who, until when, the original ID) and
// its delivery count: a snooze is not a failed delivery. The outcome
// records the snooze. It fails as KeepAlive does, and with ErrConfig when
// until is not in the future.
func (c *Client) Snooze(ctx context.Context, id string, until time.Time) error {
	op := "snooze " + id
	if _, err := ParseID(id); err != nil {
		return opError(op, ErrInvalidID, nil)
	}
	now := c.cfg.Now()
	if !until.After(now) {
		return opError(op, ErrConfig, fmt.Errorf("%s is not in the future", until.UTC().Format(time.RFC3339)))
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var msg valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		msg, err = snoozeScript.exec(ctx, c.vk, append([]string{c.cfg.Stream}, append(c.recordKeys(now), c.waiting, c.snoozed)...),
			[]string{c.cfg.Group, c.cfg.Consumer, id, msString(until), msString(now), c.retentionMs(), strconv.Itoa(outcomeTrimStep)})
		return err
	})
	if isNoGroup(err) {
		return c.groupLost(ctx, op)
	}
	if err != nil {
		return wrap(op, err)
	}
	_, err = parseTouchReply(op, msg)
	return err
}

// addLaterScript adds a message for later: see lua/add_later.lua.
var addLaterScript = newScript("add_later.lua", luaIDs, luaRecordLookup, luaRecords)

// AddContactLater adds a contact message that is not offered to anyone
// before notBefore: it waits in the stream's scheduled set, not in the
// stream, and is added to it once due (Added.ScheduledID, Added.NotBefore).
// A notBefore not after now adds it at once. With an idempotency key (""
// for none) it adds once, as AddContactOnce: the same key within
// IdempotencyWindow answers with the first add, its scheduled ID while it
// waits, its stream ID once added.
func (c *Client) AddContactLater(ctx context.Context, key, name, email, message string, notBefore time.Time) (Added, error) {
	if !notBefore.After(c.cfg.Now()) {
		if key != "" {
			return c.AddContactOnce(ctx, key, name, email, message)
		}
		return c.AddContact(ctx, name, email, message)
	}
	if key != "" {
		if err := checkIdempotencyKey(key); err != nil {
			return Added{}, err
		}
	}
	fields := c.ContactFields(name, email, message)
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	keys, args := c.addLaterKeys(key), c.addLaterArgs(fields, fields[3].Value, notBefore)
	var a Added
	send := func() error {
		if c.cfg.WaitReplicas > 0 {
			// As addOnceReplicated: the source, not its SHA, and the WAIT
			// behind it in the same round trip.
			wait, waitFor := c.waitCmds(ctx)
			add := c.vk.B().Eval().Script(addLaterScript.source).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build()
			r := c.vk.DoMulti(ctx, append(valkey.Commands{add}, wait...)...)
			reply, err := r[0].ToMessage()
			if err != nil {
				return addLaterScript.locate(err)
			}
			if a, err = parseAddedOnce(reply); err != nil {
				return err
			}
			return c.replicated(ctx, a.ScheduledID+a.ID, r[len(r)-1], waitFor)
		}
		reply, err := addLaterScript.exec(ctx, c.vk, keys, args)
		if err != nil {
			return err
		}
		a, err = parseAddedOnce(reply)
		return err
	}
	var err error
	if key != "" {
		// Safe to send twice: a second send finds the key.
		err = idempotent(ctx, send)
	} else {
		err = send()
	}
	return a, wrap("add", err)
}

func (c *Client) addLaterKeys(key string) []string {
	keys := []string{c.scheduled, c.scheduledContent}
	if key != "" {
		keys = append(keys, idempotencyKey(c.cfg.Stream, key))
	}
	return keys
}

func (c *Client) addLaterArgs(fields []Field, stamp string, notBefore time.Time) []string {
	return append([]string{ms(IdempotencyWindow), stamp, msString(notBefore), c.nowMs()}, flatten(fields)...)
}

// promoteScript adds due messages to the stream: see lua/promote.lua.
var promoteScript = newScript("promote.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// Promote adds due messages (scheduled, snoozed, backing off) to the
// stream as new entries, at most promoteBatch of each kind, and returns how
// many, and the IDs of those it moved to the dead-letter stream instead
// (a release or reclaim had counted their last delivery). A claim does the
// same before it reads, and so does Stats, which the console and the SSH
// desk read every few seconds: due messages reach the web example even
// while no reviewer claims.
func (c *Client) Promote(ctx context.Context) (int64, []string, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	p, err := c.promote(ctx)
	return p.added, p.dead, wrap("promote", err)
}

// promoted is what promote.lua did, and how many messages still wait.
type promoted struct {
	added                       int64
	dead                        []string
	scheduled, snoozed, waiting int64
}

func (c *Client) promote(ctx context.Context) (promoted, error) {
	now := c.cfg.Now()
	msg, err := promoteScript.exec(ctx, c.vk, c.promoteKeys(now), c.promoteArgs(now))
	if err != nil {
		return promoted{}, err
	}
	return parsePromoteReply(msg)
}

func (c *Client) promoteKeys(now time.Time) []string {
	return slices.Concat([]string{c.cfg.Stream}, c.recordKeys(now),
		[]string{c.waiting, c.snoozed, c.backoff, c.scheduled, c.scheduledContent, c.cfg.DeadStream})
}

func (c *Client) promoteArgs(now time.Time) []string {
	return []string{c.cfg.Group, c.cfg.Consumer, strconv.Itoa(promoteBatch), c.maxLenArg(), strconv.Itoa(c.maxDeliveries()),
		msString(now), c.retentionMs(), strconv.Itoa(outcomeTrimStep)}
}

// parsePromoteReply reads promote.lua's reply.
func parsePromoteReply(msg valkey.ValkeyMessage) (promoted, error) {
	r := newReply("promote", msg, 5)
	p := promoted{added: r.int(0), dead: r.ids(1), scheduled: r.int(2), snoozed: r.int(3), waiting: r.int(4)}
	return p, r.err()
}

// maxLenArg is MAXLEN ~ as the scripts take it: "" never trims.
func (c *Client) maxLenArg() string {
	if c.cfg.MaxLen > 0 {
		return strconv.FormatInt(c.cfg.MaxLen, 10)
	}
	return ""
}

// waitsScript lists messages that wait: see lua/waits.lua.
var waitsScript = newScript("waits.lua", luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// waits lists the first n messages that wait, soonest due first: the
// group's snoozed and backing-off ones (mode waitListGroup) or the
// stream's scheduled ones (waitListScheduled), and how many wait in all.
func (c *Client) waits(ctx context.Context, mode string, n int) ([]WaitingEntry, int64, error) {
	var msg valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		msg, err = waitsScript.exec(ctx, c.vk, []string{c.waiting, c.snoozed, c.backoff, c.scheduled, c.scheduledContent},
			[]string{mode, strconv.Itoa(n), strconv.Itoa(PreviewBytes)})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return parseWaits(msg)
}

// parseWaits reads waits.lua's reply.
func parseWaits(msg valkey.ValkeyMessage) ([]WaitingEntry, int64, error) {
	r := newReply("waiting", msg, 2)
	total := r.int(0)
	var out []WaitingEntry
	r.rows(1, 9, func(row *reply) {
		w := WaitingEntry{Entry: Entry{Fields: row.fields(7)}, Cut: row.flag(8)}
		w.Wait = parseWait(row, 1)
		w.ID = row.str(0)
		if w.Wait.Kind == WaitScheduled {
			if !isScheduledID(w.ID) {
				row.fail("%s[0]: %q, want a scheduled ID", row.path, w.ID)
			}
			w.Wait.At = scheduledTime(w.ID)
		} else {
			row.checkID(0, w.ID)
		}
		for j := range w.Fields {
			w.Fields[j].Value = cutValue(w.Fields[j].Value)
		}
		out = append(out, w)
	})
	if err := r.err(); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// parseWait reads {kind, by, at, until, deliveries, why} from part i on,
// as the scripts write a wait ("" for what a scheduled message has not).
func parseWait(r *reply, i int) Wait {
	w := Wait{Kind: WaitKind(r.str(i)), By: r.str(i + 1), At: msTime(r.str(i + 2)), Until: msTime(r.str(i + 3)), After: r.str(i + 5)}
	switch w.Kind {
	case WaitSnoozed, WaitBackoff:
		w.Deliveries = r.int(i + 4)
	case WaitScheduled:
	default:
		r.fail("%s[%d]: unknown wait %q", r.path, i, w.Kind)
	}
	return w
}

// isScheduledID reports whether s is a scheduled ID: "s" and an ID of the
// time it was added (see lua/add_later.lua).
func isScheduledID(s string) bool {
	rest, ok := strings.CutPrefix(s, "s")
	return ok && isFullID(rest)
}

// scheduledTime is when a scheduled message was added, read from its ID.
func scheduledTime(sid string) time.Time { return IDTime(strings.TrimPrefix(sid, "s")) }
