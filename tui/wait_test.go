package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// s offers the snooze presets (15 minutes, 1 hour, tomorrow 09:00 in the
// reviewer's zone) and a typed time; esc backs out; the message leaves
// Review once snoozed.
func TestReviewSnoozePresets(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	for _, c := range []struct {
		keys  []string
		until time.Time
		note  string
	}{
		{[]string{"enter"}, fixedNow.Add(15 * time.Minute), "until 10:45"},
		{[]string{"right", "enter"}, fixedNow.Add(time.Hour), "until 11:30"},
		{[]string{"right", "right", "enter"}, time.Date(2026, 11, 24, 9, 0, 0, 0, berlin), "until Tue 09:00"},
	} {
		q := annQueue()
		d := testDeps(q)
		d.Location = berlin // 10:30 there at fixedNow
		a := newTestApp(t, d)
		press(t, a, "c", "s")
		requireContains(t, a, "snooze until:", "[15 minutes]", " 1 hour ", " tomorrow 09:00 ", " other… ", "or type one",
			"←/→ choose", "enter snooze", "esc cancel")
		press(t, a, c.keys...)
		want := "snooze " + annID + " " + c.until.UTC().Format(time.RFC3339)
		if n := countCalls(q, want); n != 1 {
			t.Fatalf("%v: calls %v, want %q", c.keys, q.callList(), want)
		}
		requireContains(t, a, "snoozed Ann's message "+c.note+": nobody gets it before, then it comes back")
		requireLacks(t, a, "ate my message")
	}
}

func TestReviewSnoozeTyped(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "s", "esc")
	requireLacks(t, a, "snooze until:")
	requireContains(t, a, "ate my message")
	press(t, a, "s")
	typeText(t, a, "soonish")
	press(t, a, "enter")
	requireContains(t, a, `"soonish" is not a time or a duration`)
	press(t, a, "esc", "s")
	typeText(t, a, "09:00") // today, gone by
	press(t, a, "enter")
	requireContains(t, a, "is in the past")
	press(t, a, "esc", "s")
	typeText(t, a, "2h") // a digit types: the presets are picked with ←/→
	press(t, a, "enter")
	if n := countCalls(q, "snooze "+annID+" 2026-11-23T11:30:00Z"); n != 1 || countCalls(q, "snooze") != 1 {
		t.Fatalf("calls %v", q.callList())
	}
	requireContains(t, a, "snoozed Ann's message until 11:30")
}

// A typed answer that is refused says why under the prompt, whole, and
// the answer stays in view to be corrected (at 80 columns the reason used
// to push the input off the line, and a missing reason ran into the
// placeholder).
func TestReviewPromptErrorUnderTheInput(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, a, "c", "s")
	typeText(t, a, "nope")
	press(t, a, "enter")
	requireContains(t, a, "snooze until: nope", `"nope" is not a time or a duration`, "2026-11-30 09:00", "ate my message")
	press(t, a, "esc", "x", "4", "enter")
	requireContains(t, a, "dead-letter reason: why this message goes to dead letters", "type a reason, or esc to cancel", "ate my message")
	press(t, a, "esc")
	requireLacks(t, a, "type a reason")
}

// A message back from a snooze says who snoozed it and until when; one
// back from a retry backoff, who released or abandoned it.
func TestReviewSnoozedAndRetryBadges(t *testing.T) {
	t.Parallel()
	back := func(fields ...queue.Field) *queue.ClaimResult {
		e := contact("1795426400000-0", "Ann", "ann@example.com", "call me at 3")
		e.Fields = append(e.Fields, fields...)
		return &queue.ClaimResult{Message: &queue.Claimed{Entry: e, Deliveries: 2}}
	}
	until := "1795438800000" // 2026-11-23 13:00 UTC
	for _, c := range []struct {
		claim *queue.ClaimResult
		want  []string
	}{
		{back(queue.Field{Name: queue.FieldSnoozeOf, Value: annID}, queue.Field{Name: queue.FieldSnoozeBy, Value: "alice"},
			queue.Field{Name: queue.FieldSnoozeUntil, Value: until}, queue.Field{Name: queue.FieldSnoozeDeliveries, Value: "1"}),
			[]string{"SNOOZED", "snoozed by alice until 13:00", "delivery 2", "call me at 3"}},
		{back(queue.Field{Name: queue.FieldRetryOf, Value: annID}, queue.Field{Name: queue.FieldRetryBy, Value: "bob"},
			queue.Field{Name: queue.FieldRetryUntil, Value: until}, queue.Field{Name: queue.FieldRetryDeliveries, Value: "1"},
			queue.Field{Name: queue.FieldRetryAfter, Value: queue.AfterRelease}),
			[]string{"RETRY", "released by bob", "delivery 2"}},
		{back(queue.Field{Name: queue.FieldRetryOf, Value: annID}, queue.Field{Name: queue.FieldRetryBy, Value: "bob"},
			queue.Field{Name: queue.FieldRetryUntil, Value: until}, queue.Field{Name: queue.FieldRetryDeliveries, Value: "1"},
			queue.Field{Name: queue.FieldRetryAfter, Value: queue.AfterReclaim}),
			[]string{"RETRY", "abandoned by bob"}},
	} {
		q := newFakeQueue()
		q.nextClaim = c.claim
		a := newTestApp(t, testDeps(q))
		press(t, a, "c")
		requireContains(t, a, c.want...)
		// A contact message still, shown as one: the meta fields are not
		// listed as fields of its own.
		requireLacks(t, a, "snooze.of", "retry.of")
	}
}

