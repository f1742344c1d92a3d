package tui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// Golden files of every screen at 80×24, the size a reviewer meets over
// SSH, colourless (refresh with go test ./tui -update and read the diff).

const goldenW, goldenH = 80, 24

// goldenQueue has something for every screen: eight entries in the stream
// (acked by another program, dead-lettered by bob, acked by alice, bob's
// released, alice's pending, three new, the newest a replay of alice's
// ack), the two dead letters of deadQueue.
func goldenQueue() *fakeQueue {
	f := streamQueue(8)
	f.dead = deadQueue().dead
	f.outcomes[sid(1)] = &queue.Outcome{By: "bob", At: fixedNow.Add(-20 * time.Minute), Held: 40 * time.Second, Reason: "spam"}
	f.outcomes[sid(2)] = &queue.Outcome{By: "alice", At: fixedNow.Add(-4 * time.Minute), Held: 2*time.Minute + 10*time.Second}
	f.released[sid(3)] = queue.Release{By: "bob", At: fixedNow.Add(-12 * time.Second)}
	f.entries[7].Fields = append(f.entries[7].Fields, queue.Field{Name: queue.FieldReplayOf, Value: sid(2)})
	return f
}

func TestGoldenReviewEmpty(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), goldenW, goldenH)
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
	tm, o := startProgram(t, testDeps(q), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "RECLAIMED", "pending 1", "2 messages had been deleted")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReason(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(annQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "reclaimable in", "pending 1") // the header's numbers after the claim too
	sendKeys(tm, "x")
	waitShown(t, tm, o, 3*time.Second, "dead-letter reason:")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReadOnly(t *testing.T) {
	t.Parallel()
	d := testDeps(annQueue())
	d.ReadOnly = true
	tm, o := startProgram(t, d, goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "READ-ONLY")
	requireGoldenView(t, tm)
}

func TestGoldenComposeValidation(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "n")
	waitShown(t, tm, o, 3*time.Second, "New contact message")
	tm.Type("Ann")
	sendKeys(tm, "tab")
	tm.Type("ann@example")
	sendKeys(tm, "tab", "ctrl+s")
	waitShown(t, tm, o, 3*time.Second, "not added", "✗ not a valid address", "✗ required")
	requireGoldenView(t, tm)
}

func TestGoldenPending(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(pendingQueue(4)), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, pendingID))
	waitShown(t, tm, o, 3*time.Second, "carol", "3 pending")
	sendKeys(tm, "j")
	waitShown(t, tm, o, 3*time.Second, "> 1795424400000-1")
	requireGoldenView(t, tm)
}

func TestGoldenStream(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, streamID))
	waitShown(t, tm, o, 3*time.Second, "pending · alice")
	sendKeys(tm, "j")
	waitShown(t, tm, o, 3*time.Second, "> "+sid(6))
	requireGoldenView(t, tm)
}

// An entry full of escape sequences, a bidi override and wide characters
// opens neutralised, and marked.
func TestGoldenStreamOpenHostile(t *testing.T) {
	t.Parallel()
	f := streamQueue(3)
	f.entries = append(f.entries, contact("1795424460000-0", "Mallory\x1b[2J\x1b]0;pwned\x07 \u202eyrollaM", "m@evil.example\u202e", hostileMessage))
	tm, o := startProgram(t, testDeps(f), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, streamID))
	waitShown(t, tm, o, 3*time.Second, "> 1795424460000-0")
	sendKeys(tm, "enter")
	waitShown(t, tm, o, 3*time.Second, "Entry 1795424460000-0")
	requireGoldenView(t, tm)
}

func TestGoldenDeadLetters(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, deadID))
	waitShown(t, tm, o, 3*time.Second, "> 1795424560000-0")
	sendKeys(tm, "d")
	waitShown(t, tm, o, 3*time.Second, "for good? y/n")
	requireGoldenView(t, tm)
}

