package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Retention: Trim removes the stream's entries older than a cutoff that
// every consumer group of the stream has been delivered and none holds
// (pending, released, waiting), with their outcome records, and the dead
// letters older than a cutoff of their own. A message nobody has been
// offered, or somebody holds or put aside, stays however old it is. The
// work goes a chunk of entries per server call, so a stream of millions
// never holds the server up; on a desk, one desk at a time does it (see
// TrimLock).

// trimChunk is how many entries one trim call looks at, at most.
const trimChunk = 100

// TrimQuery says what Trim removes.
type TrimQuery struct {
	// Before: the stream's entries whose ID time is before it go, when
	// every group has been delivered them and none holds them. Zero leaves
	// the stream alone.
	Before time.Time
	// DeadBefore: the dead letters dead-lettered before it (their ID time)
	// go. Zero leaves them alone.
	DeadBefore time.Time
	// DryRun counts what would go and removes nothing.
	DryRun bool
}

// TrimKept counts the entries older than the cutoff that stayed, by why.
// An entry counts once, under the first reason that holds of undelivered,
// released, waiting and pending (a released entry is also pending).
type TrimKept struct {
	// Undelivered: a group has not been delivered it yet (new to it).
	Undelivered int64 `json:"undelivered"`
	// Pending: a consumer holds it.
	Pending int64 `json:"pending"`
	// Released: handed back, waiting for the next claim.
	Released int64 `json:"released"`
	// Waiting: snoozed, or backing off before it is offered again.
	Waiting int64 `json:"waiting"`
}

// TrimResult is what a trim removed (or, with DryRun, would remove).
type TrimResult struct {
	Removed int64    // the stream's entries
	Kept    TrimKept // the stream's entries older than the cutoff that stayed
	// DeadRemoved counts the dead letters removed.
	DeadRemoved int64
}

// TrimProgress reports a trim under way, after each server call.
type TrimProgress struct {
	// Dead is true while the dead letters are trimmed, after the stream.
	Dead bool
	// Looked counts the entries of the stream (or of the dead letters)
	// looked at so far; Total estimates how many there are to look at, from
	// how far the IDs' times went towards the cutoff: never below Looked.
	Looked, Total int64
}

// Trim removes (or with DryRun counts) what q says, a chunk per server
// call, each with its own deadline; progress, when not nil, hears after
// each. A missing stream has nothing to remove. When ctx ends between
// calls (then with ctx's error) or a call fails, the result says what went
// before; trimming again goes on from there.
func (c *Client) Trim(ctx context.Context, q TrimQuery, progress func(TrimProgress)) (TrimResult, error) {
	var res TrimResult
	mode := modeTrim
	if q.DryRun {
		mode = modeCount
	}
	if last, ok := lastIDBefore(q.Before); ok {
		if err := c.trimStream(ctx, last, mode, &res, progress); err != nil {
			return res, wrap("trim", err)
		}
	}
	if last, ok := lastIDBefore(q.DeadBefore); ok {
		if err := c.trimDead(ctx, last, mode, &res, progress); err != nil {
			return res, wrap("trim the dead letters", err)
		}
	}
	return res, nil
}

// lastIDBefore is the last possible ID before time t; false when there is
// none (t zero, or at or before the epoch).
func lastIDBefore(t time.Time) (string, bool) {
	if t.IsZero() || t.UnixMilli() <= 0 {
		return "", false
	}
	return ID{uint64(t.UnixMilli()) - 1, math.MaxUint64}.String(), true
}

// trimScript is one step of the stream's retention: see lua/trim.lua.
var trimScript = newScript("trim.lua", luaIDs, luaRecordLookup)

// trimRegroupMax bounds how many times in a row a trim lists the groups
// again because one was created or destroyed meanwhile.
const trimRegroupMax = 5

// trimStep is what trim.lua did with one chunk.
type trimStep struct {
	regroup bool
	removed int64
	kept    TrimKept
	looked  int64
	next    string // "" when the range is done
}

