package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

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

// isReleased reports whether id was handed back and waits for the next
// claim.
func (f *fakeQueue) isReleased(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.released[id]
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

func review(a *App) *ReviewScreen { return screenOf[*ReviewScreen](a, reviewID) }

// toReview hands msg to the Review screen as a reply to it, and runs what
// it returns.
func toReview(t testing.TB, a *App, msg tea.Msg) {
	t.Helper()
	_, cmd := a.Update(ScreenMsg{ID: reviewID, Msg: msg})
	run(t, a, cmd)
}

// statusLine is the line under the body, where notes go.
func statusLine(a *App) string {
	lines := strings.Split(screenText(a), "\n")
	return lines[len(lines)-2]
}

func TestReviewClaimShowsMessage(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "1 new message waiting — press c to claim")
	press(t, a, "c")
	requireContains(t, a, "From      Ann", "ann@example.com", annID, "ate my message twice",
		"Sent      2026-11-23 09:00:00 UTC", "delivery 1", "reclaimable in 1:00", "a ack", "A ack + claim next",
		"r release", "x dead-letter", "? help", "q quit")
	requireLacks(t, a, "RECLAIMED")
	// c while holding does not claim another one.
	press(t, a, "c")
	if n := countCalls(q, "claim"); n != 1 {
		t.Fatalf("%d claims, want 1", n)
	}
	requireContains(t, a, "finish Ann's message first")
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
	requireContains(t, a, "acked Ann's message", "Nothing claimed")
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
	toReview(t, a, AckedMsg{ID: annID, N: 0})
	requireContains(t, a, "Ann's message was already taken over or acked elsewhere: nothing acked")
}

func TestReviewAckFailureKeepsMessage(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	q.setFail(&queue.Error{Op: "ack", Kind: queue.ErrUnreachable})
	press(t, a, "a")
	requireContains(t, a, "ate my message")
	if got := statusLine(a); got != "acking Ann's message failed: server unreachable — it stays here, try again" {
		t.Fatalf("status line %q", got)
	}
	q.setFail(nil)
	press(t, a, "a")
	requireContains(t, a, "acked Ann's message")
}

func TestReviewRelease(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "r")
	requireContains(t, a, "released Ann's message: back in the queue for the next claim")
	requireLacks(t, a, "ate my message")
	if !q.isReleased(annID) {
		t.Fatal("not handed back after release")
	}
}

// x offers preset reasons, picked with ←/→ or a number; typing starts a
// reason of one's own; esc backs out, and only a reason dead-letters.
func TestReviewDeadLetterReason(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "x")
	requireContains(t, a, "dead-letter reason:", "[1 spam]", "2 abuse", "3 duplicate", "4 other…", "or type one",
		"←/→ choose", "enter dead-letter", "esc cancel", "ctrl+c quit")
	if review(a).Mode() == ModeNormal {
		t.Fatal("the reason prompt does not capture keys")
	}
	// esc cancels; the message stays.
	press(t, a, "esc")
	requireLacks(t, a, "dead-letter reason:")
	requireContains(t, a, "ate my message")
	// other… asks for text; an empty one is refused inline.
	press(t, a, "x", "4", "enter")
	requireContains(t, a, "type a reason, or esc to cancel")
	press(t, a, "esc")
	if n := countCalls(q, "reject"); n != 0 {
		t.Fatalf("%d rejects after cancel", n)
	}
	// Typing starts a reason of one's own: q and 1 are text then.
	press(t, a, "x")
	typeText(t, a, "spam q1")
	if a.active != 0 {
		t.Fatal("a digit typed in the reason switched screens")
	}
	press(t, a, "enter")
	requireContains(t, a, "moved Ann's message to dead letters as 1795000000000-0")
	if n := countCalls(q, "reject "+annID+" spam q1"); n != 1 {
		t.Fatalf("calls %v", q.callList())
	}
}

