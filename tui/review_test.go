package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

const annID = "1795426200000-0"

func annQueue() *fakeQueue {
	return newFakeQueue(contact(annID, "Ann", "ann@example.com", "The form on your site ate my message twice."))
}

func (f *fakeQueue) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeQueue) isPending(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.pending[id]
	return ok
}

func countCalls(q *fakeQueue, prefix string) int {
	n := 0
	for _, c := range q.callList() {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func review(a *App) *ReviewScreen { return a.screens[0].(*ReviewScreen) }

func TestReviewClaimShowsMessage(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "1 new message waiting — press c to claim")
	press(t, a, "c")
	requireContains(t, a, "From      Ann", "ann@example.com", annID, "ate my message twice",
		"delivery 1", "reclaimable in 1:00", "a ack", "r release", "x dead-letter")
	requireLacks(t, a, "RECLAIMED")
	// c while holding does not claim another one.
	press(t, a, "c")
	if n := countCalls(q, "claim"); n != 1 {
		t.Fatalf("%d claims, want 1", n)
	}
	requireContains(t, a, "finish this message first")
}

func TestReviewBusyPreventsDoubleClaim(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	_, first := a.Update(keyMsg("c"))
	_, second := a.Update(keyMsg("c"))
	if second != nil {
		t.Fatal("a second c while claiming returned a command")
	}
	run(t, a, first)
	if n := countCalls(q, "claim"); n != 1 {
		t.Fatalf("%d claims, want 1", n)
	}
}

func TestReviewEmptyQueue(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	requireContains(t, a, "No messages waiting. New ones show up here by themselves.")
	// A new arrival shows up through the header's numbers, without a claim.
	q.AddContact(t.Context(), "Bo", "bo@example.com", "hi")
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "1 new message waiting — press c to claim")
	if n := countCalls(q, "claim"); n != 1 {
		t.Fatalf("the empty screen claimed by itself: %d claims", n)
	}
	if !review(a).Polling() {
		t.Fatal("an empty Review screen does not poll")
	}
}

func TestReviewAck(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "a")
	requireContains(t, a, "acked "+annID, "Nothing claimed")
	requireLacks(t, a, "ate my message")
	if q.isPending(annID) {
		t.Fatal("still pending after ack")
	}
	if n := countCalls(q, "claim"); n != 1 {
		t.Fatalf("ack claimed the next message by itself: %d claims", n)
	}
}

func TestReviewAckNotPending(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	press(t, a, "c")
	a.Update(ReviewAckedMsg{ID: annID, N: 0})
	requireContains(t, a, annID+" was no longer pending, likely reclaimed by someone else")
}

func TestReviewAckFailureKeepsMessage(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	q.setFail(&queue.Error{Op: "ack", Kind: queue.ErrUnreachable})
	press(t, a, "a")
	requireContains(t, a, "ack failed: server unreachable — the message stays here, try again", "ate my message")
	body := strings.Split(screenText(a), "\n")[4] // the line under the badges
	if !strings.HasPrefix(body, "ack failed") {
		t.Fatalf("the error is not one line under the badges: %q", body)
	}
	q.setFail(nil)
	press(t, a, "a")
	requireContains(t, a, "acked "+annID)
}

func TestReviewRelease(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "r")
	requireContains(t, a, "released "+annID)
	requireLacks(t, a, "ate my message")
	if q.isPending(annID) {
		t.Fatal("still pending after release")
	}
}

func TestReviewDeadLetterReason(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "x")
	requireContains(t, a, "dead-letter reason:", "enter dead-letter", "esc cancel")
	if !review(a).Capturing() {
		t.Fatal("the reason prompt does not capture keys")
	}
	// An empty reason is refused inline.
	press(t, a, " ", "enter")
	requireContains(t, a, "a reason is required (esc cancels)")
	// esc cancels; the message stays.
	press(t, a, "esc")
	requireLacks(t, a, "dead-letter reason:")
	requireContains(t, a, "ate my message")
	if n := countCalls(q, "reject"); n != 0 {
		t.Fatalf("%d rejects after cancel", n)
	}
	// q and 1 are text while the prompt is open.
	press(t, a, "x")
	typeText(t, a, "spam q1")
	if a.active != 0 {
		t.Fatal("a digit typed in the reason switched screens")
	}
	press(t, a, "enter")
	requireContains(t, a, "moved "+annID+" to dead letters as 1795000000000-0")
	if n := countCalls(q, "reject "+annID+" spam q1"); n != 1 {
		t.Fatalf("calls %v", q.callList())
	}
}

func TestReviewReclaimedBadge(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	q.nextClaim = reclaimedFromBob()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	requireContains(t, a, "RECLAIMED", "idle 3m12s from bob", "delivery 2", "reclaimable in 1:00")
	requireContains(t, a, "2 messages had been deleted while pending; recorded in dead letters")
}

func reclaimedFromBob() *queue.ClaimResult {
	return &queue.ClaimResult{
		Message: &queue.Claimed{
			Entry: contact(annID, "Ann", "ann@example.com",
				"Hello,\n\nI sent a message through your contact form on Monday and never heard back. "+
					"Could someone look at order 1042? The parcel tracking has not changed in a week."),
			Reclaimed: true, Deliveries: 2, PreviousConsumer: "bob", Idle: 3*time.Minute + 12*time.Second,
		},
		Dropped: []string{"1795426100000-0", "1795426100000-1"},
	}
}