func (c *Client) trimStream(ctx context.Context, last, mode string, res *TrimResult, progress func(TrimProgress)) error {
	groups, err := c.groupNames(ctx)
	if err != nil || groups == nil {
		return err // no stream: nothing to trim
	}
	est := newTrimEstimate(last)
	regroups := 0
	for cursor := "0-0"; cursor != ""; {
		if err := ctx.Err(); err != nil {
			return err
		}
		step, err := c.trimStep(ctx, groups, cursor, last, mode)
		if err != nil {
			return err
		}
		if step.regroup {
			if regroups++; regroups > trimRegroupMax {
				return errors.New("the stream's consumer groups kept changing")
			}
			if groups, err = c.groupNames(ctx); err != nil || groups == nil {
				return err
			}
			continue
		}
		regroups = 0
		res.Removed += step.removed
		res.Kept.Undelivered += step.kept.Undelivered
		res.Kept.Released += step.kept.Released
		res.Kept.Waiting += step.kept.Waiting
		res.Kept.Pending += step.kept.Pending
		est.step(step.looked, step.next)
		if progress != nil {
			progress(TrimProgress{Looked: est.looked, Total: est.total()})
		}
		cursor = step.next
	}
	return nil
}

// groupNames lists the stream's consumer groups; nil without the stream.
func (c *Client) groupNames(ctx context.Context) ([]string, error) {
	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var arr []valkey.ValkeyMessage
	err := idempotent(cctx, func() (err error) {
		arr, err = c.vk.Do(cctx, c.vk.B().XinfoGroups().Key(c.cfg.Stream).Build()).ToArray()
		return err
	})
	if isNoGroup(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(arr))
	for _, a := range arr {
		m, err := a.AsMap()
		if err != nil {
			return nil, opError("groups", ErrBadReply, err)
		}
		n, err := mapStr(m, "name")
		if err != nil {
			return nil, opError("groups", ErrBadReply, err)
		}
		names = append(names, n)
	}
	return names, nil
}