func TestGoldenDeadLetterOpen(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, deadID))
	waitShown(t, tm, o, 3*time.Second, "> 1795424560000-0")
	sendKeys(tm, "j", "enter")
	waitShown(t, tm, o, 3*time.Second, "Dead letter 1795424500000-0")
	requireGoldenView(t, tm)
}

func TestGoldenFullHelp(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(annQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "reclaimable in", "pending 1")
	sendKeys(tm, "?")
	waitShown(t, tm, o, 3*time.Second, "shift+tab prev screen")
	requireGoldenView(t, tm)
}

func TestGoldenTooSmall(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), 50, 12)
	waitShown(t, tm, o, 3*time.Second, "This window is 50×12", "60×16")
	requireGoldenView(t, tm)
}

// The dark and light themes' own colours, as the escape sequences they
// render to. Colour-stripped goldens cannot tell the themes apart; this
// can.
var (
	darkOnly  = []string{"E6EDF3", "8B949E", "BC8CFF", "3FB950", "F85149", "D29922", "58A6FF", "21262D", "0D1117"}
	lightOnly = []string{"1F2328", "6E7781", "6F42C1", "EAEEF2"}
)

func sgr(hex string) string {
	var r, g, b int
	fmt.Sscanf(hex, "%02X%02X%02X", &r, &g, &b)
	return fmt.Sprintf("2;%d;%d;%d", r, g, b)
}

// After the terminal says its background is light, every screen draws in
// the light theme, in every state: lists and opened entries too, which
// once kept the theme they were built with.
func TestLightThemeOnEveryScreen(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		light := tea.BackgroundColorMsg{Color: color.White}
		if light.IsDark() {
			t.Fatal("white reads as dark")
		}
		f := goldenQueue()
		f.activity = activityHour() // sparklines in the three states' colours
		f.entries = append(f.entries, contact("1795424460000-0", "Mallory", "m@evil.example", "hi\x1b[31m there"))
		f.pending["1795424460000-0"] = queue.PendingEntry{ID: "1795424460000-0", Consumer: "bob", Idle: time.Minute, Deliveries: 1}
		a := testApp(testDeps(f))
		a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		run(t, a, a.Init())
		// Visit every list first, in the dark, so each has built its rows.
		for _, e := range a.entries {
			press(t, a, keyOf(a, e.ID))
			if e.ID == composeID {
				press(t, a, "esc") // the form takes keys as text
			}
		}
		press(t, a, keyOf(a, reviewID), "c") // hold a message: the Review screen renders it
		a.Update(light)

		check := func(what string) {
			t.Helper()
			v := a.View().Content
			for _, hex := range darkOnly {
				if strings.Contains(v, sgr(hex)) {
					t.Fatalf("%s: the dark theme's #%s is still on screen", what, hex)
				}
			}
			found := false
			for _, hex := range lightOnly {
				found = found || strings.Contains(v, sgr(hex))
			}
			if !found {
				t.Fatalf("%s: none of the light theme's colours on screen", what)
			}
		}
		check("Review holding a message")
		for i, e := range a.entries { // every screen of the list
			s := a.screens[i]
			press(t, a, keyOf(a, e.ID))
			check(s.Title())
			if _, browsing := s.(interface{ capturing() bool }); browsing {
				press(t, a, "enter")
				check(s.Title() + ", an entry open")
				press(t, a, "esc")
			}
			if s.Mode() != ModeNormal {
				press(t, a, "esc") // the form takes keys as text
			}
		}
		// And back to dark: nothing keeps the light theme either.
		a.Update(tea.BackgroundColorMsg{Color: color.Black})
		press(t, a, keyOf(a, streamID), "enter")
		v := a.View().Content
		for _, hex := range lightOnly {
			if strings.Contains(v, sgr(hex)) {
				t.Fatalf("back in the dark, the light theme's #%s is still on screen", hex)
			}
		}
	})
}

