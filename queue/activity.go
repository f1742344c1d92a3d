package queue

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Activity: what happened in the last hour, minute by minute.
//
// Acks and dead letters are counted by the scripts that make them (see
// luaRecords), in one small hash per group and minute (activityKey) that
// expires after activityTTL, two counts per ack: the minute's acks, and
// one field that says the ack's time-to-ack (from the entry's ID time),
// how long it was held, and who acked; Activity sums the histograms and
// the reviewers' counts from those. Arrivals are counted from the stream
// itself, so entries other programs add (the web example's form) count too
// (see arrivalsScript).

// The fields of an activity hash. Buckets are histogram buckets (see
// luaRecords' bucket).
const (
	activityAcks = "acks"
	activityDead = "dead"
	// messages put away to wait (see lua/waiting.lua): snoozed by a
	// reviewer, or backing off before a retry
	activitySnoozes = "snoozes"
	activityRetries = "retries"
	activityAck     = "a:" // + time-to-ack bucket + ":" + held bucket ("" unknown) + ":" + consumer
	activityDeadBy  = "d:" // + consumer (rejects only)
)

const (
	// ActivityBucket is the width of one bucket of Activity, and
	// ActivityBuckets how many it has: the last hour, minute by minute.
	ActivityBucket  = time.Minute
	ActivityBuckets = 60

	// activityTTL keeps a minute's counts a little longer than the hour
	// they are read over.
	activityTTL = 2 * time.Hour

	// histogramSteps is how many buckets the histograms have per doubling,
	// of equal width: a value read back from one (its bucket's middle) is
	// within 1/(2*histogramSteps) = 6.25% of the true one.
	histogramSteps = 8

	// The arrivals count reads at most arrivalsChunk entries per server
	// call (about half a millisecond of server time for contact messages)
	// and makes at most arrivalsCalls calls per Activity; a larger burst is
	// counted by the calls that follow (ArrivalsBehind says so meanwhile).
	arrivalsChunk       = 1000
	arrivalsCalls       = 20
	arrivalsCursorField = "cursor"
)

// Activity is the last hour of a group, minute by minute, oldest first.
type Activity struct {
	Bucket time.Duration // ActivityBucket
	Start  time.Time     // the start of the first bucket
	// Arrivals, Acks and Dead have ActivityBuckets counts each, the last
	// one the current minute so far. Arrivals counts entries added to the
	// stream (by anyone), by their ID's time; Acks the acks made through
	// reviewq (an ack by another program is not seen); Dead the entries
	// moved to the dead-letter stream, by reviewers or automatically.
	Arrivals []int64
	Acks     []int64
	Dead     []int64
	// Snoozes counts messages reviewers snoozed; Retries those put away
	// to back off before a retry (released or reclaimed with the retry
	// backoff on).
	Snoozes []int64
	Retries []int64
	// ArrivalsBehind is true while the arrivals count has not caught up
	// with the stream (a burst of more than arrivalsChunk*arrivalsCalls
	// entries since the last call): later calls go on counting.
	ArrivalsBehind bool
	// TimeToAck is over the hour's acks, from each entry's ID time to its
	// ack.
	TimeToAck Percentiles
	// Reviewers are those who acked or rejected something in the hour,
	// most acks first.
	Reviewers []ReviewerActivity
	// OldestUnclaimed is the age of the oldest entry nobody has claimed
	// yet (the first after the group's last-delivered ID); negative when
	// there is none.
	OldestUnclaimed time.Duration
}

// Percentiles of a duration, read from a histogram (within 6.25%).
type Percentiles struct {
	Count int64 // how many were measured; P50 and P90 are zero without any
	P50   time.Duration
	P90   time.Duration
}

// ReviewerActivity is one reviewer's hour.
type ReviewerActivity struct {
	Name  string
	Acked int64
	// Dead counts the reviewer's rejects (dead letters reviewq made by
	// itself count in Activity.Dead only).
	Dead int64
	// MedianHeld is the median time the reviewer held what they acked,
	// from claim to ack; negative when unknown.
	MedianHeld time.Duration
}

