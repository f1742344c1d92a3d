package sshd

import (
	"context"
	"testing"
)

// The counting queue counts what a call did on the real server, and only
// what succeeded: an empty claim, an ack of an entry no longer pending and
// a failed call count nothing.
func TestTheDeskCountsWhatSucceeded(t *testing.T) {
	ctx := context.Background()
	c := queueClient(t, "alice")
	var n deskCounts
	q := countingQueue{c, &n}
	want := Counts{}
	check := func(step string) {
		t.Helper()
		if got := n.load(); got != want {
			t.Fatalf("after %s: counted %+v, want %+v", step, got, want)
		}
	}

	if res, err := q.Claim(ctx); err != nil || res.Message != nil {
		t.Fatalf("a claim of an empty queue: %+v %v", res, err)
	}
	check("a claim of an empty queue")

	var ids []string
	for _, w := range []string{"one", "two", "three", "four"} {
		a, err := c.AddContact(ctx, "Ada", "ada@example.org", w)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if _, err := q.Claim(ctx); err != nil {
		t.Fatal(err)
	}
	want.Claims++
	check("a claim")
	if acked, res, err := q.AckAndClaim(ctx, ids[0]); err != nil || acked != 1 || res.Message == nil || res.Message.ID != ids[1] {
		t.Fatalf("ack and claim: %d %+v %v", acked, res, err)
	}
	want.Acks++
	want.Claims++
	check("an ack and claim")
	if _, err := q.ReleaseDue(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	want.Releases++
	check("a release")
	if res, err := q.Claim(ctx); err != nil || res.Message == nil || !res.Message.Released {
		t.Fatalf("the claim after a release: %+v %v", res, err)
	}
	want.Claims++
	check("the claim of a released message")
	if _, err := q.Reject(ctx, ids[1], "spam"); err != nil {
		t.Fatal(err)
	}
	want.DeadLetters++
	check("a dead-letter")
	if _, err := q.Reject(ctx, ids[1], "spam"); err == nil {
		t.Fatal("dead-lettered the same message twice")
	}
	check("a dead-letter of a message no longer pending")
	if _, err := q.Claim(ctx); err != nil {
		t.Fatal(err)
	}
	want.Claims++
	if acked, err := q.Ack(ctx, ids[2]); err != nil || acked != 1 {
		t.Fatalf("ack: %d %v", acked, err)
	}
	want.Acks++
	check("a claim and an ack")
	if acked, err := q.Ack(ctx, ids[2]); err != nil || acked != 0 {
		t.Fatalf("the same ack again: %d %v", acked, err)
	}
	if _, err := q.Ack(ctx, "not-an-id"); err == nil {
		t.Fatal("acked a bad ID")
	}
	check("acks that acked nothing")

	// A claim from Pending of a message bob released.
	bob := c.WithConsumer("bob")
	if res, err := bob.Claim(ctx); err != nil || res.Message == nil || res.Message.ID != ids[3] {
		t.Fatalf("bob's claim: %+v %v", res, err)
	}
	if err := bob.Release(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	check("bob's claim and release, not the desk's")
	if _, err := q.ClaimID(ctx, ids[3], false); err != nil {
		t.Fatal(err)
	}
	want.Claims++
	check("a claim from Pending")
	if _, err := q.ClaimID(ctx, ids[0], false); err == nil {
		t.Fatal("claimed an acked message")
	}
	// The ack of A whose claim finds the queue empty counts the ack alone.
	if acked, res, err := q.AckAndClaim(ctx, ids[3]); err != nil || acked != 1 || res.Message != nil {
		t.Fatalf("ack and claim of the last: %d %+v %v", acked, res, err)
	}
	want.Acks++
	check("an ack and claim of an empty queue")
}

// Through SSH: what a reviewer does on the console is what the desk
// counts, since every session's console works on the counting queue.
func TestTheDeskCountsWhatItsSessionsDid(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"))
	d.add(t, "first-word", "second-word")

	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("q quit")
	tm.press("c")
	tm.waitFor("first-word")
	tm.press("A") // ack first, claim second
	tm.waitFor("second-word")
	tm.press("r")
	tm.waitFor("released")
	tm.press("c")
	tm.waitFor("RELEASED")
	tm.press("x")
	tm.waitFor("spam") // the preset reasons
	tm.press("\r")
	tm.waitFor("moved")
	tm.press("c") // nothing left: "No messages waiting. New ones show up here by themselves."
	tm.waitFor("themselves")

	want := Counts{Claims: 3, Acks: 1, Releases: 1, DeadLetters: 1}
	eventually(t, "the desk's counts", func() bool { return d.srv.Counts() == want })
	if got := d.srv.Counts(); got != want {
		t.Fatalf("counted %+v, want %+v", got, want)
	}
}
