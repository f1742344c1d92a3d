package queue

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Replay puts already-acked entries back in front of reviewers: each is
// copied to the end of the stream as a new entry with the original fields
// and FieldReplayOf = the original's ID; the original is untouched. Only
// acked entries are copied: not new, pending, dead-lettered or skipped
// ones, nor one put away to wait (snoozed or backing off, whether it
// waits still or came back: its new entry is copied once acked), and a
// copy leaves out the meta fields of a return from a wait. The work goes in chunks of replayChunk entries per server call,
// whatever the range.

// replayChunk is how many entries one replay call looks at (and copies,
// at most).
const replayChunk = 100

// ReplayRange selects entries by ID, both ends inclusive.
type ReplayRange struct {
	From string // the first ID; "" from the start of the stream
	To   string // the last ID; "" up to the newest entry
}

// ReplayRangeAt is the range of entries added from one time to another,
// both inclusive (to the end of to's millisecond); a zero time leaves that
// end open.
func ReplayRangeAt(from, to time.Time) ReplayRange {
	var r ReplayRange
	if !from.IsZero() {
		r.From = IDAt(from)
	}
	if !to.IsZero() && to.UnixMilli() >= 0 {
		r.To = ID{uint64(to.UnixMilli()), math.MaxUint64}.String()
	}
	return r
}

// ReplayPlan is what a replay will copy: the range, its open end fixed at
// the newest entry when it was counted (copies land after it, so a replay
// never reaches its own copies), and how many acked entries it holds.
type ReplayPlan struct {
	Range ReplayRange
	Count int64
}

// ReplayProgress reports a count or a replay under way, after each chunk.
type ReplayProgress struct {
	Scanned int64  // entries looked at so far
	Acked   int64  // acked entries counted or copied so far
	Next    string // the next ID to look at; "" when done
}

// ReplayResult is what a replay copied.
type ReplayResult struct {
	Replayed int64
	// First and Last are the first and last copies' IDs; "" when nothing
	// was copied.
	First, Last string
	// Next is where a replay that stopped early (an error, ctx ended)
	// would go on: ReplayRange{From: Next, To: the same}; "" when done.
	Next string
}

// PlanReplay counts the acked entries in r, in chunks (progress, when not
// nil, hears after each), and fixes its open end: ask the reviewer with
// the count, then Replay the plan's Range. A missing group is created
// again (nothing is acked in it then).
func (c *Client) PlanReplay(ctx context.Context, r ReplayRange, progress func(ReplayProgress)) (ReplayPlan, error) {
	plan := ReplayPlan{Range: r}
	var err error
	if plan.Range, err = c.fixReplayRange(ctx, r); err != nil {
		return ReplayPlan{}, err
	}
	if plan.Range.To == "" {
		return plan, nil // an empty stream
	}
	n, _, err := c.replay(ctx, plan.Range, modeCount, progress)
	plan.Count = n.Replayed
	return plan, err
}

// Replay copies the acked entries of r (a ReplayPlan's Range, or any
// range: its open end is fixed first, as PlanReplay does) to the end of
// the stream, in chunks, and returns how many it copied. On an error, or
// when ctx ends between chunks (then with ctx's error), it stops after the
// chunks already copied, says how many they held and where to go on.
func (c *Client) Replay(ctx context.Context, r ReplayRange, progress func(ReplayProgress)) (ReplayResult, error) {
	fixed, err := c.fixReplayRange(ctx, r)
	if err != nil || fixed.To == "" {
		return ReplayResult{}, err
	}
	res, _, err := c.replay(ctx, fixed, modeCopy, progress)
	return res, err
}