// An opened entry says what became of it: who dead-lettered it, why,
// when, how long after it arrived, how long it was held.
func TestGoldenStreamOpenOutcome(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, streamID))
	waitShown(t, tm, o, 3*time.Second, "dead-lettered · spam · bob")
	sendKeys(tm, "j", "j", "j", "j", "j", "j")
	waitShown(t, tm, o, 3*time.Second, "> "+sid(1))
	sendKeys(tm, "enter")
	waitShown(t, tm, o, 3*time.Second, "Entry "+sid(1), "Reason")
	requireGoldenView(t, tm)
}

// releasedByZed is a message zed handed back 12 seconds ago, on its second
// delivery: the next claim gets it first.
func releasedByZed() *queue.ClaimResult {
	return &queue.ClaimResult{Message: &queue.Claimed{
		Entry:    contact(annID, "Ann", "ann@example.com", "Zed started on this one, then handed it back: billing question."),
		Released: true, ReleasedBy: "zed", ReleasedAt: fixedNow.Add(-12 * time.Second),
		Deliveries: 2, PreviousConsumer: "zed",
	}}
}

func TestGoldenReviewReleased(t *testing.T) {
	t.Parallel()
	r := releasedByZed()
	q := newFakeQueue(r.Message.Entry)
	q.nextClaim = r
	tm, o := startProgram(t, testDeps(q), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "RELEASED", "by zed · 12s ago", "delivery 2", "pending 1")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReplay(t *testing.T) {
	t.Parallel()
	e := contact("1795426400000-0", "Ann", "ann@example.com", "The form on your site ate my message twice.")
	e.Fields = append(e.Fields, queue.Field{Name: queue.FieldReplayOf, Value: annID})
	tm, o := startProgram(t, testDeps(newFakeQueue(e)), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "REPLAY of "+annID, "delivery 1", "pending 1")
	requireGoldenView(t, tm)
}

// activityHour is an hour of a desk at work, minute by minute, as
// queue.Activity reads it at fixedNow.
func activityHour() queue.Activity {
	a := queue.Activity{
		Bucket:          queue.ActivityBucket,
		Start:           fixedNow.Truncate(time.Minute).Add(-(queue.ActivityBuckets - 1) * time.Minute),
		TimeToAck:       queue.Percentiles{Count: 41, P50: 2*time.Minute + 10*time.Second, P90: 8*time.Minute + 3*time.Second},
		OldestUnclaimed: 4*time.Minute + 12*time.Second,
		Reviewers: []queue.ReviewerActivity{
			{Name: "alice", Acked: 23, Dead: 1, MedianHeld: 95 * time.Second},
			{Name: "bob", Acked: 14, Dead: 2, MedianHeld: 3*time.Minute + 40*time.Second},
			{Name: "carol", Acked: 4, Dead: 0, MedianHeld: -1},
		},
	}
	for i := range queue.ActivityBuckets {
		// A morning rush around the half hour, acks following a few
		// minutes behind, a dead letter now and then.
		arrivals := int64(max(0, 6-abs(i-30)/3)) + int64(i%7)/5
		acks := int64(max(0, 5-abs(i-34)/3))
		var dead int64
		if i%17 == 9 {
			dead = 1
		}
		var snoozes int64
		if i == 25 || i == 51 {
			snoozes = 1
		}
		a.Arrivals = append(a.Arrivals, arrivals)
		a.Acks = append(a.Acks, acks)
		a.Dead = append(a.Dead, dead)
		a.Snoozes = append(a.Snoozes, snoozes)
	}
	return a
}

func abs(n int) int { return max(n, -n) }

func TestGoldenActivity(t *testing.T) {
	t.Parallel()
	q := goldenQueue()
	q.activity = activityHour()
	tm, o := startProgram(t, testDeps(q), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, keyOf(o.App, activityID))
	waitShown(t, tm, o, 3*time.Second, "time to ack", "alice (you)")
	requireGoldenView(t, tm)
}
