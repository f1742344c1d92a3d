package queue

import (
	"strconv"
	"time"
)

// Outcome records: who handled what. Each change to an entry's fate (a
// claim, a release, an ack, a dead letter, a redrive) writes the entry's
// record in the same script as the change, so it costs no round trip and
// cannot disagree with it. A group keeps one record per entry it handled,
// its latest (see luaRecords), in small hashes of a run of entry IDs each,
// indexed by a sorted set of their first IDs (see luaRecordLookup), so the
// scripts find one in O(log n) and remove, a
// bounded number at a time, the records of entries the stream no longer
// holds (trimmed with --maxlen) or older than the retention.

// The kinds of record, as the scripts write them.
const (
	recordClaimed  = "c"
	recordReleased = "r"
	recordAcked    = "a"
	recordDead     = "d"
	// put away to wait (see lua/waiting.lua): snoozed, or backing off
	recordSnoozed = "s"
	recordWaiting = "w"
)

// DefaultOutcomeRetention is how long the records of an entry are kept,
// counted from the entry's time (its ID), when the stream has not trimmed
// it before.
const DefaultOutcomeRetention = 30 * 24 * time.Hour

// outcomeTrimStep bounds how many records one script call removes, and
// outcomeTrimEvery says how often: the first ack or dead letter of each
// minute and every outcomeTrimEvery-th after it removes up to
// outcomeTrimStep old records, up to 12.5 per ack where a message adds at
// most one record, so the records shrink back whenever they fall behind,
// no call does unbounded work, and most acks pay nothing for it.
const (
	outcomeTrimStep  = 100
	outcomeTrimEvery = 8
)

// recordsPerBucket and recordBucketValue keep a bucket of records (see
// lua/record_lookup.lua) one listpack on a server with the default
// hash-max-listpack-entries (128) and hash-max-listpack-value (64): at
// most this many records a bucket, each at most this many bytes (a longer
// one is kept as a sorted-set member instead).
const (
	recordsPerBucket  = 100
	recordBucketValue = 64
)

// releasedStaleMax bounds how many entries of the released set one claim
// drops because someone else took or acked them since their release.
const releasedStaleMax = 16

// Outcome is how an entry left the group's hands, as reviewq recorded it.
type Outcome struct {
	// By is the consumer who acked it or dead-lettered it (whose claim
	// dead-lettered it, when reviewq did so by itself: see Reason).
	By string    `json:"by"`
	At time.Time `json:"at"`
	// Held is how long the holder had it, from its claim (a reclaim starts
	// anew; keep-alives do not) to the ack or the dead letter, by the
	// server's clock; negative when a record does not say.
	Held time.Duration `json:"-"`
	// Reason is a dead letter's: the reviewer's, ReasonMaxDeliveries or
	// ReasonDeleted.
	Reason string `json:"reason,omitempty"`
	// RedrivenAs is the new entry a dead letter was redriven as, by whom
	// and when; "" when it was not.
	RedrivenAs string    `json:"redrivenAs,omitempty"`
	RedrivenBy string    `json:"redrivenBy,omitempty"`
	RedrivenAt time.Time `json:"-"`
}

// Automatic reports whether reviewq dead-lettered the entry by itself (a
// claim found it past the max deliveries, or deleted while pending),
// rather than a reviewer.
func (o Outcome) Automatic() bool {
	return o.Reason == ReasonMaxDeliveries || o.Reason == ReasonDeleted
}

// Release is a pending entry its holder handed back, waiting for the next
// claim.
type Release struct {
	By string
	At time.Time
}

// record is one decoded outcome record.
type record struct {
	kind string
	at   time.Time
	by   string
	held time.Duration // -1: unknown
	// dead letters
	reason                 string
	redrivenAs, redrivenBy string
	redrivenAt             time.Time
}

// parseRecord decodes a record the scripts wrote (see luaRecords): a list
// of strings, each as its byte length, ":" and the bytes. ok is false for
// anything else.
func parseRecord(s string) (r record, ok bool) {
	var parts []string
	for s != "" {
		colon := -1
		for i := 0; i < len(s) && i < 12; i++ {
			if s[i] == ':' {
				colon = i
				break
			}
		}
		if colon <= 0 {
			return record{}, false
		}
		n, err := strconv.Atoi(s[:colon])
		if err != nil || n < 0 || colon+1+n > len(s) {
			return record{}, false
		}
		parts = append(parts, s[colon+1:colon+1+n])
		s = s[colon+1+n:]
	}
	if len(parts) < 3 {
		return record{}, false
	}
	get := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	r = record{kind: parts[0], at: msTime(parts[1]), by: parts[2], held: -1, reason: get(4),
		redrivenAs: get(5), redrivenAt: msTime(get(6)), redrivenBy: get(7)}
	if h, err := strconv.ParseInt(get(3), 10, 64); err == nil && h >= 0 {
		r.held = time.Duration(h) * time.Millisecond
	}
	return r, true
}

// wait is a snoozed or waiting record's wait: {kind, at, by, held, until,
// back as, back at, why} (see luaRecords).
func (r record) wait() *Wait {
	w := &Wait{Kind: WaitSnoozed, By: r.by, At: r.at, Until: msTime(r.reason),
		BackAs: r.redrivenAs, BackAt: r.redrivenAt, After: r.redrivenBy}
	if r.kind == recordWaiting {
		w.Kind = WaitBackoff
	}
	return w
}

func (r record) outcome() *Outcome {
	return &Outcome{By: r.by, At: r.at, Held: r.held, Reason: r.reason,
		RedrivenAs: r.redrivenAs, RedrivenBy: r.redrivenBy, RedrivenAt: r.redrivenAt}
}

// msTime reads milliseconds since the epoch; the zero time for anything
// else.
func msTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// recordKeys are the keys a script that records outcomes writes, in the
// order the scripts take them: outcomes, released entries, this minute's
// activity.
func (c *Client) recordKeys(now time.Time) []string {
	return []string{
		c.outcomes,
		c.released,
		activityKey(c.cfg.Stream, c.cfg.Group, now.Truncate(time.Minute)),
	}
}

func (c *Client) retentionMs() string { return ms(c.cfg.OutcomeRetention) }