func TestReviewDeadLetterPreset(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "x", "right", "right")
	requireContains(t, a, "[3 duplicate]")
	press(t, a, "enter")
	if n := countCalls(q, "reject "+annID+" duplicate"); n != 1 {
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
	requireLacks(t, a, "lines 1–") // it fits: no position, no scroll keys
	if help := hints(review(a)); strings.Contains(help, "scroll") {
		t.Fatalf("a short message's help offers scrolling: %s", help)
	}
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
	toReview(t, a, KeptAliveMsg{ID: annID, Gen: s.gen - 1})
	requireContains(t, a, "reclaimable in 0:47")
	toReview(t, a, KeptAliveMsg{ID: annID, Gen: s.gen})
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
	toReview(t, a, keepAliveTickMsg{ID: annID, Gen: s.gen})
	if n := countCalls(q, "keepalive "+annID); n != 1 {
		t.Fatalf("%d keep-alives", n)
	}
	// A stale tick does nothing.
	toReview(t, a, keepAliveTickMsg{ID: annID, Gen: s.gen + 7})
	if n := countCalls(q, "keepalive"); n != 1 {
		t.Fatalf("a stale tick sent a keep-alive")
	}

	// The server is gone: the message stays, and says so until it is back.
	q.setFail(&queue.Error{Op: "keep alive", Kind: queue.ErrUnreachable})
	toReview(t, a, keepAliveTickMsg{ID: annID, Gen: s.gen})
	requireContains(t, a, "keep-alive of Ann's message failed: server unreachable", "ate my message")
	q.setFail(nil)
	toReview(t, a, KeptAliveMsg{ID: annID, Gen: s.gen})
	requireLacks(t, a, "keep-alive of")

	// Someone else reclaimed it: the note names the message, and, being
	// news rather than a lasting condition, fades like any other.
	q.setFail(&queue.Error{Op: "keep alive", Kind: queue.ErrNotHeld, Cause: &queue.HeldError{Owner: "bob"}})
	toReview(t, a, keepAliveTickMsg{ID: annID, Gen: s.gen})
	requireContains(t, a, "bob took Ann's message: it is no longer yours, nothing was acked")
	requireLacks(t, a, "ate my message")
	a.Update(statusFadeMsg{screen: reviewID, gen: a.c.notes[reviewID].gen})
	requireLacks(t, a, "bob took Ann's message")
}

func TestReviewScrolls(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("line\n", 60) + "the end"
	q := newFakeQueue(contact(annID, "Ann", "ann@example.com", long))
	a := newTestApp(t, testDeps(q))
	press(t, a, "c")
	requireLacks(t, a, "the end")
	requireContains(t, a, "lines 1–23 of 66")
	if help := hints(review(a)); !strings.Contains(help, "↑/↓ scroll") {
		t.Fatalf("a long message's help lacks scrolling: %s", help)
	}
	press(t, a, "G")
	requireContains(t, a, "the end", "lines 44–66 of 66")
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
	if review(a).Mode() != ModeNormal {
		t.Fatal("x opened the reason prompt in a read-only session")
	}
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
	press(t, a, keyOf(a, pendingID))
	_, cmd := a.Update(ScreenMsg{ID: pendingID, Msg: HandOverMsg{Message: &queue.Claimed{Entry: other, Deliveries: 2, PreviousConsumer: "bob", Reclaimed: true}}})
	run(t, a, cmd)
	if activeOf(a) != reviewID {
		t.Fatalf("the hand-over did not bring Review to the front: %s", activeOf(a))
	}
	requireContains(t, a, "picked on the pending screen", "RECLAIMED", "bob",
		"handed Ann's message back to the queue to review Bo's message")
	if !q.isReleased(annID) {
		t.Fatal("the message held before was not handed back")
	}
	press(t, a, "a")
	requireContains(t, a, "acked Bo's message")
}

// A acks and claims the next in one go, and says both.
func TestReviewAckAndClaimNext(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact(annID, "Ann", "ann@example.com", "first"), contact("1795426200001-0", "Bo", "bo@example.com", "second"))
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "A")
	requireContains(t, a, "From      Bo", "second", "acked Ann's message; next: Bo's message")
	if q.isPending(annID) || !q.isPending("1795426200001-0") {
		t.Fatalf("calls %v", q.callList())
	}
	if n := countCalls(q, "ack"); n != 1 {
		t.Fatalf("%d acks", n)
	}
	press(t, a, "A")
	requireContains(t, a, "acked Bo's message; no more messages waiting", "No messages waiting")
}

