package queue

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// The contract cases of messages that wait (issue 18): snoozed, backing
// off before a retry, added for later. Each is played against the web
// example's consumer too, which must never get one before it is due.

// webConsumer is the consumer name the web example's processing page
// claims as.
const webConsumer = "consumer-default"

func init() {
	contractCases = append(contractCases,
		contractCase{name: "the web example never gets a waiting message early", run: func(r *contractRun) {
			clock := newTestClock()
			c := r.client(Config{Now: clock.Now, RetryBackoff: time.Minute})
			r.add(c, 3)
			m1 := r.claim(c, "alice claims", "m1 new delivery 1")
			r.expect("alice snoozes m1 for 10m", c.Snooze(r.ctx(), m1.ID, clock.Now().Add(10*time.Minute)), nil)
			m2 := r.claim(c, "alice claims", "m2 new delivery 1")
			due, err := c.ReleaseDue(r.ctx(), m2.ID)
			r.expect("alice releases m2", err, nil)
			r.see("m2 is offered again in %s", due.Sub(clock.Now()))
			if due.Sub(clock.Now()) != time.Minute {
				r.t.Fatalf("released with a backoff of 1m at its first delivery: due in %s", due.Sub(clock.Now()))
			}
			r.claim(c.WithConsumer("bob"), "bob claims", "m3 new delivery 1")
			r.age(2 * time.Minute) // bob walked away from m3
			res, err := c.Claim(r.ctx())
			r.expect("alice claims", err, nil)
			r.see("alice's claim put %v to wait, then %s", r.ids(res.Waiting), r.claimed(res.Message))
			if len(res.Waiting) != 1 || res.Message != nil {
				r.t.Fatalf("claim %+v: want m3 put to wait for its retry, and nothing claimed", res)
			}
			a, err := c.AddContactLater(r.ctx(), "", "Ada", "ada@example.org", "call me at 3", clock.Now().Add(5*time.Minute))
			r.expect("add a message for in 5m", err, nil)
			r.see("added for in %s, with a scheduled ID: %v", a.NotBefore.Sub(clock.Now()), a.ID == "" && isScheduledID(a.ScheduledID))
			if a.ID != "" || !isScheduledID(a.ScheduledID) {
				r.t.Fatalf("add for later: %+v", a)
			}

			r.web("the web example's reads before anything is due", true)
			r.waitCounts(c, "scheduled=1 snoozed=1 waiting=2")
			r.page(c, StreamQuery{}, "scheduled for 5m: call me at 3",
				"m3 waiting by bob for 1m after reclaimed", "m2 waiting by alice for 1m after released", "m1 snoozed by alice for 10m")
			r.pending(c, PendingQuery{}, "waits: m2 waiting by alice for 1m after released: hello",
				"waits: m3 waiting by bob for 1m after reclaimed: hello", "waits: m1 snoozed by alice for 10m: hello")
			r.claimNone(c, "alice claims before anything is due")
			r.web("the web example's reads after nothing fell due", true)

			// The retries are due; the stats the console reads add them to
			// the stream, and the web example reads each once.
			clock.Add(4 * time.Minute)
			r.waitCounts(c, "scheduled=1 snoozed=1 waiting=0")
			r.web("the web example reads the retries", false,
				"m4 (retry of m2 after released by alice, 1 before)", "m5 (retry of m3 after reclaimed by bob, 1 before)")
			r.page(c, StreamQuery{}, "scheduled for 5m: call me at 3", "m5 pending consumer-default 2 (retry of m3 after reclaimed by bob, 1 before)",
				"m4 pending consumer-default 2 (retry of m2 after released by alice, 1 before)",
				"m3 returned by bob for 1m after reclaimed back as m5", "m2 returned by alice for 1m after released back as m4",
				"m1 snoozed by alice for 10m")
			clock.Add(10 * time.Minute)
			r.waitCounts(c, "scheduled=0 snoozed=0 waiting=0")
			r.web("the web example reads the rest", false, "m6 call me at 3", "m7 (snooze of m1 by alice, 0 before)")
		}},

		contractCase{name: "two claims at the due time: one gets it", run: func(r *contractRun) {
			clock := newTestClock()
			c := r.client(Config{Now: clock.Now})
			r.add(c, 1)
			m := r.claim(c, "alice claims", "m1 new delivery 1")
			r.expect("alice snoozes it for 1h", c.Snooze(r.ctx(), m.ID, clock.Now().Add(time.Hour)), nil)
			clock.Add(time.Hour)
			got := map[string]int{}
			done := make(chan *Claimed, 2)
			for _, who := range []string{"bob", "carol"} {
				go func() {
					res, err := c.WithConsumer(who).Claim(r.ctx())
					if err != nil {
						r.t.Error(err)
					}
					done <- res.Message
				}()
			}
			for range 2 {
				if m := <-done; m != nil {
					got[r.claimed(m)]++
				}
			}
			r.see("bob and carol claim at once: %v", got)
			if len(got) != 1 || got["m2 new delivery 1 (snooze of m1 by alice, 0 before)"] != 1 {
				r.t.Fatalf("claims at the due time got %v, want the snoozed message once", got)
			}
		}},

		contractCase{name: "the retry backoff doubles up to its cap and the max deliveries still count", run: func(r *contractRun) {
			clock := newTestClock()
			c := r.client(Config{Now: clock.Now, RetryBackoff: time.Minute, RetryBackoffMax: 3 * time.Minute, MaxDeliveries: 4})
			r.add(c, 1)
			m := r.claim(c, "claim", "m1 new delivery 1")
			for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
				due, err := c.ReleaseDue(r.ctx(), m.ID)
				r.expect("release", err, nil)
				r.see("released at delivery %d: offered again in %s", m.Deliveries, due.Sub(clock.Now()))
				if due.Sub(clock.Now()) != wait {
					r.t.Fatalf("release at delivery %d waits %s, want %s", m.Deliveries, due.Sub(clock.Now()), wait)
				}
				clock.Add(wait - time.Second)
				r.claimNone(c, "claim a second before it is due")
				clock.Add(time.Second)
				m = r.claim(c, "claim when due", fmt.Sprintf("m%d new delivery %d (retry of m%d after released by alice, %d before)", i+2, i+2, i+1, i+1))
			}
			// Released at its fourth and last delivery, it waits its
			// backoff and is then dead-lettered rather than delivered a
			// fifth time.
			due, err := c.ReleaseDue(r.ctx(), m.ID)
			r.expect("release the last delivery", err, nil)
			clock.Add(due.Sub(clock.Now()))
			res, err := c.Claim(r.ctx())
			r.expect("claim when due", err, nil)
			r.see("dead-lettered %v, then %s", r.ids(res.DeadLettered), r.claimed(res.Message))
			if len(res.DeadLettered) != 1 || res.Message != nil {
				r.t.Fatalf("claim %+v: want m4 dead-lettered", res)
			}
			r.dead(c, "m4 max deliveries exceeded delivery 4 alice")
			r.page(c, StreamQuery{}, "m4 dead-lettered by alice: max deliveries exceeded (retry of m3 after released by alice, 3 before)",
				"m3 returned by alice for 3m after released back as m4 (retry of m2 after released by alice, 2 before)",
				"m2 returned by alice for 2m after released back as m3 (retry of m1 after released by alice, 1 before)",
				"m1 returned by alice for 1m after released back as m2")
		}},

		contractCase{name: "an idempotent add for later", run: func(r *contractRun) {
			clock := newTestClock()
			c := r.client(Config{Now: clock.Now})
			later := clock.Now().Add(10 * time.Minute)
			first, err := c.AddContactLater(r.ctx(), "form-1", "Ada", "ada@example.org", "hello", later)
			r.expect("add for in 10m", err, nil)
			again, err := c.AddContactLater(r.ctx(), "form-1", "Ada", "ada@example.org", "hello", later)
			r.expect("the same key again", err, nil)
			now, err := c.AddContactOnce(r.ctx(), "form-1", "Ada", "ada@example.org", "hello")
			r.expect("the same key, now", err, nil)
			r.see("first %v, again duplicate %v of the same %v, now duplicate %v of the same %v", first.Duplicate,
				again.Duplicate, again.ScheduledID == first.ScheduledID, now.Duplicate, now.ScheduledID == first.ScheduledID)
			if first.Duplicate || !again.Duplicate || !now.Duplicate || again.ScheduledID != first.ScheduledID ||
				now.ScheduledID != first.ScheduledID || !now.NotBefore.Equal(later) {
				r.t.Fatalf("adds %+v %+v %+v: want one message, scheduled, answered thrice", first, again, now)
			}
			clock.Add(10 * time.Minute)
			r.waitCounts(c, "scheduled=0 snoozed=0 waiting=0")
			after, err := c.AddContactLater(r.ctx(), "form-1", "Ada", "ada@example.org", "hello", clock.Now().Add(time.Minute))
			r.expect("the same key once it was added", err, nil)
			r.see("answered with %s, duplicate %v", r.name(after.ID, "m"), after.Duplicate)
			r.page(c, StreamQuery{}, "m1 new")
			if after.ID != r.idOf("m1") || !after.Duplicate || after.ScheduledID != "" {
				r.t.Fatalf("the key after the add: %+v, want m1", after)
			}
		}},

		contractCase{name: "a snooze is not a failed delivery, and replay leaves waiting messages alone", run: func(r *contractRun) {
			clock := newTestClock()
			c := r.client(Config{Now: clock.Now})
			r.add(c, 2)
			r.claim(c.WithConsumer("bob"), "bob claims", "m1 new delivery 1")
			r.age(2 * time.Minute)
			m := r.claim(c, "alice reclaims", "m1 reclaimed from bob delivery 2")
			r.expect("bob snoozes alice's", c.WithConsumer("bob").Snooze(r.ctx(), m.ID, clock.Now().Add(time.Hour)), ErrNotHeld)
			r.expect("alice snoozes it for 1h", c.Snooze(r.ctx(), m.ID, clock.Now().Add(time.Hour)), nil)
			r.expect("alice snoozes it again", c.Snooze(r.ctx(), m.ID, clock.Now().Add(time.Hour)), ErrNotPending)
			r.expect("keep-alive of the snoozed one", c.KeepAlive(r.ctx(), m.ID), ErrNotPending)
			m2 := r.claim(c, "alice claims", "m2 new delivery 1")
			r.expect("snooze until now", c.Snooze(r.ctx(), m2.ID, clock.Now()), ErrConfig)
			r.ack(c, 1, m2.ID)
			r.replayCount(c, "while m1 waits", 1)
			clock.Add(time.Hour)
			back := r.claim(c, "alice claims", "m3 new delivery 2 (snooze of m1 by alice, 1 before)")
			r.replayCount(c, "when it is back", 1)
			r.ack(c, 1, back.ID)
			r.replayCount(c, "once it is acked", 2)
			n, err := c.Replay(r.ctx(), ReplayRange{}, nil)
			r.expect("replay", err, nil)
			r.see("replayed %d: %s to %s", n.Replayed, r.name(n.First, "m"), r.name(n.Last, "m"))
			r.page(c, StreamQuery{}, "m5 new", "m4 new", "m3 acked by alice (snooze of m1 by alice, 1 before)", "m2 acked by alice",
				"m1 returned by alice for 1h back as m3")
			for _, id := range []string{r.name(n.First, "m"), r.name(n.Last, "m")} {
				e, err := c.Get(r.ctx(), r.idOf(id))
				r.expect("read the copy "+id, err, nil)
				if e.Returned() != nil || !e.IsContact() {
					r.t.Fatalf("replay copy %s %+v: want a contact message without the snooze's fields", id, e)
				}
			}
		}},
	)
}

