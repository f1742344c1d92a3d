package queue

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var fixedNow = time.Date(2024, 11, 24, 18, 35, 14, 890_000_000, time.UTC)

func TestAddWritesTheWebExampleFields(t *testing.T) {
	c := newClient(t, Config{Now: func() time.Time { return fixedNow }})
	a, err := c.AddContact(ctx(t), "Ada Lovelace", "ada@example.org", "Hello")
	if err != nil {
		t.Fatal(err)
	}
	if a.Timestamp != "2024-11-24T18:35:14.890Z" {
		t.Fatalf("timestamp %q, want toISOString form", a.Timestamp)
	}
	raw, err := do(t, c, "XRANGE", c.cfg.Stream, a.ID, a.ID).ToArray()
	if err != nil || len(raw) != 1 {
		t.Fatalf("XRANGE: %v %v", raw, err)
	}
	kv, _ := raw[0].ToArray()
	got, _ := kv[1].AsStrSlice()
	want := []string{"name", "Ada Lovelace", "email", "ada@example.org", "message", "Hello", "timestamp", "2024-11-24T18:35:14.890Z"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %q, want exactly %q", got, want)
	}
}

func TestClaimNewThenAck(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 2)
	m := mustClaim(t, c)
	if m.ID != ids[0] || m.Reclaimed || m.Deliveries != 1 || m.PreviousConsumer != "" {
		t.Fatalf("claimed %+v, want the first entry, new, first delivery", m)
	}
	if !m.IsContact() || m.Name() != "Ada" || m.Email() != "ada@example.org" {
		t.Fatalf("entry fields %+v", m.Fields)
	}
	n, err := c.Ack(ctx(t), m.ID)
	if err != nil || n != 1 {
		t.Fatalf("ack: %d %v", n, err)
	}
	// Acking again is reported through the count, not as an error.
	if n, err := c.Ack(ctx(t), m.ID); err != nil || n != 0 {
		t.Fatalf("second ack: %d %v, want 0 and no error", n, err)
	}
	if m2 := mustClaim(t, c); m2.ID != ids[1] {
		t.Fatalf("second claim %s, want %s", m2.ID, ids[1])
	}
}

func TestClaimEmptyQueue(t *testing.T) {
	c := newClient(t, Config{})
	r, err := c.Claim(ctx(t))
	if err != nil || r.Message != nil {
		t.Fatalf("claim on empty: %+v %v", r, err)
	}
}

func TestReclaimFindsIdleEntryBehindBusyOnes(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 13)
	bob := c.WithConsumer("bob")
	for range ids {
		mustClaim(t, bob)
	}
	// Twelve of bob's are fresh; the newest has sat for two minutes.
	last := ids[len(ids)-1]
	makeIdle(t, c, "bob", last, 2*time.Minute, 1)

	// The web example's XAUTOCLAIM 0-0 COUNT 1 gives up after ten pending
	// entries and never reaches it.
	r, err := do(t, c, "XAUTOCLAIM", c.cfg.Stream, c.cfg.Group, "probe", "60000", "0-0", "COUNT", "1").ToArray()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r[1].ToArray(); len(got) != 0 {
		t.Fatalf("XAUTOCLAIM found %d entries; the test no longer shows the gap", len(got))
	}

	m := mustClaim(t, c)
	if m.ID != last || !m.Reclaimed || m.PreviousConsumer != "bob" || m.Deliveries != 2 {
		t.Fatalf("claimed %+v, want %s reclaimed from bob, delivery 2", m, last)
	}
	if m.Idle < 2*time.Minute {
		t.Fatalf("idle %s, want the two minutes it sat", m.Idle)
	}
	// It is mine now and fresh: nobody else reclaims it.
	if r, err := c.WithConsumer("carol").Claim(ctx(t)); err != nil || r.Message != nil {
		t.Fatalf("carol claimed %+v %v, want nothing", r.Message, err)
	}
}