// trimStep runs trim.lua on the chunk from cursor, with a deadline of its
// own. A count is sent again when a connection broke under it; a removal
// is not (sent twice, it would remove nothing more, but say so).
func (c *Client) trimStep(ctx context.Context, groups []string, cursor, last, mode string) (trimStep, error) {
	keys := make([]string, 0, 1+3*len(groups))
	keys = append(keys, c.cfg.Stream)
	args := make([]string, 0, 4+len(groups))
	args = append(args, cursor, last, strconv.Itoa(trimChunk), mode)
	for _, g := range groups {
		keys = append(keys, outcomesKey(c.cfg.Stream, g), releasedKey(c.cfg.Stream, g), waitingKey(c.cfg.Stream, g))
		args = append(args, g)
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var msg valkey.ValkeyMessage
	call := func() (err error) {
		msg, err = trimScript.exec(cctx, c.vk, keys, args)
		return err
	}
	var err error
	if mode == modeCount {
		err = idempotent(cctx, call)
	} else {
		err = call()
	}
	if err != nil {
		return trimStep{}, err
	}
	return parseTrimReply(msg)
}

// parseTrimReply reads trim.lua's reply. A cursor that is not an ID is an
// error, never the end of the range.
func parseTrimReply(msg valkey.ValkeyMessage) (trimStep, error) {
	tag, r := newTaggedReply("trim", msg, map[string]int{tagOK: 8, tagRegroup: 1})
	if tag == tagRegroup {
		return trimStep{regroup: true}, r.err()
	}
	s := trimStep{removed: r.int(1),
		kept:   TrimKept{Undelivered: r.int(2), Pending: r.int(3), Released: r.int(4), Waiting: r.int(5)},
		looked: r.int(6), next: r.optionalID(7)}
	return s, r.err()
}

// trimDeadScript is one step of the dead letters' retention: see
// lua/trim_dead.lua.
var trimDeadScript = newScript("trim_dead.lua", luaIDs)

func (c *Client) trimDead(ctx context.Context, last, mode string, res *TrimResult, progress func(TrimProgress)) error {
	est := newTrimEstimate(last)
	for cursor := "0-0"; cursor != ""; {
		if err := ctx.Err(); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		var msg valkey.ValkeyMessage
		call := func() (err error) {
			msg, err = trimDeadScript.exec(cctx, c.vk, []string{c.cfg.DeadStream},
				[]string{cursor, last, strconv.Itoa(trimChunk), mode})
			return err
		}
		var err error
		if mode == modeCount {
			err = idempotent(cctx, call)
		} else {
			err = call()
		}
		cancel()
		if err != nil {
			return err
		}
		n, next, err := parseTrimDeadReply(msg)
		if err != nil {
			return err
		}
		res.DeadRemoved += n
		est.step(n, next)
		if progress != nil {
			progress(TrimProgress{Dead: true, Looked: est.looked, Total: est.total()})
		}
		cursor = next
	}
	return nil
}

// parseTrimDeadReply reads trim_dead.lua's reply.
func parseTrimDeadReply(msg valkey.ValkeyMessage) (n int64, next string, err error) {
	r := newReply("trim the dead letters", msg, 2)
	n, next = r.int(0), r.optionalID(1)
	return n, next, r.err()
}

// trimEstimate guesses how many entries a trim will look at in all, from
// how far in time the walk went towards the cutoff: the entries looked at
// since the first step, spread evenly over the time they span. (The first
// step starts at the stream's head, whose time the walk does not know.)
type trimEstimate struct {
	endMs        float64 // the cutoff's time
	looked       int64
	origin       bool    // the first step is done
	originMs     float64 // where it ended
	originLooked int64   // and how many it looked at
	atMs         float64 // where the walk stands
	done         bool
}

func newTrimEstimate(last string) *trimEstimate {
	return &trimEstimate{endMs: float64(IDTime(last).UnixMilli())}
}

// step notes a step that looked at n entries and goes on at next ("" when
// the walk is done).
func (e *trimEstimate) step(n int64, next string) {
	e.looked += n
	if e.done = next == ""; e.done {
		return
	}
	e.atMs = float64(IDTime(next).UnixMilli())
	if !e.origin {
		e.origin, e.originMs, e.originLooked = true, e.atMs, e.looked
	}
}

// total is the estimate: what was looked at, and what the rest of the
// time to the cutoff holds at the rate seen so far.
func (e *trimEstimate) total() int64 {
	if e.done || !e.origin || e.atMs <= e.originMs {
		return e.looked
	}
	rate := float64(e.looked-e.originLooked) / (e.atMs - e.originMs)
	return e.looked + int64(rate*max(e.endMs-e.atMs, 0))
}

// TrimLock is the lock a desk holds while it trims, so that one desk at a
// time does (serve --retention on several desks over one stream). It
// expires by itself when its holder stops renewing it (a desk that died);
// only its holder renews or releases it.
type TrimLock struct {
	c     *Client
	key   string
	token string
	ttl   time.Duration
}

// lockScript takes, renews and releases a lock: see lua/lock.lua.
var lockScript = newScript("lock.lua")

// LockTrim takes the stream's trim lock for ttl, as holder (a name for the
// logs: the lock's token adds a random part to it, so two desks of one
// name never take each other's). When another has it, it returns nil and
// that holder's token.
func (c *Client) LockTrim(ctx context.Context, holder string, ttl time.Duration) (*TrimLock, string, error) {
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, "", err
	}
	l := &TrimLock{c: c, key: trimLockKey(c.cfg.Stream), token: holder + "/" + hex.EncodeToString(nonce[:]), ttl: ttl}
	held, other, err := l.do(ctx, modeTake)
	if err != nil || !held {
		return nil, other, wrap("take the trim lock", err)
	}
	return l, "", nil
}

// Renew makes the lock hold for its ttl from now; false when its holder
// no longer has it (it expired, and another may have taken it).
func (l *TrimLock) Renew(ctx context.Context) (bool, error) {
	held, _, err := l.do(ctx, modeRenew)
	return held, wrap("renew the trim lock", err)
}

// Release lets the lock go, when its holder still has it.
func (l *TrimLock) Release(ctx context.Context) error {
	_, _, err := l.do(ctx, modeRelease)
	return wrap("release the trim lock", err)
}

// do runs lock.lua with a deadline of its own. Each mode is safe to send
// twice.
func (l *TrimLock) do(ctx context.Context, mode string) (held bool, other string, err error) {
	cctx, cancel := context.WithTimeout(ctx, l.c.cfg.Timeout)
	defer cancel()
	var msg valkey.ValkeyMessage
	err = idempotent(cctx, func() (err error) {
		msg, err = lockScript.exec(cctx, l.c.vk, []string{l.key}, []string{mode, l.token, ms(l.ttl)})
		return err
	})
	if err != nil {
		return false, "", err
	}
	return parseLockReply(msg)
}

// parseLockReply reads lock.lua's reply.
func parseLockReply(msg valkey.ValkeyMessage) (held bool, other string, err error) {
	r := newReply("lock", msg, 2)
	held, other = r.flag(0), r.str(1)
	return held, other, r.err()
}
