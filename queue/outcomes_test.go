package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Every change that records an outcome is still one command on the wire.
func TestRecordingChangesAreOneRoundTrip(t *testing.T) {
	s := startServer(t)
	c := newClientOn(t, dial(t, s.Addr), Config{})
	mustAdd(t, c, 6)
	warm := mustClaim(t, c)
	if _, err := c.Ack(ctx(t), warm.ID); err != nil { // loads the ack script
		t.Fatal(err)
	}
	m := mustClaim(t, c)
	assertOneEvalsha(t, s, "ack", func() {
		if n, err := c.Ack(ctx(t), m.ID); err != nil || n != 1 {
			t.Fatalf("ack: %d %v", n, err)
		}
	})
	m = mustClaim(t, c)
	if err := c.Release(ctx(t), m.ID); err != nil { // loads the touch script
		t.Fatal(err)
	}
	m = mustClaim(t, c)
	assertOneEvalsha(t, s, "release", func() {
		if err := c.Release(ctx(t), m.ID); err != nil {
			t.Fatal(err)
		}
	})
	m = mustClaim(t, c)
	warmDead, err := c.Reject(ctx(t), m.ID, "warm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Redrive(ctx(t), warmDead); err != nil {
		t.Fatal(err)
	}
	m = mustClaim(t, c)
	var did string
	assertOneEvalsha(t, s, "reject", func() {
		var err error
		if did, err = c.Reject(ctx(t), m.ID, "spam"); err != nil {
			t.Fatal(err)
		}
	})
	assertOneEvalsha(t, s, "redrive", func() {
		if _, err := c.Redrive(ctx(t), did); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := c.AddContactOnce(ctx(t), "warm", "A", "a@example.org", "m"); err != nil {
		t.Fatal(err)
	}
	assertOneEvalsha(t, s, "idempotent add", func() {
		if _, err := c.AddContactOnce(ctx(t), "k", "A", "a@example.org", "m"); err != nil {
			t.Fatal(err)
		}
	})
}

// A consumer's name or a reason may hold any byte, the record's own
// separators included: the record is length-prefixed.
func TestOutcomeRecordsKeepAnyName(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now})
	ids := mustAdd(t, c, 2)
	odd := c.WithConsumer("desk:7:x|y\n12:z")
	m := mustClaim(t, odd)
	clock.Add(90 * time.Second)
	makeIdle(t, c, odd.Consumer(), m.ID, 90*time.Second, 1) // the server's side of the 90 s
	if _, err := odd.Ack(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	m = mustClaim(t, odd)
	if _, err := odd.Reject(ctx(t), m.ID, "3:a:b|"); err != nil {
		t.Fatal(err)
	}
	p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true})
	if err != nil {
		t.Fatal(err)
	}
	a, d := p.Entries[0], p.Entries[1]
	if a.ID != ids[0] || a.State != StateAcked || a.Outcome == nil || a.Outcome.By != odd.Consumer() ||
		a.Outcome.Held < 90*time.Second || a.Outcome.Held > 91*time.Second || !a.Outcome.At.Equal(clock.start.Add(90*time.Second)) {
		t.Fatalf("acked entry %+v %+v", a, a.Outcome)
	}
	if d.State != StateDeadLettered || d.Outcome == nil || d.Outcome.By != odd.Consumer() || d.Outcome.Reason != "3:a:b|" || d.Outcome.Automatic() {
		t.Fatalf("dead-lettered entry %+v %+v", d, d.Outcome)
	}
	// The minute's counts go after two hours.
	key := activityKey(c.cfg.Stream, c.cfg.Group, clock.Now().Truncate(time.Minute))
	if ttl, err := do(t, c, "PTTL", key).AsInt64(); err != nil || ttl <= activityTTL.Milliseconds()-60_000 || ttl > activityTTL.Milliseconds() {
		t.Fatalf("%s expires in %d ms (%v); want %s", key, ttl, err, activityTTL)
	}
}

func recordCount(t *testing.T, c *Client) int64 {
	t.Helper()
	return int64(len(recordIDs(t, c, c.cfg.Group)))
}