// Keys for a held message, with none held, say so instead of nothing.
func TestReviewNothingHeldSaysSo(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"a", "A", "r", "x", "y"} {
		q := annQueue()
		a := newTestApp(t, testDeps(q))
		press(t, a, k)
		if got := statusLine(a); got != "no message held: press c to claim one first" {
			t.Fatalf("%s with nothing held: status %q", k, got)
		}
		if review(a).Mode() != ModeNormal || len(q.callList()) != countCalls(q, "stats")+countCalls(q, "pending")+countCalls(q, "stream")+countCalls(q, "deadpage") {
			t.Fatalf("%s with nothing held acted: %v", k, q.callList())
		}
	}
}

// y puts the sender's address on the terminal's clipboard (OSC 52, which
// travels over SSH too).
func TestReviewCopyEmail(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	press(t, a, "c")
	_, cmd := a.Update(keyMsg("y"))
	got := collect(t, cmd)
	found := false
	for _, m := range got {
		if fmt.Sprintf("%T", m) == "tea.setClipboardMsg" && fmt.Sprint(m) == "ann@example.com" {
			found = true
		}
	}
	if !found {
		t.Fatalf("y gave %#v", got)
	}
	requireContains(t, a, "copied ann@example.com (from Ann's message) to the clipboard")
}

// The wheel scrolls a long message.
func TestReviewWheelScrolls(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("line\n", 60) + "the end"
	a := newTestApp(t, testDeps(newFakeQueue(contact(annID, "Ann", "ann@example.com", long))))
	press(t, a, "c")
	for range 20 {
		a.Update(tea.MouseWheelMsg{X: 5, Y: 10, Button: tea.MouseWheelDown})
	}
	requireContains(t, a, "the end")
	requireLacks(t, a, "From      Ann")
}

// A claim still on its way when a message claimed on Pending is taken
// over comes too late: its message goes back to the queue, the adopted
// one stays, and nothing is held twice or left to go idle. So does the
// next message of an ack-and-claim.
func TestReviewClaimAfterAdoptHandsItsMessageBack(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"c", "A"} {
		q := newFakeQueue(contact(annID, "Ann", "ann@example.com", "first"), contact("1795426200001-0", "Bo", "bo@example.com", "second"))
		a := newTestApp(t, testDeps(q))
		if k == "A" {
			press(t, a, "c") // holds Ann's; A acks it and claims Bo's
		}
		_, late := a.Update(keyPress(k)) // not run yet: on its way
		picked := contact("1795426100000-0", "Cy", "cy@example.com", "picked on the pending screen")
		q.mu.Lock()
		q.entries = append(q.entries, picked)
		q.pending[picked.ID] = queue.PendingEntry{ID: picked.ID, Consumer: "alice", Deliveries: 1}
		q.mu.Unlock()
		_, cmd := a.Update(ScreenMsg{ID: pendingID, Msg: HandOverMsg{Message: &queue.Claimed{Entry: picked, Deliveries: 1}}})
		run(t, a, cmd)
		run(t, a, late)
		if held := review(a).Held(); held == nil || held.ID != picked.ID {
			t.Fatalf("%s: holds %v, want the message taken over", k, held)
		}
		lateID := annID
		if k == "A" {
			lateID = "1795426200001-0"
		}
		if !q.isReleased(lateID) {
			t.Fatalf("%s: the late claim's message %s was not handed back", k, lateID)
		}
		requireContains(t, a, "picked on the pending screen")
		requireLacks(t, a, "ate my message", "second")
	}
}

// After a release, the waiting line counts the released message too: the
// next claim gets it first, though the group's lag does not count it.
func TestReviewWaitingCountsWhatWasReleased(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact(annID, "Ann", "ann@example.com", "first"), contact("1795426200001-0", "Bo", "bo@example.com", "second"))
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "2 new messages waiting — press c to claim")
	press(t, a, "c", "r")
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "2 messages waiting (1 new, 1 you released) — press c to claim")
	press(t, a, "c") // the released one comes first
	requireContains(t, a, "RELEASED", "first")
	press(t, a, "a")
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "1 new message waiting — press c to claim")
}