// Activity reads the last hour: the arrivals count (bounded calls, see
// arrivalsScript), then the hour's activity hashes and the oldest
// unclaimed entry in one pipeline. A missing group is created again.
func (c *Client) Activity(ctx context.Context) (Activity, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	now := c.cfg.Now()
	a := Activity{Bucket: ActivityBucket, Start: now.Truncate(ActivityBucket).Add(-(ActivityBuckets - 1) * ActivityBucket)}
	_, err := c.withGroup(ctx, func() error {
		return idempotent(ctx, func() error { return c.activity(ctx, now, &a) })
	})
	return a, wrap("activity", err)
}

func (c *Client) activity(ctx context.Context, now time.Time, a *Activity) error {
	type oldestReply struct {
		age time.Duration
		err error
	}
	oldest := make(chan oldestReply, 1)
	go func() {
		age, err := c.oldestUnclaimed(ctx, now)
		oldest <- oldestReply{age, err}
	}()
	arrivals, behind, err := c.countArrivals(ctx, now, a.Start)
	if err != nil {
		<-oldest
		return err
	}
	cmds := make(valkey.Commands, ActivityBuckets)
	for i := range cmds {
		cmds[i] = c.vk.B().Hgetall().Key(activityKey(c.cfg.Stream, c.cfg.Group, a.Start.Add(time.Duration(i)*ActivityBucket))).Build()
	}
	replies := c.vk.DoMulti(ctx, cmds...)
	o := <-oldest
	if o.err != nil {
		return o.err
	}
	a.OldestUnclaimed = o.age
	a.Arrivals, a.ArrivalsBehind = arrivals, behind
	a.Acks = make([]int64, ActivityBuckets)
	a.Dead = make([]int64, ActivityBuckets)
	a.Snoozes = make([]int64, ActivityBuckets)
	a.Retries = make([]int64, ActivityBuckets)
	var tta histogram
	type reviewer struct {
		acked, dead int64
		held        histogram
	}
	reviewers := map[string]*reviewer{}
	who := func(name string) *reviewer {
		r := reviewers[name]
		if r == nil {
			r = &reviewer{}
			reviewers[name] = r
		}
		return r
	}
	for i, r := range replies {
		m, err := r.AsStrMap()
		if err != nil {
			return err
		}
		for field, v := range m {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				continue
			}
			switch {
			case field == activityAcks:
				a.Acks[i] += n
			case field == activityDead:
				a.Dead[i] += n
			case field == activitySnoozes:
				a.Snoozes[i] += n
			case field == activityRetries:
				a.Retries[i] += n
			case strings.HasPrefix(field, activityAck):
				parts := strings.SplitN(field[len(activityAck):], ":", 3)
				if len(parts) != 3 {
					continue
				}
				tta.add(parts[0], n)
				r := who(parts[2])
				r.acked += n
				if parts[1] != "" {
					r.held.add(parts[1], n)
				}
			case strings.HasPrefix(field, activityDeadBy):
				who(field[len(activityDeadBy):]).dead += n
			}
		}
	}
	a.TimeToAck = Percentiles{Count: tta.total(), P50: tta.quantile(0.5), P90: tta.quantile(0.9)}
	for name, r := range reviewers {
		held := time.Duration(-1)
		if r.held.total() > 0 {
			held = r.held.quantile(0.5)
		}
		a.Reviewers = append(a.Reviewers, ReviewerActivity{Name: name, Acked: r.acked, Dead: r.dead, MedianHeld: held})
	}
	slices.SortFunc(a.Reviewers, func(x, y ReviewerActivity) int {
		switch {
		case x.Acked != y.Acked:
			return int(y.Acked - x.Acked)
		case x.Dead != y.Dead:
			return int(y.Dead - x.Dead)
		}
		return strings.Compare(x.Name, y.Name)
	})
	return nil
}

// arrivalsScript counts the stream's arrivals per minute, on from its
// cursor: see lua/arrivals.lua.
var arrivalsScript = newScript("arrivals.lua", luaIDs)