// ackAll claims and acks every waiting entry, many at a time.
func ackAll(t *testing.T, c *Client) {
	t.Helper()
	for {
		r, err := c.vk.Do(ctx(t), c.vk.B().Xreadgroup().Group(c.cfg.Group, c.cfg.Consumer).Count(500).
			Streams().Key(c.cfg.Stream).Id(">").Build()).AsXRead()
		if valkey.IsValkeyNil(err) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		entries := r[c.cfg.Stream]
		if len(entries) == 0 {
			return
		}
		ids := make([]string, len(entries))
		for i, e := range entries {
			ids[i] = e.ID
		}
		if n, err := c.Ack(ctx(t), ids...); err != nil || n != int64(len(ids)) {
			t.Fatalf("ack: %d %v", n, err)
		}
	}
}

// Records of entries the stream trimmed away go, at most outcomeTrimStep
// per call (the first ack of a minute, and every outcomeTrimEvery-th), so
// no call does unbounded work and they never outgrow the stream for long.
func TestOutcomeRecordsFollowTheTrimming(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now})
	addBulk(t, c, 350) // many in one millisecond: the trim goes by ID, not by time
	ackAll(t, c)
	if n := recordCount(t, c); n != 350 {
		t.Fatalf("%d records; want 350", n)
	}
	// --maxlen 50 (exact here, for a predictable first entry).
	if err := do(t, c, "XTRIM", c.cfg.Stream, "MAXLEN", "50").Error(); err != nil {
		t.Fatal(err)
	}
	// The first ack of each minute writes a record and removes up to a step
	// of the 300 whose entries are gone, until only those of the stream's
	// entries are left.
	mustAdd(t, c, 5)
	for i, want := range []int64{351 - outcomeTrimStep, 352 - 2*outcomeTrimStep, 353 - 3*outcomeTrimStep, 54, 55} {
		m := mustClaim(t, c)
		if n := recordCount(t, c); i == 0 && n != 350 {
			t.Fatalf("a claim wrote or removed records: %d", n)
		}
		if i < 4 {
			clock.Add(time.Minute)
		} // the fifth ack is the minute's second: no trim, nothing left to trim anyway
		if _, err := c.Ack(ctx(t), m.ID); err != nil {
			t.Fatal(err)
		}
		if n := recordCount(t, c); n != want {
			t.Fatalf("after ack %d: %d records; want %d", i+1, n, want)
		}
	}
	// The page still tells who acked what is left.
	p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true, Count: 1})
	if err != nil || p.Entries[0].Outcome == nil || p.Entries[0].Outcome.By != "alice" {
		t.Fatalf("first entry after the trim: %+v %v", p.Entries, err)
	}
}