func TestReclaimPrefersIdleOverNew(t *testing.T) {
	c := newClient(t, Config{ReclaimAfter: time.Second})
	ids := mustAdd(t, c, 2)
	mustClaim(t, c.WithConsumer("bob"))
	makeIdle(t, c, "bob", ids[0], 5*time.Second, 1)
	if m := mustClaim(t, c); m.ID != ids[0] || !m.Reclaimed {
		t.Fatalf("claimed %+v, want the idle one first", m)
	}
}

func TestMaxDeliveriesDeadLettersAndGoesOn(t *testing.T) {
	c := newClient(t, Config{Now: func() time.Time { return fixedNow }})
	ids := mustAdd(t, c, 2)
	mustClaim(t, c.WithConsumer("bob"))
	makeIdle(t, c, "bob", ids[0], 2*time.Minute, 5) // delivered five times already

	r, err := c.Claim(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.DeadLettered, []string{ids[0]}) {
		t.Fatalf("dead-lettered %v, want [%s]", r.DeadLettered, ids[0])
	}
	if r.Message == nil || r.Message.ID != ids[1] {
		t.Fatalf("claim went on to %+v, want %s", r.Message, ids[1])
	}
	dead, err := c.DeadPage(ctx(t), StreamQuery{})
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead page %+v %v", dead, err)
	}
	d := dead[0]
	if d.OriginalID != ids[0] || d.Reason != ReasonMaxDeliveries || d.Deliveries != 5 || d.Consumer != "bob" ||
		!d.At.Equal(fixedNow) || d.Original.Message() != "message A" {
		t.Fatalf("dead letter %+v", d)
	}
	assertNotPending(t, c, ids[0])
}

func TestMaxDeliveriesZeroNeverDeadLetters(t *testing.T) {
	c := newClient(t, Config{MaxDeliveries: -1})
	ids := mustAdd(t, c, 1)
	mustClaim(t, c.WithConsumer("bob"))
	makeIdle(t, c, "bob", ids[0], 2*time.Minute, 50)
	if m := mustClaim(t, c); m.ID != ids[0] || m.Deliveries != 51 {
		t.Fatalf("claimed %+v", m)
	}
}

func TestDeletedWhilePendingIsAckedAndReported(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 2)
	mustClaim(t, c.WithConsumer("bob"))
	makeIdle(t, c, "bob", ids[0], 2*time.Minute, 1)
	if err := do(t, c, "XDEL", c.cfg.Stream, ids[0]).Error(); err != nil {
		t.Fatal(err)
	}
	r, err := c.Claim(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Dropped, []string{ids[0]}) || r.Message == nil || r.Message.ID != ids[1] {
		t.Fatalf("claim %+v, want %s dropped and %s claimed", r, ids[0], ids[1])
	}
	assertNotPending(t, c, ids[0])
	dead, _ := c.DeadPage(ctx(t), StreamQuery{})
	if len(dead) != 1 || dead[0].OriginalID != ids[0] || dead[0].Reason != ReasonDeleted {
		t.Fatalf("deleted entry not reported in the dead-letter stream: %+v", dead)
	}
	// Nothing to redrive: its content is gone.
	if _, err := c.Redrive(ctx(t), dead[0].ID); !errors.Is(err, ErrEmpty) {
		t.Fatalf("redrive of a lost entry: %v, want ErrEmpty", err)
	}
}