// countArrivals brings the stream's arrivals count up to date, in bounded
// calls, and returns the counts of the ActivityBuckets minutes from start.
func (c *Client) countArrivals(ctx context.Context, now, start time.Time) ([]int64, bool, error) {
	keep := now.Add(-activityTTL).UnixMilli()
	for call := 1; ; call++ {
		msg, err := arrivalsScript.exec(ctx, c.vk, []string{c.cfg.Stream, arrivalsKey(c.cfg.Stream)},
			[]string{msString(start), strconv.Itoa(arrivalsChunk), ms(ActivityBucket),
				strconv.FormatInt(keep, 10), ms(activityTTL), strconv.Itoa(ActivityBuckets)})
		if err != nil {
			return nil, false, err
		}
		caughtUp, counts, err := parseArrivalsReply(msg)
		if err != nil {
			return nil, false, err
		}
		if caughtUp || call == arrivalsCalls {
			return counts, !caughtUp, nil
		}
	}
}

// parseArrivalsReply reads arrivals.lua's reply: whether the count reached
// the end of the stream, and the counts of ActivityBuckets minutes.
func parseArrivalsReply(msg valkey.ValkeyMessage) (bool, []int64, error) {
	r := newReply("activity", msg, 2)
	caughtUp := r.flag(0)
	counts := r.sub(1, ActivityBuckets)
	out := make([]int64, ActivityBuckets)
	for i := range out {
		// A minute nobody added in has no count: "".
		if counts.str(i) != "" {
			out[i] = counts.int(i)
		}
	}
	return caughtUp, out, r.err()
}

// oldestScript finds the first entry a group has not delivered yet: see
// lua/oldest.lua.
var oldestScript = newScript("oldest.lua", luaIDs, luaGroup)

// oldestUnclaimed is the age of the first entry after the group's
// last-delivered ID; negative when there is none.
func (c *Client) oldestUnclaimed(ctx context.Context, now time.Time) (time.Duration, error) {
	msg, err := oldestScript.exec(ctx, c.vk, []string{c.cfg.Stream}, []string{c.cfg.Group})
	if err != nil {
		return -1, err
	}
	return oldestAge(msg, now)
}

// oldestAge reads oldest.lua's reply as the age of the entry it names at
// now; negative when there is none.
func oldestAge(msg valkey.ValkeyMessage, now time.Time) (time.Duration, error) {
	id, err := parseOldestReply(msg)
	if err != nil {
		return -1, err
	}
	if id == "" {
		return -1, nil
	}
	return max(now.Sub(IDTime(id)), 0), nil
}

// parseOldestReply reads oldest.lua's reply: one ID, or "" when every
// entry has been delivered.
func parseOldestReply(msg valkey.ValkeyMessage) (string, error) {
	r := newValueReply("oldest unclaimed", msg)
	id := r.optionalID(0)
	return id, r.err()
}

// histogram sums the buckets of a histogram field (see luaRecords' bucket).
type histogram map[int]int64

func (h *histogram) add(bucket string, n int64) {
	b, err := strconv.Atoi(bucket)
	if err != nil || b < 0 {
		return
	}
	if *h == nil {
		*h = histogram{}
	}
	(*h)[b] += n
}

func (h histogram) total() int64 {
	var t int64
	for _, n := range h {
		t += n
	}
	return t
}

// quantile is the middle of the bucket the q-quantile falls in.
func (h histogram) quantile(q float64) time.Duration {
	total := h.total()
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	if rank < 1 {
		rank = 1
	}
	buckets := make([]int, 0, len(h))
	for b := range h {
		buckets = append(buckets, b)
	}
	slices.Sort(buckets)
	var seen int64
	for _, b := range buckets {
		seen += h[b]
		if seen >= rank {
			return bucketMiddle(b)
		}
	}
	return bucketMiddle(buckets[len(buckets)-1])
}

// bucketMiddle is the middle of a histogram bucket, the inverse of
// luaRecords' bucket: bucket 0 holds what took under a millisecond; bucket
// b ≥ 1 holds [2^e·(1+q/S), 2^e·(1+(q+1)/S)) ms, where b-1 = e·S + q.
func bucketMiddle(b int) time.Duration {
	if b <= 0 {
		return 0
	}
	e, q := (b-1)/histogramSteps, (b-1)%histogramSteps
	p := math.Ldexp(1, e)
	lo := p + float64(q)*p/histogramSteps
	hi := p + float64(q+1)*p/histogramSteps
	return time.Duration((lo + hi) / 2 * float64(time.Millisecond))
}
