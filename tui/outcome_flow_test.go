package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// Who handled what, through the whole console, against a real server.

// rowOf is the line of the screen that lists id.
func rowOf(screen, id string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "> "+id) || strings.HasPrefix(l, "  "+id) {
			return l
		}
	}
	return ""
}

// An ack made in the console shows on Stream as acked by its reviewer; one
// another program made (a plain XACK, as the web example does) as acked,
// without a name.
func TestFlowAckShowsOutcomeOnStream(t *testing.T) {
	t.Parallel()
	q := realQueue(t, queue.Config{Stream: freshStream(t)})
	ctx := context.Background()
	web, err := q.AddContact(ctx, "Ann", "ann@example.com", "Acked by the web page.")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := q.WithConsumer("web").Claim(ctx); err != nil || res.Message == nil {
		t.Fatalf("the web page's claim: %+v %v", res, err)
	}
	cfg := q.Config()
	if _, err := server(t).Command("XACK", cfg.Stream, cfg.Group, web.ID); err != nil {
		t.Fatal(err)
	}
	ours, err := q.AddContact(ctx, "Bo", "bo@example.com", "Acked in the console.")
	if err != nil {
		t.Fatal(err)
	}

	tm, o := startProgram(t, realDeps(q), 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "Acked in the console.")
	sendKeys(tm, "a")
	waitShown(t, tm, o, 5*time.Second, "acked Bo's message")
	sendKeys(tm, keyOf(o.App, streamID))
	waitShown(t, tm, o, 5*time.Second, "acked · alice · ")
	screen := o.snapshot()
	if row := rowOf(screen, ours.ID); !strings.Contains(row, "acked · alice · ") {
		t.Fatalf("our ack's row: %q", row)
	}
	if row := rowOf(screen, web.ID); !strings.Contains(row, " acked ") || strings.Contains(row, "acked ·") {
		t.Fatalf("the web page's ack's row: %q\n%s", row, screen)
	}
	sendKeys(tm, "j", "enter")
	waitShown(t, tm, o, 5*time.Second, "Entry "+web.ID, "acked, by another program (no record of who)")
	sendKeys(tm, "esc", "k", "enter")
	waitShown(t, tm, o, 5*time.Second, "Entry "+ours.ID, "State     acked by alice", "Held ")
}

// A submit whose answer was lost and a second ctrl+s add one message,
// and the console says which; so does ctrl+s pressed twice at once.
func TestFlowDoubleSubmitAddsOne(t *testing.T) {
	t.Parallel()
	q := realQueue(t, queue.Config{Stream: freshStream(t)})
	d := realDeps(q)
	d.Queue = &lostAnswer{Queue: q, lost: 1}
	tm, o := startProgram(t, d, 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "length 0")
	sendKeys(tm, "n")
	waitShown(t, tm, o, 5*time.Second, "New contact message")
	tm.Type("Quinn")
	sendKeys(tm, "tab")
	tm.Type("quinn@example.com")
	sendKeys(tm, "tab")
	tm.Type("Where is parcel 1042?")
	sendKeys(tm, "ctrl+s")
	waitShown(t, tm, o, 5*time.Second, "adding the message failed", "your text is kept")
	sendKeys(tm, "ctrl+s")
	waitShown(t, tm, o, 5*time.Second, "Quinn's message was already added as ", ": not added again", "length 1")
	page, err := q.StreamPage(context.Background(), queue.StreamQuery{})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("the stream after two submits of one draft: %+v %v", page.Entries, err)
	}
	if !strings.Contains(o.snapshot(), "already added as "+page.Entries[0].ID) {
		t.Fatalf("the note does not name %s:\n%s", page.Entries[0].ID, o.snapshot())
	}

	tm.Type("Quinn")
	sendKeys(tm, "tab")
	tm.Type("quinn@example.com")
	sendKeys(tm, "tab")
	tm.Type("And parcel 1043?")
	sendKeys(tm, "ctrl+s", "ctrl+s")
	waitShown(t, tm, o, 5*time.Second, "added Quinn's message as ", "length 2")
	// The second ctrl+s came while the first was on its way: it set off
	// nothing, so no second add can come later. (Had the first answered
	// before it, the second met an empty form, which adds nothing.)
	keys := o.pressedKeys()
	last := keys[len(keys)-2:]
	if last[0] != (pressed{"ctrl+s", true}) || last[1].acted && !strings.Contains(o.snapshot(), "not added: 3 fields need a fix") {
		t.Fatalf("ctrl+s twice: %v\n%s", last, o.snapshot())
	}
	if st, err := q.Stats(context.Background()); err != nil || st.Length != 2 {
		t.Fatalf("after ctrl+s twice: %+v %v", st, err)
	}
}