func assertNotPending(t *testing.T, c *Client, id string) {
	t.Helper()
	p, err := c.PendingPage(ctx(t), PendingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Entries {
		if e.ID == id {
			t.Fatalf("%s still pending: %+v", id, e)
		}
	}
}

func TestKeepAlive(t *testing.T) {
	c := newClient(t, Config{ReclaimAfter: time.Second})
	mustAdd(t, c, 1)
	m := mustClaim(t, c)
	makeIdle(t, c, "alice", m.ID, 10*time.Second, 1)
	if err := c.KeepAlive(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	p, _ := c.PendingPage(ctx(t), PendingQuery{})
	if p.Entries[0].Idle > 500*time.Millisecond || p.Entries[0].Deliveries != 1 {
		t.Fatalf("after keep-alive %+v, want idle reset and deliveries unchanged", p.Entries[0])
	}
	// Someone reclaims it after all: keep-alive must not steal it back.
	makeIdle(t, c, "alice", m.ID, 10*time.Second, 1)
	if got := mustClaim(t, c.WithConsumer("bob")); got.ID != m.ID {
		t.Fatalf("bob claimed %s", got.ID)
	}
	err := c.KeepAlive(ctx(t), m.ID)
	var held *HeldError
	if !errors.Is(err, ErrNotHeld) || !errors.As(err, &held) || held.Owner != "bob" {
		t.Fatalf("keep-alive after reclaim: %v, want ErrNotHeld by bob", err)
	}
	if _, err := c.WithConsumer("bob").Ack(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.KeepAlive(ctx(t), m.ID); !errors.Is(err, ErrNotPending) {
		t.Fatalf("keep-alive after ack: %v, want ErrNotPending", err)
	}
}

func TestReleaseHandsBackAtOnce(t *testing.T) {
	c := newClient(t, Config{}) // the default 60 s threshold
	mustAdd(t, c, 1)
	m := mustClaim(t, c)
	if err := c.WithConsumer("bob").Release(ctx(t), m.ID); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("bob released alice's message: %v", err)
	}
	if err := c.Release(ctx(t), m.ID); err != nil {
		t.Fatal(err)
	}
	// Not a failed delivery: no RECLAIMED, no idle time, the same count.
	got := mustClaim(t, c.WithConsumer("bob"))
	if got.ID != m.ID || got.Reclaimed || !got.Released || got.ReleasedBy != "alice" || got.PreviousConsumer != "alice" ||
		got.Deliveries != 1 || got.Idle != 0 || time.Since(got.ReleasedAt) > time.Minute {
		t.Fatalf("after release bob got %+v", got)
	}
}

// The releaser's threshold is 1 s, the claimer's an hour: the claimer
// still gets the released message at once, ahead of new ones.
func TestReleasedComesFirstWhateverTheClaimersThreshold(t *testing.T) {
	c := newClient(t, Config{ReclaimAfter: time.Second})
	ids := mustAdd(t, c, 3)
	first := mustClaim(t, c)
	if err := c.Release(ctx(t), first.ID); err != nil {
		t.Fatal(err)
	}
	patient := c.WithConsumer("bob")
	patient.cfg.ReclaimAfter = time.Hour
	if got := mustClaim(t, patient); got.ID != ids[0] || !got.Released {
		t.Fatalf("bob (reclaim-after 1h) claimed %+v, want the released %s", got, ids[0])
	}
	// Claiming it by ID from the Pending screen takes it as released too,
	// without asking, even though carol's threshold is an hour.
	if err := patient.Release(ctx(t), ids[0]); err != nil {
		t.Fatal(err)
	}
	carol := c.WithConsumer("carol")
	carol.cfg.ReclaimAfter = time.Hour
	m, err := carol.ClaimID(ctx(t), ids[0], false)
	if err != nil || !m.Released || m.ReleasedBy != "bob" || m.Deliveries != 1 {
		t.Fatalf("claim by ID of a released message: %+v %v", m, err)
	}
	// Taken, it is no longer offered as released.
	if got := mustClaim(t, patient); got.ID != ids[1] || got.Released {
		t.Fatalf("next claim %+v, want the new %s", got, ids[1])
	}
}

func TestClaimSelectedID(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 2)
	bob := c.WithConsumer("bob")
	mustClaim(t, bob)
	_, err := c.ClaimID(ctx(t), ids[0], false)
	var held *HeldError
	if !errors.Is(err, ErrNotHeld) || !errors.As(err, &held) || held.Owner != "bob" {
		t.Fatalf("claim of bob's fresh message: %v, want ErrNotHeld", err)
	}
	m, err := c.ClaimID(ctx(t), ids[0], true)
	if err != nil || m.ID != ids[0] || !m.Reclaimed || m.PreviousConsumer != "bob" || m.Deliveries != 2 || m.Message() != "message A" {
		t.Fatalf("forced claim: %+v %v", m, err)
	}
	if _, err := c.ClaimID(ctx(t), ids[1], false); !errors.Is(err, ErrNotPending) {
		t.Fatalf("claim of a new entry by ID: %v, want ErrNotPending", err)
	}
	// An idle one needs no confirmation.
	mustClaim(t, bob)
	makeIdle(t, c, "bob", ids[1], 2*time.Minute, 1)
	if _, err := c.ClaimID(ctx(t), ids[1], false); err != nil {
		t.Fatal(err)
	}
}

func TestRejectRedriveDelete(t *testing.T) {
	c := newClient(t, Config{})
	mustAdd(t, c, 1)
	m := mustClaim(t, c)
	did, err := c.Reject(ctx(t), m.ID, "spam, \x1b[31mred\x1b[0m")
	if err != nil {
		t.Fatal(err)
	}
	assertNotPending(t, c, m.ID)
	if _, err := c.Reject(ctx(t), m.ID, "again"); !errors.Is(err, ErrNotPending) {
		t.Fatalf("second reject: %v, want ErrNotPending", err)
	}
	d, err := c.GetDead(ctx(t), did)
	if err != nil || d.OriginalID != m.ID || d.Reason != "spam, \x1b[31mred\x1b[0m" || d.Consumer != "alice" ||
		d.Deliveries != 1 || !reflect.DeepEqual(d.Original.Fields, m.Fields) {
		t.Fatalf("dead letter %+v %v", d, err)
	}
	nid, err := c.Redrive(ctx(t), did)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Get(ctx(t), nid)
	if err != nil || !reflect.DeepEqual(e.Fields, m.Fields) {
		t.Fatalf("redriven entry %+v %v, want the original fields", e, err)
	}
	if _, err := c.GetDead(ctx(t), did); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dead letter still there after redrive: %v", err)
	}
	if _, err := c.Redrive(ctx(t), did); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second redrive: %v", err)
	}
	// The redriven copy is new work.
	if got := mustClaim(t, c); got.ID != nid || got.Deliveries != 1 {
		t.Fatalf("claimed %+v, want the redriven %s", got, nid)
	}
	did2, _ := c.Reject(ctx(t), nid, "no")
	if n, err := c.DeleteDead(ctx(t), did2, "1-1"); err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
}