// fixReplayRange checks r's IDs and fixes its open or far end at the
// newest entry ("" in To when the stream is empty).
func (c *Client) fixReplayRange(ctx context.Context, r ReplayRange) (ReplayRange, error) {
	op := "replay"
	for _, id := range []string{r.From, r.To} {
		if _, err := ParseID(id); id != "" && err != nil {
			return ReplayRange{}, opError(op, ErrInvalidID, fmt.Errorf("%q", id))
		}
	}
	if r.From == "" {
		r.From = "0-0"
	}
	r.From, r.To = normalID(r.From), normalID(r.To)
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	var msg valkey.ValkeyMessage
	err := idempotent(ctx, func() (err error) {
		msg, err = c.vk.Do(ctx, c.vk.B().Xrevrange().Key(c.cfg.Stream).End("+").Start("-").Count(1).Build()).ToMessage()
		return err
	})
	if err != nil {
		return ReplayRange{}, wrap(op, err)
	}
	newest, err := parseEntries(msg)
	if err != nil {
		return ReplayRange{}, wrap(op, err)
	}
	if len(newest) == 0 {
		r.To = ""
		return r, nil
	}
	if r.To == "" {
		r.To = newest[0].ID
		return r, nil
	}
	after, err := CompareIDs(r.To, newest[0].ID)
	if err != nil {
		return ReplayRange{}, opError(op, ErrBadReply, err)
	}
	if after > 0 {
		r.To = newest[0].ID
	}
	return r, nil
}

// replayChunkReply is what replay.lua did with one chunk.
type replayChunkReply struct {
	acked, looked int64    // acked entries counted or copied; entries looked at
	next          string   // the next ID to look at; "" when the range is done
	copies        []string // the copies' IDs
}

// parseReplayReply reads replay.lua's reply. A cursor that is not an ID
// is an error, never the end of the range.
func parseReplayReply(op string, msg valkey.ValkeyMessage) (replayChunkReply, error) {
	r := newReply(op, msg, 4)
	chunk := replayChunkReply{acked: r.int(0), looked: r.int(1), next: r.optionalID(2), copies: r.ids(3)}
	return chunk, r.err()
}

// replayScript counts or copies the acked entries of one chunk: see
// lua/replay.lua.
var replayScript = newScript("replay.lua", luaIDs, luaGroup, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

func (c *Client) replay(ctx context.Context, r ReplayRange, mode string, progress func(ReplayProgress)) (ReplayResult, int64, error) {
	op := "replay"
	if mode == modeCount {
		op = "count the replay"
	}
	maxLen := ""
	if c.cfg.MaxLen > 0 {
		maxLen = strconv.FormatInt(c.cfg.MaxLen, 10)
	}
	var res ReplayResult
	var scanned int64
	next := r.From
	for next != "" {
		order, err := CompareIDs(next, r.To)
		if err != nil {
			return res, scanned, opError(op, ErrInvalidID, err)
		}
		if order > 0 {
			break
		}
		res.Next = next
		if err := ctx.Err(); err != nil {
			return res, scanned, err
		}
		var msg valkey.ValkeyMessage
		_, err = c.withGroup(ctx, func() error {
			cctx, cancel := c.deadline(ctx)
			defer cancel()
			call := func() (err error) {
				msg, err = replayScript.exec(cctx, c.vk,
					[]string{c.cfg.Stream, c.outcomes, c.startKey, c.waiting},
					[]string{c.cfg.Group, next, r.To, strconv.Itoa(replayChunk), mode, maxLen})
				return err
			}
			if mode == modeCount {
				return idempotent(cctx, call)
			}
			return call() // copies are not sent twice
		})
		if err != nil {
			return res, scanned, wrap(op, err)
		}
		chunk, err := parseReplayReply(op, msg)
		if err != nil {
			return res, scanned, err
		}
		n, looked, copies := chunk.acked, chunk.looked, chunk.copies
		next = chunk.next
		res.Replayed += n
		scanned += looked
		if len(copies) > 0 {
			if res.First == "" {
				res.First = copies[0]
			}
			res.Last = copies[len(copies)-1]
		}
		res.Next = next
		if progress != nil {
			progress(ReplayProgress{Scanned: scanned, Acked: res.Replayed, Next: next})
		}
	}
	res.Next = ""
	return res, scanned, nil
}
