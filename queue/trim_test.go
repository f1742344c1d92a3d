package queue

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// addAt adds n contact messages at t (explicit IDs, a millisecond apart), as
// the web example would have then, and returns their IDs.
func addAt(t testing.TB, c *Client, at time.Time, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%d-0", at.UnixMilli()+int64(i))
		if err := do(t, c, "XADD", c.cfg.Stream, ids[i], FieldName, "Ada", FieldEmail, "ada@example.org",
			FieldMessage, fmt.Sprintf("message %d", i), FieldTimestamp, FormatTimestamp(at)).Error(); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// allRecordsScript lists the IDs of every record of the outcomes key
// KEYS[1], long ones and in buckets (see lua/record_lookup.lua), in ID
// order: a test's whole read, unbounded.
var allRecordsScript = composeScript("test_all_records.lua", `
local z = KEYS[1]
local ids = {}
for _, m in ipairs(redis.call('ZRANGE', z, 0, -1)) do ids[#ids + 1] = record_id(m) end
for _, m in ipairs(redis.call('ZRANGE', bucket_index(z), 0, -1)) do
  for _, id in ipairs(redis.call('HKEYS', bucket_key(z, record_id(m)))) do ids[#ids + 1] = id end
end
table.sort(ids, id_less)
return ids`, luaIDs, luaRecordLookup)

// recordIDs lists the entries a group's outcome records are about.
func recordIDs(t testing.TB, c *Client, group string) []string {
	t.Helper()
	ids, err := allRecordsScript.exec(ctx(t), c.vk, []string{outcomesKey(c.cfg.Stream, group)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ids.AsStrSlice()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func streamIDs(t testing.TB, c *Client) []string {
	t.Helper()
	p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		ids[i] = e.ID
	}
	return ids
}

func trim(t testing.TB, c *Client, q TrimQuery) TrimResult {
	t.Helper()
	res, err := c.Trim(ctx(t), q, nil)
	if err != nil {
		t.Fatalf("trim %+v: %v", q, err)
	}
	return res
}

// A month-and-a-half-old stream where every state is represented: only
// what every group is done with goes, with its outcome record; what is
// new, pending, released or waiting stays, and so does anything recent.
func TestTrimKeepsWhatIsNotDone(t *testing.T) {
	// Records kept longer than the messages, to see them go with them.
	c := newClient(t, Config{OutcomeRetention: 90 * 24 * time.Hour})
	old := time.Now().Add(-45 * 24 * time.Hour)
	m := addAt(t, c, old, 8)
	recent := mustAdd(t, c, 2)
	for i := 0; i < 6; i++ {
		if got := mustClaim(t, c); got.ID != m[i] {
			t.Fatalf("claimed %s, want %s", got.ID, m[i])
		}
	}
	mustAck(t, c, m[0])
	// m[1] stays held.
	if err := c.Release(ctx(t), m[2]); err != nil {
		t.Fatal(err)
	}
	mustAck(t, c, m[3])
	if err := do(t, c, "ZADD", waitingKey(c.cfg.Stream, c.cfg.Group), fmt.Sprint(time.Now().Add(time.Hour).UnixMilli()), m[3]).Error(); err != nil {
		t.Fatal(err) // snoozed for an hour after its ack
	}
	if _, err := c.Reject(ctx(t), m[4], "spam"); err != nil {
		t.Fatal(err)
	}
	mustAck(t, c, m[5])
	// m[6] and m[7] are new.
	recordsBefore := recordIDs(t, c, c.cfg.Group)
	if want := []string{m[0], m[2], m[3], m[4], m[5]}; !reflect.DeepEqual(recordsBefore, want) {
		t.Fatalf("records before %v, want %v", recordsBefore, want)
	}

	q := TrimQuery{Before: time.Now().Add(-30 * 24 * time.Hour), DryRun: true}
	want := TrimResult{Removed: 3, Kept: TrimKept{Undelivered: 2, Pending: 1, Released: 1, Waiting: 1}}
	if got := trim(t, c, q); got != want {
		t.Fatalf("dry run: %+v, want %+v", got, want)
	}
	all := append(slices.Clone(m), recent...)
	if got := streamIDs(t, c); !reflect.DeepEqual(got, all) {
		t.Fatalf("after the dry run the stream holds %v, want all of %v", got, all)
	}
	if got := recordIDs(t, c, c.cfg.Group); !reflect.DeepEqual(got, recordsBefore) {
		t.Fatalf("after the dry run the records are %v, want %v", got, recordsBefore)
	}

	q.DryRun = false
	if got := trim(t, c, q); got != want {
		t.Fatalf("trim: %+v, want %+v", got, want)
	}
	kept := []string{m[1], m[2], m[3], m[6], m[7], recent[0], recent[1]}
	if got := streamIDs(t, c); !reflect.DeepEqual(got, kept) {
		t.Fatalf("after the trim the stream holds %v, want %v", got, kept)
	}
	if got, want := recordIDs(t, c, c.cfg.Group), []string{m[2], m[3]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the trim the records are %v, want %v", got, want)
	}
	// Once more: nothing else goes.
	want.Removed = 0
	if got := trim(t, c, q); got != want {
		t.Fatalf("second trim: %+v, want %+v", got, want)
	}
	// The held one is still held, the released one is claimed next.
	if err := c.KeepAlive(ctx(t), m[1]); err != nil {
		t.Fatalf("keep-alive of the held message: %v", err)
	}
	if got := mustClaim(t, c.WithConsumer("bob")); got.ID != m[2] || !got.Released {
		t.Fatalf("bob claimed %+v, want %s released", got, m[2])
	}
}

func mustAck(t testing.TB, c *Client, id string) {
	t.Helper()
	if n, err := c.Ack(ctx(t), id); err != nil || n != 1 {
		t.Fatalf("ack %s: %d %v", id, n, err)
	}
}

// An entry goes only when every group of the stream is done with it: the
// web example's own group, behind ours, keeps what it has not read or
// holds, and the records of every group go with the entries.
func TestTrimAsksEveryGroup(t *testing.T) {
	c := newClient(t, Config{OutcomeRetention: 90 * 24 * time.Hour})
	m := addAt(t, c, time.Now().Add(-45*24*time.Hour), 4)
	for range m {
		mustAck(t, c, mustClaim(t, c).ID)
	}
	web, err := New(c.vk, Config{Stream: c.cfg.Stream, Group: "web", Consumer: "processor", OutcomeRetention: c.cfg.OutcomeRetention})
	if err != nil {
		t.Fatal(err)
	}
	if err := web.EnsureGroup(ctx(t)); err != nil {
		t.Fatal(err)
	}
	mustAck(t, web, mustClaim(t, web).ID)
	mustClaim(t, web) // m[1] held by the web example

	res := trim(t, c, TrimQuery{Before: time.Now().Add(-30 * 24 * time.Hour)})
	if want := (TrimResult{Removed: 1, Kept: TrimKept{Undelivered: 2, Pending: 1}}); res != want {
		t.Fatalf("trim: %+v, want %+v", res, want)
	}
	if got := streamIDs(t, c); !reflect.DeepEqual(got, m[1:]) {
		t.Fatalf("the stream holds %v, want %v", got, m[1:])
	}
	if got := recordIDs(t, c, c.cfg.Group); !reflect.DeepEqual(got, m[1:]) {
		t.Fatalf("our records: %v, want %v", got, m[1:])
	}
	if got := recordIDs(t, c, "web"); len(got) != 0 {
		t.Fatalf("web's records: %v, want none (its only one was m[0]'s)", got)
	}
}

// Groups that appear or go between the listing and a step are noticed: a
// step decides nothing on groups it was not told of.
func TestTrimStepRefusesOtherGroups(t *testing.T) {
	c := newClient(t, Config{})
	m := addAt(t, c, time.Now().Add(-45*24*time.Hour), 1)
	mustAck(t, c, mustClaim(t, c).ID)
	last, _ := lastIDBefore(time.Now())
	for _, groups := range [][]string{nil, {"web"}, {c.cfg.Group, "web"}, {c.cfg.Group, c.cfg.Group}} {
		step, err := c.trimStep(ctx(t), groups, "0-0", last, modeTrim)
		if err != nil || !step.regroup {
			t.Fatalf("step told of %q: %+v %v, want regroup", groups, step, err)
		}
	}
	if got := streamIDs(t, c); !reflect.DeepEqual(got, m) {
		t.Fatalf("the stream holds %v, want %v", got, m)
	}
}

// More entries than a step looks at: the trim goes step by step, removes
// everything it should and says how far it got after each step.
func TestTrimInSteps(t *testing.T) {
	c := newClient(t, Config{})
	n := 2*trimChunk + 234
	m := addAt(t, c, time.Now().Add(-45*24*time.Hour), n)
	// All delivered to the web example's processor in our group; 5 of
	// every 12 acked, the rest held.
	if err := do(t, c, "XREADGROUP", "GROUP", c.cfg.Group, "web", "COUNT", fmt.Sprint(n), "STREAMS", c.cfg.Stream, ">").Error(); err != nil {
		t.Fatal(err)
	}
	var acked, held []string
	for i, id := range m {
		if i%12 < 5 {
			acked = append(acked, id)
		} else {
			held = append(held, id)
		}
	}
	if err := do(t, c, append([]string{"XACK", c.cfg.Stream, c.cfg.Group}, acked...)...).Error(); err != nil {
		t.Fatal(err)
	}
	var seen []TrimProgress
	res, err := c.Trim(ctx(t), TrimQuery{Before: time.Now().Add(-30 * 24 * time.Hour)}, func(p TrimProgress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if want := (TrimResult{Removed: int64(len(acked)), Kept: TrimKept{Pending: int64(len(held))}}); res != want {
		t.Fatalf("trim: %+v, want %+v", res, want)
	}
	if len(seen) < 3 || seen[len(seen)-1].Looked != int64(n) || seen[len(seen)-1].Total != int64(n) {
		t.Fatalf("progress %+v: want a report per step, the last at %d of %d", seen, n, n)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Looked <= seen[i-1].Looked || seen[i].Total < seen[i].Looked {
			t.Fatalf("progress %+v goes backwards or beyond its total", seen)
		}
	}
	if got, err := do(t, c, "XLEN", c.cfg.Stream).AsInt64(); err != nil || got != int64(len(held)) {
		t.Fatalf("XLEN %d %v, want the %d held", got, err, len(held))
	}
}

// Pending entries deleted from the stream (another program's XDEL) still
// fill the pending list: a step whose XPENDING reply comes back full ends
// at its last row and the next goes on from there, so nothing is judged on
// rows not read, and every acked entry still goes.
func TestTrimPastPendingRowsOfDeletedEntries(t *testing.T) {
	c := newClient(t, Config{})
	n := 6 * trimChunk
	m := addAt(t, c, time.Now().Add(-45*24*time.Hour), n)
	if err := do(t, c, "XREADGROUP", "GROUP", c.cfg.Group, "web", "COUNT", fmt.Sprint(n), "STREAMS", c.cfg.Stream, ">").Error(); err != nil {
		t.Fatal(err)
	}
	var deleted, acked []string
	for i, id := range m {
		if i%3 != 2 {
			deleted = append(deleted, id)
		} else {
			acked = append(acked, id)
		}
	}
	for _, cmd := range [][]string{append([]string{"XDEL", c.cfg.Stream}, deleted...), append([]string{"XACK", c.cfg.Stream, c.cfg.Group}, acked...)} {
		if err := do(t, c, cmd...).Error(); err != nil {
			t.Fatal(err)
		}
	}
	steps := 0
	res, err := c.Trim(ctx(t), TrimQuery{Before: time.Now().Add(-30 * 24 * time.Hour)}, func(TrimProgress) { steps++ })
	if err != nil {
		t.Fatal(err)
	}
	if want := (TrimResult{Removed: int64(len(acked))}); res != want {
		t.Fatalf("trim: %+v, want %+v", res, want)
	}
	// 1,000 entries in steps of 500 would be 3 (the last finds none); a
	// step's 500 pending rows span 250 of them, so it is 4, the last
	// reading 250 entries and 499 rows.
	if steps != 4 {
		t.Fatalf("%d steps, want 4", steps)
	}
	if got, err := do(t, c, "XLEN", c.cfg.Stream).AsInt64(); err != nil || got != 0 {
		t.Fatalf("XLEN %d %v, want 0", got, err)
	}
	if got, err := do(t, c, "XPENDING", c.cfg.Stream, c.cfg.Group).ToArray(); err != nil || len(got) == 0 {
		t.Fatalf("XPENDING %v %v", got, err)
	} else if pending, _ := got[0].AsInt64(); pending != int64(len(deleted)) {
		t.Fatalf("%d pending, want the %d deleted ones still there", pending, len(deleted))
	}
}

// Dead letters older than their own cutoff go, whatever their reason; the
// main stream is left alone unless asked.
func TestTrimDeadLetters(t *testing.T) {
	c := newClient(t, Config{})
	old := time.Now().Add(-100 * 24 * time.Hour)
	for i := range 3 {
		id := fmt.Sprintf("%d-0", old.UnixMilli()+int64(i))
		if err := do(t, c, "XADD", c.cfg.DeadStream, id, deadFieldID, "1-1", deadFieldReason, "spam",
			deadFieldDeliveries, "1", deadFieldConsumer, "bob", deadFieldAt, fmt.Sprint(old.UnixMilli())).Error(); err != nil {
			t.Fatal(err)
		}
	}
	m := addAt(t, c, old, 2)
	for range m {
		if _, err := c.Reject(ctx(t), mustClaim(t, c).ID, "spam"); err != nil {
			t.Fatal(err)
		}
	}
	q := TrimQuery{DeadBefore: time.Now().Add(-90 * 24 * time.Hour), DryRun: true}
	if got := trim(t, c, q); got != (TrimResult{DeadRemoved: 3}) {
		t.Fatalf("dry run: %+v, want 3 dead letters", got)
	}
	q.DryRun = false
	if got := trim(t, c, q); got != (TrimResult{DeadRemoved: 3}) {
		t.Fatalf("trim: %+v, want 3 dead letters", got)
	}
	letters, err := c.DeadPage(ctx(t), StreamQuery{})
	if err != nil || len(letters) != 2 {
		t.Fatalf("dead letters left: %+v %v, want the 2 recent ones", letters, err)
	}
	if got := streamIDs(t, c); !reflect.DeepEqual(got, m) {
		t.Fatalf("the stream holds %v, want it untouched: %v", got, m)
	}
}

// Nothing to trim: a cutoff before every entry, a missing stream.
func TestTrimNothing(t *testing.T) {
	c := newClient(t, Config{})
	mustAdd(t, c, 1)
	mustAck(t, c, mustClaim(t, c).ID)
	if got := trim(t, c, TrimQuery{Before: time.Now().Add(-time.Hour), DeadBefore: time.Now().Add(-time.Hour)}); got != (TrimResult{}) {
		t.Fatalf("trim before everything: %+v", got)
	}
	if err := do(t, c, "DEL", c.cfg.Stream).Error(); err != nil {
		t.Fatal(err)
	}
	if got := trim(t, c, TrimQuery{Before: time.Now(), DeadBefore: time.Now()}); got != (TrimResult{}) {
		t.Fatalf("trim of a missing stream: %+v", got)
	}
}

// One holder at a time; only the holder renews or releases; a holder that
// stops renewing loses the lock when it expires.
func TestTrimLock(t *testing.T) {
	c := newClient(t, Config{})
	a, other, err := c.LockTrim(ctx(t), "desk-a", time.Minute)
	if err != nil || a == nil {
		t.Fatalf("desk a: %v %q %v", a, other, err)
	}
	b, other, err := c.LockTrim(ctx(t), "desk-a", time.Minute)
	if err != nil || b != nil || other != a.token || !strings.HasPrefix(other, "desk-a/") {
		t.Fatalf("desk b (of the same name) while a holds it: %v %q %v, want a's token %q", b, other, err, a.token)
	}
	if held, err := a.Renew(ctx(t)); err != nil || !held {
		t.Fatalf("a renews: %v %v", held, err)
	}
	impostor := &TrimLock{c: c, key: a.key, token: "desk-a/000000000000", ttl: time.Minute}
	if err := impostor.Release(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if held, err := a.Renew(ctx(t)); err != nil || !held {
		t.Fatalf("a renews after another's release: %v %v", held, err)
	}
	if err := a.Release(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if held, err := a.Renew(ctx(t)); err != nil || held {
		t.Fatalf("a renews after its release: %v %v, want lost", held, err)
	}

	short, _, err := c.LockTrim(ctx(t), "desk-c", 50*time.Millisecond)
	if err != nil || short == nil {
		t.Fatalf("desk c: %v %v", short, err)
	}
	var d *TrimLock
	for d == nil {
		if d, _, err = c.LockTrim(ctx(t), "desk-d", time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if held, err := short.Renew(ctx(t)); err != nil || held {
		t.Fatalf("c renews after it expired and d took it: %v %v", held, err)
	}
}

// The trimmed-unread count on this server (the tests run on valkey-server
// 8 by default; REVIEWQ_TEST_SERVER=/usr/bin/redis-server runs them on
// Redis 7.0): entries the web example's MAXLEN trims before anyone read
// them count, and stay counted as the group reads on; an entry another
// program deletes unread counts; entries removed after the group read
// them (reviewq's own retention, an XDEL of an acked one) do not.
func TestTrimmedUnread(t *testing.T) {
	c := newClient(t, Config{})
	unread := func(step string, want int64, lag int64) {
		t.Helper()
		st, err := c.Stats(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if st.TrimmedUnread != want || st.Group.Lag != lag {
			t.Fatalf("%s: trimmed unread %d lag %d, want %d and %d", step, st.TrimmedUnread, st.Group.Lag, want, lag)
		}
	}
	// A group created at 0 has no read count until it reads.
	unread("new group", -1, 0)
	m := addAt(t, c, time.Now().Add(-45*24*time.Hour), 5)
	unread("nothing read yet", -1, 5)
	mustAck(t, c, mustClaim(t, c).ID)
	mustAck(t, c, mustClaim(t, c).ID)
	unread("two read", 0, 3)
	// The web example: XADD … MAXLEN ~ 10000 with reviewers behind.
	if err := do(t, c, "XTRIM", c.cfg.Stream, "MAXLEN", "1").Error(); err != nil {
		t.Fatal(err)
	}
	unread("m3 and m4 trimmed unread", 2, 1)
	recent := mustAdd(t, c, 3)
	if got := mustClaim(t, c); got.ID != m[4] {
		t.Fatalf("claimed %s, want %s", got.ID, m[4])
	}
	unread("read on past them", 2, 3)
	mustAck(t, c, m[4])
	// reviewq's retention removes m[4]; another program deletes an acked
	// entry: neither was lost unread.
	if res := trim(t, c, TrimQuery{Before: time.Now().Add(-30 * 24 * time.Hour)}); res.Removed != 1 {
		t.Fatalf("trim: %+v, want m[4] removed", res)
	}
	mustAck(t, c, mustClaim(t, c).ID)
	if err := do(t, c, "XDEL", c.cfg.Stream, recent[0]).Error(); err != nil {
		t.Fatal(err)
	}
	unread("after removals of read entries", 2, 2)
	// Another program deletes one nobody has read.
	if err := do(t, c, "XDEL", c.cfg.Stream, recent[2]).Error(); err != nil {
		t.Fatal(err)
	}
	unread("an unread one deleted", 3, 1)
}

// The embedded server keeps no counters: the count is unknown there, never
// a guess, however much was trimmed.
func TestTrimmedUnreadUnknownOnTheEmbeddedServer(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		c, err := New(vk, Config{Stream: "test:unread-embedded", Consumer: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if err := vk.Do(context.Background(), vk.B().Del().Key(c.cfg.Stream).Build()).Error(); err != nil {
			t.Fatal(err)
		}
		if err := c.EnsureGroup(ctx(t)); err != nil {
			t.Fatal(err)
		}
		mustAdd(t, c, 3)
		mustAck(t, c, mustClaim(t, c).ID)
		if err := do(t, c, "XTRIM", c.cfg.Stream, "MAXLEN", "0").Error(); err != nil {
			t.Fatal(err)
		}
		st, err := c.Stats(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		want := int64(2)
		if strings.HasSuffix(t.Name(), "embedded") {
			want = -1
		}
		if st.TrimmedUnread != want || st.Group.Lag != 0 {
			t.Fatalf("trimmed unread %d lag %d, want %d and 0", st.TrimmedUnread, st.Group.Lag, want)
		}
	})
}

// `reviewq trim` removes the records of what it removes wherever they are:
// in buckets, as long records, and as written before the buckets.
func TestTrimRemovesRecordsOfEveryFormat(t *testing.T) {
	c := newClient(t, Config{OutcomeRetention: 90 * 24 * time.Hour})
	old := time.Now().Add(-45 * 24 * time.Hour)
	m := addAt(t, c, old, 250)
	recent := mustAdd(t, c, 3)
	for range len(m) + len(recent) {
		mustClaim(t, c)
	}
	if _, err := c.Ack(ctx(t), append(slices.Clone(m), recent...)...); err != nil {
		t.Fatal(err)
	}
	// Ten of the old ones also as written before the buckets (the trim
	// must find both), and one too long for a bucket.
	for _, id := range m[100:110] {
		if err := do(t, c, "ZADD", c.outcomes, "0", oldRecordMember(id, recordAcked, "1", "bob", "5")).Error(); err != nil {
			t.Fatal(err)
		}
	}
	long := oldRecordMember(m[200], recordDead, "1", "bob", "5", strings.Repeat("why ", 30))
	if err := do(t, c, "ZADD", c.outcomes, "0", long).Error(); err != nil {
		t.Fatal(err)
	}
	if n := len(recordIDs(t, c, c.cfg.Group)); n < len(m)+len(recent) {
		t.Fatalf("%d records before the trim", n)
	}
	res := trim(t, c, TrimQuery{Before: time.Now().Add(-30 * 24 * time.Hour)})
	if res.Removed != int64(len(m)) {
		t.Fatalf("trim removed %d, want %d", res.Removed, len(m))
	}
	if got := recordIDs(t, c, c.cfg.Group); !slices.Equal(got, recent) {
		t.Fatalf("records after the trim %v, want %v", got, recent)
	}
	if n, _ := do(t, c, "ZCARD", c.outcomes).AsInt64(); n != 0 {
		t.Fatalf("%d old or long records left", n)
	}
}