// Records older than the retention go too, even when the stream keeps
// their entries.
func TestOutcomeRecordsExpireAfterTheRetention(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now, OutcomeRetention: time.Hour})
	addBulk(t, c, 150)
	ackAll(t, c)
	clock.Add(2 * time.Hour)
	// Records are trimmed as new ones are written, at most a step per call.
	var id string
	for i, want := range []int64{151 - outcomeTrimStep, 2} {
		var err error
		id, err = do(t, c, "XADD", c.cfg.Stream, fmt.Sprintf("%d-%d", clock.Now().UnixMilli(), i), "name", "Ada").ToString()
		if err != nil {
			t.Fatal(err)
		}
		m := mustClaim(t, c)
		clock.Add(time.Minute)
		if _, err := c.Ack(ctx(t), m.ID); err != nil {
			t.Fatal(err)
		}
		if n := recordCount(t, c); n != want {
			t.Fatalf("%d records after ack %d; want %d", n, i+1, want)
		}
	}
	p, err := c.StreamPage(ctx(t), StreamQuery{Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Entries[0].ID != id || p.Entries[0].Outcome == nil || p.Entries[2].State != StateAcked || p.Entries[2].Outcome != nil {
		t.Fatalf("page %+v: want the new acks recorded, the old one acked without a name", p.Entries)
	}
}

// A burst larger than one Activity call counts is counted over the next
// calls, each bounded, and none counted twice.
func TestActivityCountsABurstInBoundedCalls(t *testing.T) {
	c := newClient(t, Config{})
	burst := arrivalsChunk*arrivalsCalls + 2500
	fillPending(t, c, burst, "")
	a, err := c.Activity(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if sum(a.Arrivals) != int64(arrivalsChunk*arrivalsCalls) || !a.ArrivalsBehind {
		t.Fatalf("first call counted %d (behind %v); want %d and behind", sum(a.Arrivals), a.ArrivalsBehind, arrivalsChunk*arrivalsCalls)
	}
	a, err = c.Activity(ctx(t))
	if err != nil || sum(a.Arrivals) != int64(burst) || a.ArrivalsBehind {
		t.Fatalf("second call counted %d (behind %v) %v; want %d", sum(a.Arrivals), a.ArrivalsBehind, err, burst)
	}
	mustAdd(t, c, 3)
	if a, err = c.Activity(ctx(t)); err != nil || sum(a.Arrivals) != int64(burst+3) {
		t.Fatalf("after 3 more: %d %v", sum(a.Arrivals), err)
	}
	if a.OldestUnclaimed < 0 || a.OldestUnclaimed > time.Minute {
		t.Fatalf("oldest unclaimed %s; want the burst's age", a.OldestUnclaimed)
	}
	// The count expires when nobody reads it: nothing grows for good.
	if ttl, _ := do(t, c, "PTTL", arrivalsKey(c.cfg.Stream)).AsInt64(); ttl <= 0 || ttl > activityTTL.Milliseconds() {
		t.Fatalf("the arrivals count expires in %d ms; want within %s", ttl, activityTTL)
	}
}

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

// Two submits at once add one message; the key is forgotten after its
// window.
func TestAddOnceUnderConcurrentSubmits(t *testing.T) {
	c := newClient(t, Config{})
	var wg sync.WaitGroup
	results := make([]Added, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := c.AddContactOnce(ctx(t), "draft-42", "Ada", "ada@example.org", "double click")
			if err != nil {
				t.Error(err)
			}
			results[i] = a
		}()
	}
	wg.Wait()
	fresh := 0
	for _, a := range results {
		if a.ID != results[0].ID {
			t.Fatalf("submits answered different entries: %+v", results)
		}
		if !a.Duplicate {
			fresh++
		}
	}
	if st, _ := c.Stats(ctx(t)); fresh != 1 || st.Length != 1 {
		t.Fatalf("%d submits added, stream holds %d; want 1 and 1", fresh, st.Length)
	}
	key := idempotencyKey(c.cfg.Stream, "draft-42")
	if ttl, err := do(t, c, "PTTL", key).AsInt64(); err != nil || ttl < IdempotencyWindow.Milliseconds()-60_000 || ttl > IdempotencyWindow.Milliseconds() {
		t.Fatalf("the key lives %d ms; want about %s", ttl, IdempotencyWindow)
	}
	// The window passes.
	if err := do(t, c, "PEXPIRE", key, "1").Error(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	a, err := c.AddContactOnce(ctx(t), "draft-42", "Ada", "ada@example.org", "a day later")
	if err != nil || a.Duplicate || a.ID == results[0].ID {
		t.Fatalf("after the window: %+v %v; want a new entry", a, err)
	}
	if _, err := c.AddContactOnce(ctx(t), strings.Repeat("k", MaxIdempotencyKey+1), "A", "a@example.org", "m"); !errors.Is(err, ErrConfig) {
		t.Fatalf("over-long key: %v", err)
	}
}

// A replay goes chunk by chunk, says how far it got, and stops between
// chunks when asked.
func TestReplayInChunks(t *testing.T) {
	c := newClient(t, Config{})
	n := 2*replayChunk + 50
	addBulk(t, c, n)
	ackAll(t, c)
	var calls int
	plan, err := c.PlanReplay(ctx(t), ReplayRange{}, func(p ReplayProgress) { calls++ })
	if err != nil || plan.Count != int64(n) || calls != 3 {
		t.Fatalf("plan %+v in %d chunks, %v; want %d in 3", plan, calls, err, n)
	}
	stop, cancel := context.WithCancel(ctx(t))
	res, err := c.Replay(stop, plan.Range, func(p ReplayProgress) { cancel() })
	if !errors.Is(err, context.Canceled) || res.Replayed != replayChunk {
		t.Fatalf("cancelled replay: %+v %v; want one chunk copied and the cancellation", res, err)
	}
	// Copies land after the plan's end, so the rest of the range is not
	// changed by them.
	res, err = c.Replay(ctx(t), ReplayRange{From: res.Next, To: plan.Range.To}, nil)
	if err != nil || res.Replayed != int64(n-replayChunk) {
		t.Fatalf("the rest: %+v %v", res, err)
	}
	first, err := c.Get(ctx(t), res.First)
	if err != nil || first.ReplayOf() == "" || !first.IsContact() {
		t.Fatalf("copy %+v %v", first, err)
	}
	if _, err := c.PlanReplay(ctx(t), ReplayRange{From: "yesterday"}, nil); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad range: %v", err)
	}
	r := ReplayRangeAt(time.UnixMilli(1000), time.UnixMilli(2000))
	if r.From != "1000-0" || r.To != "2000-18446744073709551615" {
		t.Fatalf("range at times: %+v", r)
	}
}

// Esc stops a search between chunks; what was found so far comes back with
// the cursor to go on.
func TestSearchStopsWhenCancelled(t *testing.T) {
	c := newClient(t, Config{})
	addBulk(t, c, 3*SearchChunk)
	stop, cancel := context.WithCancel(ctx(t))
	var seen []SearchProgress
	p, err := c.Search(stop, SearchQuery{Text: "MESSAGE 1", Limit: -1}, func(sp SearchProgress) {
		seen = append(seen, sp)
		cancel()
	})
	if !errors.Is(err, context.Canceled) || len(seen) != 1 || p.Scanned != SearchChunk || p.Next == "" {
		t.Fatalf("cancelled search: %d progress, scanned %d, next %q, %v", len(seen), p.Scanned, p.Next, err)
	}
	if seen[0].Total != int64(3*SearchChunk) || seen[0].Found != len(p.Entries) || len(p.Entries) == 0 {
		t.Fatalf("progress %+v, %d found", seen[0], len(p.Entries))
	}
	rest, err := c.Search(ctx(t), SearchQuery{Text: "message 1", Limit: -1, Before: p.Next}, nil)
	if err != nil || rest.Next != "" || rest.Scanned != int64(2*SearchChunk) {
		t.Fatalf("the rest: scanned %d, next %q, %v", rest.Scanned, rest.Next, err)
	}
	// "message 1", "message 10" … "message 1499": 1 + 10 + 100 + 500.
	if got := len(p.Entries) + len(rest.Entries); got != 611 {
		t.Fatalf("%d matches in all; want 611", got)
	}
	if _, err := c.Search(ctx(t), SearchQuery{Text: "  "}, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("empty search: %v", err)
	}
}

func TestReplayedEntriesAreContactMessages(t *testing.T) {
	e := Entry{ID: "2-0", Fields: []Field{{FieldName, "n"}, {FieldEmail, "e"}, {FieldMessage, "m"}, {FieldTimestamp, "t"}, {FieldReplayOf, "1-0"}}}
	if !e.IsContact() || e.ReplayOf() != "1-0" {
		t.Fatalf("replayed entry: contact %v, of %q", e.IsContact(), e.ReplayOf())
	}
	for _, odd := range [][]Field{
		append(e.Fields[:4:4], Field{FieldReplayOf, "not an ID"}),
		append(e.Fields[:4:4], Field{"extra", "x"}),
		append(e.Fields[:4:4], Field{FieldReplayOf, "1-0"}, Field{FieldReplayOf, "1-0"}),
		{{FieldName, "n"}, {FieldName, "n"}, {FieldMessage, "m"}, {FieldTimestamp, "t"}, {FieldReplayOf, "1-0"}},
	} {
		if (Entry{ID: "2-0", Fields: odd}).IsContact() {
			t.Errorf("%v taken for a contact message", odd)
		}
	}
	if (Entry{Fields: e.Fields[:4]}).ReplayOf() != "" {
		t.Error("an original says it is a replay")
	}
}

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want record
		ok   bool
	}{
		{"1:a13:17000000000005:alice5:60000", record{kind: "a", at: time.UnixMilli(1700000000000).UTC(), by: "alice", held: time.Minute}, true},
		{"1:a13:17000000000000:0:", record{kind: "a", at: time.UnixMilli(1700000000000).UTC(), held: -1}, true},
		{"1:d13:17000000000003:x:y0:4:sp:m3:1-013:17000000000013:bob",
			record{kind: "d", at: time.UnixMilli(1700000000000).UTC(), by: "x:y", held: -1, reason: "sp:m", redrivenAs: "1-0",
				redrivenAt: time.UnixMilli(1700000000001).UTC(), redrivenBy: "bob"}, true},
		{"1:a13:1700000000000", record{}, false},
		{"9:a", record{}, false},
		{"x:a", record{}, false},
		{"", record{}, false},
	} {
		got, ok := parseRecord(tc.in)
		if ok != tc.ok || (ok && fmt.Sprint(got) != fmt.Sprint(tc.want)) {
			t.Errorf("parseRecord(%q) = %+v %v; want %+v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestHistogramMiddles(t *testing.T) {
	// The Lua bucket of 60,000 ms is 15*8 + 6 + 1 = 127.
	if got := bucketMiddle(127); got < 57344*time.Millisecond || got >= 61440*time.Millisecond {
		t.Fatalf("bucket 127's middle %s; want within [57.344s, 61.44s)", got)
	}
	var h histogram
	h.add("127", 3)
	h.add("1", 1)
	h.add("junk", 5)
	if h.total() != 4 || h.quantile(0.25) != bucketMiddle(1) || h.quantile(0.5) != bucketMiddle(127) {
		t.Fatalf("histogram %v: total %d, quartile %s, median %s", h, h.total(), h.quantile(0.25), h.quantile(0.5))
	}
}

// In a cluster every key a script touches is in the stream's slot: each
// recording change, Activity, search, replay and the idempotent adds run
// there without CROSSSLOT errors.
func TestOutcomesInACluster(t *testing.T) {
	s := startServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	if _, err := s.Command("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := s.Info("CLUSTER", "INFO")
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster did not come up: %s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	vk := dial(t, s.Addr)
	if vk.Mode() != "cluster" {
		t.Fatalf("client mode %s, want cluster", vk.Mode())
	}
	c := newClientOn(t, vk, Config{Stream: "contact-messages"})
	if _, err := c.AddContactOnce(ctx(t), "k", "Ada", "ada@example.org", "once"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddContacts(ctx(t), []NewContact{{Name: "B", Email: "b@example.org", Message: "m", IdempotencyKey: "k2"}, {Name: "C", Email: "c@example.org", Message: "m"}}, nil); err != nil {
		t.Fatal(err)
	}
	m := mustClaim(t, c)
	if err := c.Release(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	if got := mustClaim(t, c.WithConsumer("bob")); !got.Released {
		t.Fatalf("released claim %+v", got)
	}
	if _, err := c.WithConsumer("bob").Ack(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	m = mustClaim(t, c)
	did, err := c.Reject(ctx(t), m.ID, "spam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Redrive(ctx(t), did); err != nil {
		t.Fatal(err)
	}
	if a, err := c.Activity(ctx(t)); err != nil || sum(a.Acks) != 1 || sum(a.Dead) != 1 {
		t.Fatalf("activity %+v %v", a, err)
	}
	if p, err := c.Search(ctx(t), SearchQuery{Text: "ONCE"}, nil); err != nil || len(p.Entries) != 1 {
		t.Fatalf("search %+v %v", p, err)
	}
	if res, err := c.Replay(ctx(t), ReplayRange{}, nil); err != nil || res.Replayed != 1 {
		t.Fatalf("replay %+v %v", res, err)
	}
	if p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true, Count: 1}); err != nil || p.Entries[0].Outcome == nil {
		t.Fatalf("page %+v %v", p, err)
	}
}

// oldRecordMember is a record as reviewq wrote it before the buckets (and
// still writes one too long for a bucket): a member of the outcomes
// sorted set, the ID's key followed by the record.
func oldRecordMember(id string, parts ...string) string {
	ms, seq, _ := strings.Cut(id, "-")
	var b strings.Builder
	b.WriteByte(byte(len(ms)))
	b.WriteString(ms)
	b.WriteByte(byte(len(seq)))
	b.WriteString(seq)
	for _, p := range parts {
		fmt.Fprintf(&b, "%d:%s", len(p), p)
	}
	return b.String()
}

// Records written in the sorted set before the buckets are read where they
// are, move into a bucket when next written, and go with their entries.
func TestOutcomeRecordsOfTheOldFormat(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now})
	ids := mustAdd(t, c, 3)
	// The first two acked by bob before the upgrade; the third held by
	// alice since then, a keep-alive having noted her claim.
	for range ids {
		mustClaim(t, c)
	}
	if _, err := c.Ack(ctx(t), ids[0], ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := do(t, c, "DEL", c.outcomes, c.outcomes+":i").Error(); err != nil {
		t.Fatal(err)
	}
	if err := do(t, c, "EVAL", "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0",
		"0", c.outcomes+":b:*").Error(); err != nil {
		t.Fatal(err)
	}
	at := strconv.FormatInt(clock.Now().UnixMilli(), 10)
	for _, m := range []string{
		oldRecordMember(ids[0], recordAcked, at, "bob", "5000"),
		oldRecordMember(ids[1], recordDead, at, "bob", "5000", "spam"),
		oldRecordMember(ids[2], recordClaimed, at, "alice"),
	} {
		if err := do(t, c, "ZADD", c.outcomes, "0", m).Error(); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true})
	if err != nil {
		t.Fatal(err)
	}
	if o := p.Entries[0].Outcome; o == nil || o.By != "bob" || o.Held != 5*time.Second {
		t.Fatalf("old ack record read as %+v", o)
	}
	if o := p.Entries[1].Outcome; o == nil || o.By != "bob" || o.Reason != "spam" {
		t.Fatalf("old dead-letter record read as %+v", o)
	}
	// The ack takes the hold from the old claimed record, and writes the
	// new record into a bucket in its place.
	clock.Add(42 * time.Second)
	if _, err := c.Ack(ctx(t), ids[2]); err != nil {
		t.Fatal(err)
	}
	if n, _ := do(t, c, "ZCARD", c.outcomes).AsInt64(); n != 2 {
		t.Fatalf("%d old records, want 2", n)
	}
	if n, _ := do(t, c, "HLEN", c.outcomes+":b:"+ids[2]).AsInt64(); n != 1 {
		t.Fatalf("the new record is not in its bucket")
	}
	p, err = c.StreamPage(ctx(t), StreamQuery{Forward: true})
	if err != nil {
		t.Fatal(err)
	}
	if o := p.Entries[2].Outcome; o == nil || o.By != "alice" || o.Held != 42*time.Second {
		t.Fatalf("new record after an old one: %+v", o)
	}
	// The trim removes the old records with their entries, and the new.
	if err := do(t, c, "XTRIM", c.cfg.Stream, "MAXLEN", "0").Error(); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	mustAdd(t, c, 1)
	m := mustClaim(t, c)
	if _, err := c.Ack(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	if got := recordIDs(t, c, c.cfg.Group); len(got) != 1 || got[0] != m.ID {
		t.Fatalf("records after the trim %v, want only %s", got, m.ID)
	}
	if n, _ := do(t, c, "ZCARD", c.outcomes).AsInt64(); n != 0 {
		t.Fatalf("%d old records after the trim", n)
	}
}