// A message zed released comes to the next claimer as RELEASED by zed,
// not RECLAIMED, with the delivery count the queue keeps.
func TestFlowReleaseThenClaimShowsReleased(t *testing.T) {
	t.Parallel()
	q := realQueue(t, queue.Config{Stream: freshStream(t)})
	zed := q.WithConsumer("zed")
	ctx := context.Background()
	added, err := zed.AddContact(ctx, "Ann", "ann@example.com", "Zed looked and let go.")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := zed.Claim(ctx); err != nil || res.Message == nil {
		t.Fatalf("zed's claim: %+v %v", res, err)
	}
	if err := zed.Release(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	tm, o := startProgram(t, realDeps(q), 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "pending 1")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "RELEASED", "by zed · ", "Zed looked and let go.")
	page, err := q.PendingPage(ctx, queue.PendingQuery{})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Consumer != "alice" {
		t.Fatalf("pending after the claim: %+v %v", page.Entries, err)
	}
	screen := o.snapshot()
	if want := "delivery " + strconv.FormatInt(page.Entries[0].Deliveries, 10); !strings.Contains(screen, want) {
		t.Fatalf("want %q, as the queue counts:\n%s", want, screen)
	}
	for _, bad := range []string{"RECLAIMED", "idle "} {
		if strings.Contains(screen, bad) {
			t.Fatalf("%q on a released message:\n%s", bad, screen)
		}
	}
}

// After an ack, Activity counts it for its reviewer; Stream replays the
// acked message, which comes back to Review as a REPLAY of it, and a
// search of the whole stream finds both.
func TestFlowActivityReplaySearch(t *testing.T) {
	t.Parallel()
	q := realQueue(t, queue.Config{Stream: freshStream(t)})
	ctx := context.Background()
	bob := q.WithConsumer("bob")
	for i := range 2 { // bob holds these: the console claims Ann next
		if _, err := q.AddContact(ctx, "Other", "o@example.com", "filler "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if res, err := bob.Claim(ctx); err != nil || res.Message == nil {
			t.Fatalf("bob's claim: %+v %v", res, err)
		}
	}
	added, err := q.AddContact(ctx, "Ann", "ann@example.com", "Please look at this again.")
	if err != nil {
		t.Fatal(err)
	}
	tm, o := startProgram(t, realDeps(q), 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "Please look at this again.")
	sendKeys(tm, "a")
	waitShown(t, tm, o, 5*time.Second, "acked Ann's message")

	sendKeys(tm, keyOf(o.App, activityID))
	waitShown(t, tm, o, 5*time.Second, "Activity", "arrivals     3 │", "acks         1 │", "over 1 ack", "alice (you)      1")

	sendKeys(tm, keyOf(o.App, streamID))
	waitShown(t, tm, o, 5*time.Second, "> "+added.ID, "acked · alice · ")
	sendKeys(tm, "r")
	waitShown(t, tm, o, 5*time.Second, "replay Ann's message (acked) as a new message? y/n")
	sendKeys(tm, "y")
	waitShown(t, tm, o, 5*time.Second, "replayed Ann's message as ")

	sendKeys(tm, "/")
	tm.Type("LOOK AT")
	sendKeys(tm, "enter")
	waitShown(t, tm, o, 5*time.Second, `Search  "LOOK AT": 2 found in all 4 messages`, added.ID)

	sendKeys(tm, "esc", keyOf(o.App, reviewID), "c")
	waitShown(t, tm, o, 5*time.Second, "REPLAY of "+added.ID)
}