// returned writes what an entry back from a wait says of it, or "".
func (r *contractRun) returned(e Entry) string {
	b := e.Returned()
	if b == nil {
		return ""
	}
	if b.Kind == WaitSnoozed {
		return fmt.Sprintf(" (snooze of %s by %s, %d before)", r.name(b.Of, "m"), b.By, b.Deliveries)
	}
	return fmt.Sprintf(" (retry of %s after %s by %s, %d before)", r.name(b.Of, "m"), b.After, b.By, b.Deliveries)
}

// wait writes a wait (but its kind) as the transcripts show it, times as
// lengths.
func (r *contractRun) wait(w Wait) string {
	var s []string
	if w.By != "" {
		s = append(s, "by", w.By)
	}
	s = append(s, "for", span(w.Until.Sub(w.At)))
	if w.After != "" {
		s = append(s, "after", w.After)
	}
	if w.BackAs != "" {
		s = append(s, "back as", r.name(w.BackAs, "m"))
	}
	return strings.Join(s, " ")
}

// span writes 10m0s as 10m and 1h0m0s as 1h.
func span(d time.Duration) string {
	s := d.String()
	for _, zero := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, zero) {
			s = s[:len(s)-2]
		}
	}
	return s
}

func preview(e Entry) string { return ": " + e.Message() }