func TestPendingPages(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 7)
	for i := range ids {
		who := c
		if i%2 == 1 {
			who = c.WithConsumer("bob")
		}
		mustClaim(t, who)
	}
	makeIdle(t, c, "alice", ids[2], 5*time.Minute, 3)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		p, err := c.PendingPage(ctx(t), PendingQuery{After: after, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		for _, e := range p.Entries {
			got = append(got, e.ID)
			if e.Entry == nil || e.Entry.Message() == "" {
				t.Fatalf("row %+v has no preview", e)
			}
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if !reflect.DeepEqual(got, ids) {
		t.Fatalf("paged %v, want %v", got, ids)
	}
	bobs, err := c.PendingPage(ctx(t), PendingQuery{Consumer: "bob"})
	if err != nil || len(bobs.Entries) != 3 {
		t.Fatalf("bob's pending %+v %v", bobs, err)
	}
	idle, err := c.PendingPage(ctx(t), PendingQuery{MinIdle: time.Minute})
	if err != nil || len(idle.Entries) != 1 || idle.Entries[0].ID != ids[2] || idle.Entries[0].Deliveries != 3 {
		t.Fatalf("idle filter %+v %v", idle, err)
	}
	if err := do(t, c, "XDEL", c.cfg.Stream, ids[0]).Error(); err != nil {
		t.Fatal(err)
	}
	p, _ := c.PendingPage(ctx(t), PendingQuery{Count: 1})
	if p.Entries[0].ID != ids[0] || p.Entries[0].Entry != nil {
		t.Fatalf("deleted-while-pending row %+v, want no entry", p.Entries[0])
	}
}

func TestStreamPagesWithState(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 10)
	for i := 0; i < 6; i++ {
		m := mustClaim(t, c)
		if i < 3 {
			if _, err := c.Ack(ctx(t), m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	p, err := c.StreamPage(ctx(t), StreamQuery{Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ids[9], ids[8], ids[7], ids[6]}
	if got := entryIDs(p.Entries); !reflect.DeepEqual(got, want) {
		t.Fatalf("newest page %v, want %v", got, want)
	}
	for _, e := range p.Entries {
		if e.State != StateNew {
			t.Fatalf("%s is %s, want new", e.ID, e.State)
		}
	}
	before, _ := Before(p.Entries[len(p.Entries)-1].ID)
	p, err = c.StreamPage(ctx(t), StreamQuery{From: before, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{ids[5], ids[4], ids[3], ids[2]}
	if got := entryIDs(p.Entries); !reflect.DeepEqual(got, want) {
		t.Fatalf("second page %v, want %v", got, want)
	}
	for i, st := range []State{StatePending, StatePending, StatePending, StateAcked} {
		if p.Entries[i].State != st {
			t.Fatalf("%s is %s, want %s", p.Entries[i].ID, p.Entries[i].State, st)
		}
	}
	if p.Entries[0].Consumer != "alice" || p.Entries[0].Deliveries != 1 {
		t.Fatalf("pending row %+v", p.Entries[0])
	}
	after, _ := After(ids[1])
	fwd, err := c.StreamPage(ctx(t), StreamQuery{From: after, Forward: true, Count: 2})
	if err != nil || !reflect.DeepEqual(entryIDs(fwd.Entries), []string{ids[2], ids[3]}) {
		t.Fatalf("forward page %v %v", entryIDs(fwd.Entries), err)
	}
	// Jump to a time: a bare millisecond lands on that moment's entries.
	at := strings.SplitN(ids[4], "-", 2)[0]
	jump, err := c.StreamPage(ctx(t), StreamQuery{From: at, Count: 1})
	if err != nil || len(jump.Entries) != 1 || IDTime(jump.Entries[0].ID).After(IDTime(ids[4])) {
		t.Fatalf("jump to %s: %v %v", at, entryIDs(jump.Entries), err)
	}
	if _, err := c.StreamPage(ctx(t), StreamQuery{From: "yesterday"}); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func entryIDs(es []StreamEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestStats(t *testing.T) {
	c := newClient(t, Config{})
	mustAdd(t, c, 5)
	m := mustClaim(t, c)
	mustClaim(t, c.WithConsumer("bob"))
	if _, err := c.Reject(ctx(t), m.ID, "x"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Stats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Length != 5 || st.Group.Pending != 1 || st.Group.Lag != 3 || st.DeadLength != 1 || len(st.Consumers) != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGenericAndOddEntries(t *testing.T) {
	c := newClient(t, Config{})
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	big := strings.Repeat("é", 512*1024) // 1 MiB of two-byte runes
	batch := [][]Field{
		{{"name", "only a name"}},
		{{"name", "n"}, {"email", "e@x.org"}, {"message", "m"}, {"timestamp", "t"}, {"extra", "x"}},
		{{"blob", string(binary)}},
		{{"message", big}},
	}
	for _, r := range c.AddMany(ctx(t), batch) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	for i, want := range batch {
		m := mustClaim(t, c)
		if !reflect.DeepEqual(m.Fields, want) {
			t.Fatalf("entry %d came back different (%d fields)", i, len(m.Fields))
		}
		if m.IsContact() {
			t.Fatalf("entry %d taken for a contact message", i)
		}
	}
	p, err := c.StreamPage(ctx(t), StreamQuery{Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Entries[0].Fields[0].Value; !p.Entries[0].Cut || len(v) > PreviewBytes || !strings.HasPrefix(big, v) {
		t.Fatalf("page value not cut to a preview: %d bytes, cut=%v", len(v), p.Entries[0].Cut)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	c := newClient(t, Config{})
	if _, err := c.Ack(ctx(t), "not-an-id"); !errors.Is(err, ErrInvalidID) || IsServerSide(err) {
		t.Fatalf("bad id: %v", err)
	}
	// An ID the server does not have is not "someone else's" to blame.
	if n, err := c.Ack(ctx(t), "1-1"); !errors.Is(err, ErrLost) || errors.Is(err, ErrNotHeld) || n != 0 {
		t.Fatalf("ack of unknown id: %d %v, want ErrLost", n, err)
	}
	if err := c.Release(ctx(t), "1-1"); !errors.Is(err, ErrLost) {
		t.Fatalf("release unknown: %v, want ErrLost", err)
	}
	acked := mustAdd(t, c, 1)[0]
	mustClaim(t, c)
	if n, err := c.Ack(ctx(t), acked); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if n, err := c.Ack(ctx(t), acked); err != nil || n != 0 {
		t.Fatalf("second ack: %d %v, want 0 and no error", n, err)
	}
	if err := c.Release(ctx(t), acked); !errors.Is(err, ErrNotPending) {
		t.Fatalf("release of an acked entry: %v, want ErrNotPending", err)
	}
	if _, err := c.Get(ctx(t), "1-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get unknown: %v", err)
	}

	// A key of the wrong type.
	wrong := newClient(t, Config{Stream: "test:wrongtype"})
	if err := do(t, c, "SET", "test:wrongtype:str", "x").Error(); err != nil {
		t.Fatal(err)
	}
	w, _ := New(wrong.vk, Config{Stream: "test:wrongtype:str"})
	if err := w.EnsureGroup(ctx(t)); !errors.Is(err, ErrWrongType) {
		t.Fatalf("ensure group on a string: %v", err)
	}
	if _, err := w.Claim(ctx(t)); !errors.Is(err, ErrWrongType) {
		t.Fatalf("claim on a string: %v", err)
	}
	if _, err := w.Add(ctx(t), []Field{{"a", "b"}}); !errors.Is(err, ErrWrongType) {
		t.Fatalf("add on a string: %v", err)
	}
	if !strings.Contains(mustErr(w.Stats(ctx(t))).Error(), "another type than a stream") {
		t.Fatal("stats on a string: unclear error")
	}

	// A missing group is created again by whichever call meets it.
	for name, call := range map[string]func() error{
		"pending": func() error { _, err := c.PendingPage(ctx(t), PendingQuery{}); return err },
		"stream":  func() error { _, err := c.StreamPage(ctx(t), StreamQuery{}); return err },
		"stats":   func() error { _, err := c.Stats(ctx(t)); return err },
		"claim":   func() error { _, err := c.Claim(ctx(t)); return err },
	} {
		if err := do(t, c, "XGROUP", "DESTROY", c.cfg.Stream, c.cfg.Group).Error(); err != nil {
			t.Fatal(err)
		}
		if err := call(); err != nil {
			t.Fatalf("%s without group: %v", name, err)
		}
		if n, err := do(t, c, "XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, "0").ToString(); err == nil {
			t.Fatalf("%s did not create the group again (%s)", name, n)
		}
	}

	// A deadline that has passed.
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := c.Claim(expired); !errors.Is(err, ErrTimeout) || !IsServerSide(err) {
		t.Fatalf("expired deadline: %v", err)
	}
}

func mustErr[T any](_ T, err error) error {
	if err == nil {
		return errors.New("no error")
	}
	return err
}

func TestConnectionErrors(t *testing.T) {
	// Nothing listens on a port we just freed.
	dead := testserverFreeAddr(t)
	_, err := Dial(ctx(t), ServerOptions{Endpoint: dead, DialTimeout: time.Second})
	if !errors.Is(err, ErrUnreachable) || !IsServerSide(err) {
		t.Fatalf("unreachable: %v", err)
	}
	if !strings.Contains(err.Error(), "server unreachable") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("not a one-line explanation: %q", err)
	}

	locked := startServer(t, "--requirepass", "s3cret")
	_, err = Dial(ctx(t), ServerOptions{URL: "redis://:wrong@" + locked.Addr})
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	vk, err := Dial(ctx(t), ServerOptions{URL: "valkey://default:s3cret@" + locked.Addr + "/2"})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	vk.Close()

	if _, err := Dial(ctx(t), ServerOptions{URL: "http://x"}); !errors.Is(err, ErrConfig) || IsServerSide(err) {
		t.Fatalf("bad scheme: %v", err)
	}
}

// Redis 7.0 keeps counting entries that MAXLEN trimmed before the group read
// them (it reports lag 8 for a stream of 3); nothing is waiting that the
// stream does not hold.
func TestLagNeverExceedsTheStream(t *testing.T) {
	c := newClient(t, Config{})
	mustAdd(t, c, 1)
	mustClaim(t, c)
	for i := 0; i < 8; i++ {
		if err := do(t, c, "XADD", c.cfg.Stream, "MAXLEN", "3", "*", "n", itoa(i)).Error(); err != nil {
			t.Fatal(err)
		}
	}
	st, err := c.Stats(ctx(t))
	if err != nil || st.Length != 3 || st.Group.Lag != 3 || st.Group.EntriesRead != 0 {
		t.Fatalf("stats %+v %v, want 3 entries, all 3 waiting", st, err)
	}
}

func TestAckAndClaim(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, 3)
	m := mustClaim(t, c)
	n, r, err := c.AckAndClaim(ctx(t), m.ID)
	if err != nil || n != 1 || r.Message == nil || r.Message.ID != ids[1] || r.Message.Deliveries != 1 {
		t.Fatalf("ack and claim: %d %+v %v, want %s acked and %s claimed", n, r.Message, err, m.ID, ids[1])
	}
	assertNotPending(t, c, m.ID)
	// An ID no longer pending is reported through the count, and the
	// claim still happens.
	n, r, err = c.AckAndClaim(ctx(t), m.ID)
	if err != nil || n != 0 || r.Message == nil || r.Message.ID != ids[2] {
		t.Fatalf("ack of an acked ID and claim: %d %+v %v", n, r.Message, err)
	}
	n, r, err = c.AckAndClaim(ctx(t), ids[2])
	if err != nil || n != 1 || r.Message != nil {
		t.Fatalf("last ack and claim: %d %+v %v, want 1 and an empty queue", n, r.Message, err)
	}
	if _, _, err := c.AckAndClaim(ctx(t), "nope"); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad ID: %v", err)
	}
	// A group that vanished (a server restarted empty) is created again;
	// the ack then finds nothing pending.
	mustAdd(t, c, 1)
	if err := do(t, c, "XGROUP", "DESTROY", c.cfg.Stream, c.cfg.Group).Error(); err != nil {
		t.Fatal(err)
	}
	n, r, err = c.AckAndClaim(ctx(t), ids[2])
	if err != nil || n != 0 || r.Message == nil || r.Message.ID != ids[0] {
		t.Fatalf("after the group vanished: %d %+v %v", n, r.Message, err)
	}
}

// The ack finds its entry among the rows the claim reads of the head of
// the pending list; an entry further on is looked up on its own, and an ID
// written short is the same ID. Each ack is recorded, and the claim sees
// the head as it is after the ack.
func TestAckAndClaimFindsTheAckedEntryAnywhere(t *testing.T) {
	c := newClient(t, Config{})
	ids := mustAdd(t, c, claimHeadRows+5)
	others := c.WithConsumer("bob")
	for range claimHeadRows + 3 {
		mustClaim(t, others)
	}
	held := mustClaim(t, c) // the 14th entry, beyond the head's rows
	if held.ID != ids[claimHeadRows+3] {
		t.Fatalf("claimed %s, want %s", held.ID, ids[claimHeadRows+3])
	}
	for _, tc := range []struct{ name, ack, id string }{
		{"beyond the head", held.ID, held.ID},
		{"in the head", ids[1], ids[1]},
		{"at the head's extra row", ids[claimHeadRows], ids[claimHeadRows]},
		{"written short", "0" + ids[2], ids[2]},
	} {
		n, r, err := c.AckAndClaim(ctx(t), tc.ack)
		if err != nil || n != 1 || r.Message == nil {
			t.Fatalf("%s: ack %s and claim: %d %+v %v", tc.name, tc.ack, n, r.Message, err)
		}
		assertNotPending(t, c, tc.id)
		if err := c.Release(ctx(t), r.Message.ID); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true})
	if err != nil {
		t.Fatal(err)
	}
	acked := 0
	for _, e := range p.Entries {
		if e.State == StateAcked {
			acked++
		}
	}
	if acked != 4 {
		t.Fatalf("%d entries recorded acked, want 4: %+v", acked, p.Entries)
	}
	// Nothing idle in the head: the next claim reads the new entry left.
	r, err := c.Claim(ctx(t))
	if err != nil || r.Message == nil || r.Message.Reclaimed {
		t.Fatalf("claim after: %+v %v", r.Message, err)
	}
}

func TestOwnKeysShareTheStreamSlot(t *testing.T) {
	seen := map[string]bool{}
	for _, stream := range []string{"contact-messages", "{tenant}:messages", "a{b", "x{}y", "a}b", "}"} {
		for _, key := range []string{
			claimCursorKey(stream, "contact-processors"), clusterDeadStreamFor(stream),
			outcomesKey(stream, "contact-processors"), outcomesKey(stream, "contact-processors") + ":i",
			outcomesKey(stream, "contact-processors") + ":b:1764009300000-0",
			releasedKey(stream, "contact-processors"), activityKey(stream, "contact-processors", time.UnixMilli(1764009300000)),
			arrivalsKey(stream), idempotencyKey(stream, "draft-1"),
			waitingKey(stream, "contact-processors"), snoozedKey(stream, "contact-processors"),
			backoffKey(stream, "contact-processors"), scheduledKey(stream), scheduledContentKey(stream),
		} {
			if keySlot(key) != keySlot(stream) {
				t.Errorf("%q of %q is in slot %d, the stream in %d", key, stream, keySlot(key), keySlot(stream))
			}
			if seen[key] {
				t.Errorf("%q named twice", key)
			}
			seen[key] = true
		}
	}
}

func TestAddContactsKeepsOrderAndReportsEachBatch(t *testing.T) {
	c := newClient(t, Config{MaxLen: 100_000, Now: func() time.Time { return fixedNow }})
	msgs := make([]NewContact, addPipeline*2+7)
	for i := range msgs {
		msgs[i] = NewContact{Name: "Ada", Email: "ada@example.org", Message: "bulk " + itoa(i)}
	}
	var batches []int
	var ids []string
	n, err := c.AddContacts(ctx(t), msgs, func(b []Added) {
		batches = append(batches, len(b))
		for _, a := range b {
			if a.Timestamp != "2024-11-24T18:35:14.890Z" {
				t.Fatalf("timestamp %q", a.Timestamp)
			}
			ids = append(ids, a.ID)
		}
	})
	if err != nil || n != len(msgs) || !reflect.DeepEqual(batches, []int{addPipeline, addPipeline, 7}) {
		t.Fatalf("added %d in batches %v: %v", n, batches, err)
	}
	page, err := c.StreamPage(ctx(t), StreamQuery{Forward: true, Count: len(msgs)})
	if err != nil || len(page.Entries) != len(msgs) {
		t.Fatalf("stream: %d %v", len(page.Entries), err)
	}
	for i, e := range page.Entries {
		if e.ID != ids[i] || e.Message() != msgs[i].Message || !e.IsContact() {
			t.Fatalf("entry %d: %s %q, want %s %q", i, e.ID, e.Message(), ids[i], msgs[i].Message)
		}
	}

	// A key of another type: nothing added, the error says why.
	if err := do(t, c, "SET", "test:addcontacts:str", "x").Error(); err != nil {
		t.Fatal(err)
	}
	w, _ := New(c.vk, Config{Stream: "test:addcontacts:str"})
	called := false
	n, err = w.AddContacts(ctx(t), msgs[:3], func([]Added) { called = true })
	if n != 0 || called || !errors.Is(err, ErrWrongType) {
		t.Fatalf("add to a string: %d %v %v", n, called, err)
	}
}
