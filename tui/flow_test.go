package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// The flows run the whole console in a program against a real server.

// freshStream is a stream key of its own for each run, so -count=N starts
// every run on an empty stream.
func freshStream(t *testing.T) string {
	return "tui:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func TestFlowComposeClaimAck(t *testing.T) {
	t.Parallel()
	q := realQueue(t, queue.Config{Stream: freshStream(t)})
	tm, o := startProgram(t, realDeps(q), 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "length 0")

	sendKeys(tm, "n")
	waitShown(t, tm, o, 5*time.Second, "New contact message")
	tm.Type("Quinn Q")
	sendKeys(tm, "tab")
	tm.Type("quinn@example.com")
	sendKeys(tm, "tab")
	tm.Type("My parcel 1042 never arrived; q and 1 are just letters here.")
	sendKeys(tm, "ctrl+s")
	waitShown(t, tm, o, 5*time.Second, "added Quinn Q's message as ", "the form is ready for the next one", "length 1")

	sendKeys(tm, "esc")
	waitShown(t, tm, o, 5*time.Second, "1 new message waiting — press c to claim")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "Quinn Q", "quinn@example.com", "My parcel 1042 never arrived", "delivery 1", "reclaimable in")
	sendKeys(tm, "a")
	waitShown(t, tm, o, 5*time.Second, "acked Quinn Q's message", "pending 0")

	page, err := q.PendingPage(context.Background(), queue.PendingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 0 {
		t.Fatalf("still pending after the ack: %+v", page.Entries)
	}
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Length != 1 || st.Group.Pending != 0 || st.Group.Lag != 0 {
		t.Fatalf("stats after the flow: %+v", st)
	}
}

func TestFlowReclaimedFromBob(t *testing.T) {
	t.Parallel()
	alice := realQueue(t, queue.Config{Stream: freshStream(t), ReclaimAfter: 50 * time.Millisecond})
	bob := alice.WithConsumer("bob")
	ctx := context.Background()
	added, err := bob.AddContact(ctx, "Ann", "ann@example.com", "Bob opened this and went to lunch.")
	if err != nil {
		t.Fatal(err)
	}
	res, err := bob.Claim(ctx)
	if err != nil || res.Message == nil || res.Message.ID != added.ID {
		t.Fatalf("bob's claim: %+v, %v", res, err)
	}
	time.Sleep(100 * time.Millisecond) // past alice's reclaim threshold

	tm, o := startProgram(t, realDeps(alice), 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "pending 1")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "RECLAIMED", "from bob", "delivery 2", "Bob opened this", added.ID)

	page, err := alice.PendingPage(ctx, queue.PendingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].Consumer != "alice" {
		t.Fatalf("pending after the reclaim: %+v", page.Entries)
	}
}