// claimNone claims for c and checks nothing came.
func (r *contractRun) claimNone(c *Client, step string) {
	r.t.Helper()
	res, err := c.Claim(r.ctx())
	if err != nil {
		r.t.Fatalf("%s: %v", step, err)
	}
	r.see("%s: %s", step, r.claimed(res.Message))
	if res.Message != nil {
		r.t.Fatalf("%s: got %s, want nothing", step, r.claimed(res.Message))
	}
}

// waitCounts reads Stats (which adds what is due to the stream) and checks
// how many messages wait.
func (r *contractRun) waitCounts(c *Client, want string) {
	r.t.Helper()
	st, err := c.Stats(r.ctx())
	if err != nil {
		r.t.Fatal(err)
	}
	got := fmt.Sprintf("scheduled=%d snoozed=%d waiting=%d", st.Scheduled, st.Snoozed, st.Waiting)
	r.see("waiting: %s", got)
	if got != want {
		r.t.Fatalf("waiting:\n got %s\nwant %s", got, want)
	}
}

// web plays the web example's consumer: XREADGROUP GROUP
// contact-processors consumer-default COUNT 1 STREAMS <stream> > until
// nothing comes, then, with autoclaim, XAUTOCLAIM <stream>
// contact-processors consumer-default 0 0-0 COUNT 100 (min-idle 0, as in
// its tests: whatever the pending list holds). It checks what it got.
func (r *contractRun) web(step string, autoclaim bool, want ...string) {
	r.t.Helper()
	var got []string
	entry := func(id string, fields []valkey.XRangeFieldValue) string {
		e := Entry{ID: id}
		for _, f := range fields {
			e.Fields = append(e.Fields, Field{f.Field, f.Value})
		}
		if b := r.returned(e); b != "" {
			return r.name(id, "m") + b
		}
		return r.name(id, "m") + " " + e.Message()
	}
	for range 20 {
		res := r.vk.Do(r.ctx(), r.vk.B().Arbitrary("XREADGROUP").Args("GROUP", DefaultGroup, webConsumer, "COUNT", "1", "STREAMS", r.stream, ">").Build())
		read, err := res.AsXReadSlices()
		if valkey.IsValkeyNil(err) || (err == nil && len(read[r.stream]) == 0) {
			break
		}
		if err != nil {
			r.t.Fatal(err)
		}
		for _, e := range read[r.stream] {
			got = append(got, entry(e.ID, e.FieldValues))
		}
	}
	if autoclaim {
		arr, err := r.vk.Do(r.ctx(), r.vk.B().Arbitrary("XAUTOCLAIM").Args(r.stream, DefaultGroup, webConsumer, "0", "0-0", "COUNT", "100").Build()).ToArray()
		if err != nil || len(arr) < 2 {
			r.t.Fatalf("XAUTOCLAIM: %v %v", arr, err)
		}
		claimed, err := arr[1].ToArray()
		if err != nil {
			r.t.Fatal(err)
		}
		for _, m := range claimed {
			e, err := m.AsXRangeSlice()
			if err != nil {
				r.t.Fatal(err)
			}
			got = append(got, "autoclaimed "+entry(e.ID, e.FieldValues))
		}
	}
	r.see("%s: %q", step, got)
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(got, want) {
		r.t.Fatalf("%s:\n got %q\nwant %q", step, got, want)
	}
}

// replayCount checks how many entries a replay of the whole stream would
// copy.
func (r *contractRun) replayCount(c *Client, step string, want int64) {
	r.t.Helper()
	plan, err := c.PlanReplay(r.ctx(), ReplayRange{}, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	r.see("replay %s would copy %d", step, plan.Count)
	if plan.Count != want {
		r.t.Fatalf("replay %s would copy %d, want %d", step, plan.Count, want)
	}
}