// With the retry backoff on, a release says when the message is offered
// again.
func TestReviewReleaseWithBackoff(t *testing.T) {
	t.Parallel()
	q := annQueue()
	q.backoff = time.Minute
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "r")
	requireContains(t, a, "released Ann's message: it waits, and is offered again at 09:31 (in 1m)")
	requireLacks(t, a, "ate my message")
}

// Stream lists what is added for later above the newest page, and the
// states of what waits; Pending lists what waits above its first page,
// where c and a say why they do nothing.
func TestWaitingStatesOnStreamAndPending(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(
		contact(annID, "Ann", "ann@example.com", "call me at 3"),
		contact("1795426200000-1", "Bo", "bo@example.com", "flaky"),
	)
	q.backoff = time.Minute
	a := newTestApp(t, testDeps(q))
	press(t, a, "c", "s", "right", "enter") // Ann's, for an hour
	press(t, a, "c", "r")                   // Bo's, backing off a minute
	if _, err := q.AddContactLater(t.Context(), "k", "Cy", "cy@example.com", "later one", fixedNow.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	press(t, a, "4")
	requireContains(t, a, "scheduled · in 10m", "later one",
		"waiting · retry in 1m", "flaky",
		"snoozed · alice · until 10:30", "call me at 3")
	// The scheduled row opens from what the page brought, and is no
	// cursor: the page still starts at the newest entry.
	st := screenOf[*StreamScreen](a, streamID)
	if first := st.table.first(); first != "1795426200000-1" {
		t.Fatalf("the page's first ID is %q", first)
	}
	press(t, a, "up", "enter")
	requireContains(t, a, "Scheduled s1795426200000-0", "it is added at 2026-11-23 09:40:00 UTC", "later one")
	if n := countCalls(q, "get"); n != 0 {
		t.Fatalf("opening a scheduled message read the server: %v", q.callList())
	}
	press(t, a, "esc", "down", "enter")
	requireContains(t, a, "released by alice, backing off before its retry")

	press(t, a, "esc", "3")
	requireContains(t, a, "waiting · retry in 1m", "snoozed · alice · until 10:30", "0 pending · 2 waiting")
	press(t, a, "c")
	requireContains(t, a, "waits, out of the pending list: it comes back by itself when due")
	if n := countCalls(q, "claimid"); n != 0 {
		t.Fatalf("claimed a waiting message by ID: %v", q.callList())
	}
}

// At 80 columns an opened waiting entry's state wraps instead of losing
// its end: when a scheduled message is added, and until when a snoozed one
// waits.
func TestWaitingDetailsWrapAt80(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact(annID, "Ann", "ann@example.com", "call me at 3"))
	a := newTestApp(t, testDeps(q))
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, a, "c", "s", "right", "enter") // for an hour
	if _, err := q.AddContactLater(t.Context(), "k", "Cy", "cy@example.com", "later one", fixedNow.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	press(t, a, "4", "g", "enter")
	requireContains(t, a, "Scheduled s1795426200000-0", "it is added at", "2026-11-23 09:40:00 UTC (scheduled · in 10m)")
	press(t, a, "esc", "G", "enter")
	requireContains(t, a, "Entry "+annID, "snoozed by alice: out of everyone's reach until 2026-11-23 10:30:00")
}

// Compose's "Send later" adds the message for later; a time that is not
// one, or gone by, is refused under the field and adds nothing.
func TestComposeSendLater(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "n")
	fillForm(t, a, "Ann", "ann@example.com", "Please call me back.")
	press(t, a, "tab")
	typeText(t, a, "whenever")
	press(t, a, "ctrl+s")
	requireContains(t, a, `✗ "whenever" is not a time or a duration`)
	if n := countCalls(q, "add"); n != 0 {
		t.Fatalf("added with a bad time: %v", q.callList())
	}
	for range len("whenever") {
		press(t, a, "backspace")
	}
	typeText(t, a, "10m")
	press(t, a, "ctrl+s")
	requireContains(t, a, "Ann's message is scheduled for 09:40 (s1795426200000-0): nobody gets it before")
	if n := countCalls(q, "add Ann at 2026-11-23T09:40:00Z"); n != 1 {
		t.Fatalf("calls %v", q.callList())
	}
	// The next draft starts empty, "Send later" too.
	if compose(a).later != "" {
		t.Fatalf("send later kept: %q", compose(a).later)
	}
	if !strings.Contains(screenText(a), "now — or 10m") {
		t.Fatal("the next form's send later is not empty")
	}
}

// At 60 columns Stream still says each entry's state, narrowed, rather
// than dropping the column for the preview.
func TestStreamStateAt60(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	a.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	press(t, a, "c", "s", "right", "enter") // for an hour
	press(t, a, "4")
	requireContains(t, a, annID+" snoozed · alice · until", "Ann:")
}

// What a claim put into the retry backoff on its way is said in English.
func TestClearedNoteOfAbandoned(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{1: "1 abandoned message now waits before its retry", 3: "3 abandoned messages now wait before their retry"} {
		if got := clearedNote(queue.ClaimResult{Waiting: make([]string, n)}); got != want {
			t.Fatalf("%d: %q, want %q", n, got, want)
		}
	}
}