func TestReviewCountdown(t *testing.T) {
	t.Parallel()
	now := fixedNow
	d := testDeps(annQueue())
	d.Now = func() time.Time { return now }
	a := newTestApp(t, d)
	press(t, a, "c")
	now = now.Add(13 * time.Second)
	requireContains(t, a, "reclaimable in 0:47")
	// A keep-alive resets it; one of an earlier hold is ignored.
	s := review(a)
	a.Update(KeptAliveMsg{ID: annID, Gen: s.gen - 1})
	requireContains(t, a, "reclaimable in 0:47")
	a.Update(KeptAliveMsg{ID: annID, Gen: s.gen})
	requireContains(t, a, "reclaimable in 1:00")
	now = now.Add(2 * time.Minute)
	requireContains(t, a, "reclaimable now")
}

func TestReviewKeepAlive(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	s := review(a)
	_, cmd := a.Update(keepAliveTickMsg{ID: annID, Gen: s.gen})
	run(t, a, cmd)
	if n := countCalls(q, "keepalive "+annID); n != 1 {
		t.Fatalf("%d keep-alives", n)
	}
	// A stale tick does nothing.
	_, cmd = a.Update(keepAliveTickMsg{ID: annID, Gen: s.gen + 7})
	run(t, a, cmd)
	if n := countCalls(q, "keepalive"); n != 1 {
		t.Fatalf("a stale tick sent a keep-alive")
	}

	// The server is gone: the message stays, and says so.
	q.setFail(&queue.Error{Op: "keep alive", Kind: queue.ErrUnreachable})
	_, cmd = a.Update(keepAliveTickMsg{ID: annID, Gen: s.gen})
	run(t, a, cmd)
	requireContains(t, a, "keep-alive failed: server unreachable — the message stays here; ack it once the server is back", "ate my message")
	q.setFail(nil)
	a.Update(KeptAliveMsg{ID: annID, Gen: s.gen})
	requireLacks(t, a, "keep-alive failed")

	// Someone else reclaimed it.
	q.setFail(&queue.Error{Op: "keep alive", Kind: queue.ErrNotHeld, Cause: &queue.HeldError{Owner: "bob"}})
	_, cmd = a.Update(keepAliveTickMsg{ID: annID, Gen: s.gen})
	run(t, a, cmd)
	requireContains(t, a, "another reviewer (bob) took this message")
	requireLacks(t, a, "ate my message")
}

func TestReviewScrolls(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("line\n", 60) + "the end"
	q := newFakeQueue(contact(annID, "Ann", "ann@example.com", long))
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	requireLacks(t, a, "the end")
	press(t, a, "G")
	requireContains(t, a, "the end")
	requireLacks(t, a, "From      Ann")
	press(t, a, "g")
	requireContains(t, a, "From      Ann")
	press(t, a, "down")
	requireLacks(t, a, "From      Ann")
}

func TestReviewSanitisesContent(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	q.nextClaim = &queue.ClaimResult{Message: &queue.Claimed{
		Entry:     contact(annID, "Evil\x1b]0;pwned\x07", "e@x.io", "hi\x1b[2J\x1b[31mred\u202e"),
		Reclaimed: true, PreviousConsumer: "mal\x1b[1mlory", Deliveries: 2,
	}}
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	v := a.View().Content
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u202e", "\x1b[1mlory"} {
		if strings.Contains(v, bad) {
			t.Fatalf("view contains %q", bad)
		}
	}
	requireContains(t, a, "from mallory")
}

func TestReviewReadOnlyKeysDoNothing(t *testing.T) {
	t.Parallel()
	q := annQueue()
	d := testDeps(q)
	d.ReadOnly = true
	a := newTestApp(t, d)
	press(t, a, "c", "a", "r", "x")
	if n := countCalls(q, "claim") + countCalls(q, "ack") + countCalls(q, "release") + countCalls(q, "reject"); n != 0 {
		t.Fatalf("%d actions in a read-only session", n)
	}
	if review(a).Capturing() {
		t.Fatal("x opened the reason prompt in a read-only session")
	}
}

func TestGoldenReviewEmpty(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), 100, 30)
	waitShown(t, tm, o, 3*time.Second, "● connected", "Nothing claimed")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "No messages waiting")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReclaimed(t *testing.T) {
	t.Parallel()
	r := reclaimedFromBob()
	q := newFakeQueue(r.Message.Entry)
	q.nextClaim = r
	tm, o := startProgram(t, testDeps(q), 100, 30)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "RECLAIMED", "pending 1", "2 messages had been deleted")
	requireGoldenView(t, tm)
}

// A message claimed on the Pending screen lands on Review to be read and
// acked there; one held before is handed back, not left to go idle.
func TestReviewAdoptsMessageClaimedOnPending(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	other := contact("1795426100000-0", "Bo", "bo@example.org", "picked on the pending screen")
	q.mu.Lock()
	q.entries = append(q.entries, other)
	q.pending[other.ID] = queue.PendingEntry{ID: other.ID, Consumer: "alice", Deliveries: 2}
	q.mu.Unlock()
	_, cmd := a.Update(ClaimedElsewhereMsg{Message: &queue.Claimed{Entry: other, Deliveries: 2, PreviousConsumer: "bob", Reclaimed: true}})
	run(t, a, cmd)
	requireContains(t, a, "picked on the pending screen", "RECLAIMED", "bob")
	if q.isPending(annID) {
		t.Fatal("the message held before was not handed back")
	}
	press(t, a, "a")
	requireContains(t, a, "acked "+other.ID)
}