// The server itself lost the held message (it restarted empty or was
// flushed): whichever action meets it says so by sender and ID, blames no
// reviewer, and c claims again at once.
func TestReviewServerLostTheHeldMessage(t *testing.T) {
	t.Parallel()
	lost := &queue.Error{Op: "x", Kind: queue.ErrLost}
	for _, key := range []string{"a", "r", "A"} {
		q := newFakeQueue(contact(annID, "Ann", "ann@example.com", "first"), contact("1795426200001-0", "Bo", "bo@example.com", "second"))
		a := newTestApp(t, testDeps(q))
		press(t, a, "c")
		q.setFail(lost)
		press(t, a, key)
		requireContains(t, a, "the server lost Ann's message ("+annID+"): it restarted empty or was flushed")
		requireLacks(t, a, "another reviewer", "took", "first")
		q.setFail(nil)
		press(t, a, "c")
		requireContains(t, a, "second")
	}

	// A and the group found missing: nothing was acked, and the next
	// message is held.
	a := newTestApp(t, testDeps(annQueue()))
	press(t, a, "c")
	next := &queue.Claimed{Entry: contact("1795426200001-0", "Bo", "bo@example.com", "second"), Deliveries: 1}
	toReview(t, a, AckClaimedMsg{Seq: review(a).claimSeq, ID: annID, N: 0, Result: queue.ClaimResult{Message: next, GroupRecreated: true}})
	requireContains(t, a, "the server lost Ann's message ("+annID+")", "second")

	// The header's numbers found the group recreated: a keep-alive checks
	// the held message at once.
	q := annQueue()
	a = newTestApp(t, testDeps(q))
	press(t, a, "c")
	before := countCalls(q, "keepalive")
	_, cmd := a.Update(StatsLoadedMsg{Stats: queue.Stats{GroupRecreated: true}})
	run(t, a, cmd)
	if countCalls(q, "keepalive") != before+1 {
		t.Fatalf("no keep-alive after the group was recreated: %v", q.callList())
	}
}

// A message someone handed back comes to the next claimer as RELEASED, by
// whom and when, with the queue's delivery count: never RECLAIMED, no
// idle time.
func TestReviewReleasedBadge(t *testing.T) {
	t.Parallel()
	now := fixedNow
	d := testDeps(annQueue())
	d.Now = func() time.Time { return now }
	q := d.Queue.(*fakeQueue)
	a := newTestApp(t, d)
	press(t, a, "c", "r")
	now = now.Add(12 * time.Second)
	press(t, a, "c")
	requireContains(t, a, "RELEASED", "by alice · 12s ago", "delivery 1", "ate my message")
	requireLacks(t, a, "RECLAIMED", "idle")
	if n := countCalls(q, "claim"); n != 2 {
		t.Fatalf("%d claims", n)
	}

	r := releasedByZed()
	q.mu.Lock()
	q.nextClaim = r
	q.mu.Unlock()
	press(t, a, "a", "c")
	requireContains(t, a, "RELEASED", "by zed · 24s ago", "delivery 2", "billing question") // 12s before fixedNow
	requireLacks(t, a, "RECLAIMED", "idle")
}

// A replayed message says what it is a replay of, also while the reason
// prompt is not asked.
func TestReviewReplayBadge(t *testing.T) {
	t.Parallel()
	e := contact("1795426400000-0", "Ann", "ann@example.com", "ate my message")
	e.Fields = append(e.Fields, queue.Field{Name: queue.FieldReplayOf, Value: annID})
	a := newTestApp(t, testDeps(newFakeQueue(e)))
	press(t, a, "c")
	requireContains(t, a, "REPLAY of "+annID, "delivery 1")
	press(t, a, "x")
	requireContains(t, a, "dead-letter reason:")
	press(t, a, "esc")
	requireContains(t, a, "REPLAY of "+annID)
	press(t, a, "a", "c")
	requireLacks(t, a, "REPLAY")
}

// At 60 columns a reclaimed message's badges give way before the
// delivery count and the countdown, which always show whole.
func TestReviewBadgesAt60KeepTheCountdown(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	q.nextClaim = &queue.ClaimResult{Message: &queue.Claimed{
		Entry:     contact(annID, "Ann", "ann@example.com", "ate my message"),
		Reclaimed: true, Idle: 76 * time.Second, PreviousConsumer: "bob@desk-7.example", Deliveries: 2,
	}}
	a := newTestApp(t, testDeps(q))
	a.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	press(t, a, "c")
	requireContains(t, a, "RECLAIMED  idle 1m16s", "delivery 2", "reclaimable in 1:00")
}
