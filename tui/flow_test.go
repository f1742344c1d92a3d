package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
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

// A server that comes back empty under a console holding a message (here a
// FLUSHALL, as a restart without persistence would leave it): the console
// says the server lost that message, naming it, and claims the next one
// without a restart.
func TestFlowServerFlushedUnderAHeldMessage(t *testing.T) {
	t.Parallel()
	needsServer(t)
	own := testserver.StartT(t) // FLUSHALL would wipe the other tests' streams
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: own.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	q, err := queue.New(vk, queue.Config{Stream: freshStream(t), Consumer: "alice", ReclaimAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := q.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	held, err := q.AddContact(ctx, "Ann", "ann@example.com", "Held when the server went away.")
	if err != nil {
		t.Fatal(err)
	}

	tm, o := startProgram(t, realDeps(q), 100, 30)
	waitShown(t, tm, o, 5*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "Held when the server went away.", "delivery 1")

	if _, err := own.Command("FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	// Whichever call meets the missing group first (the header's numbers
	// or the keep-alive), the held message is reported lost, by sender and
	// ID, without blaming another reviewer.
	waitShown(t, tm, o, 10*time.Second, "the server lost Ann's message ("+held.ID+")", "● connected")
	if v := o.snapshot(); strings.Contains(v, "offline") {
		t.Fatalf("the header called a flushed server offline:\n%s", v)
	}

	if _, err := q.AddContact(ctx, "Bo", "bo@example.com", "Arrived after the flush."); err != nil {
		t.Fatal(err)
	}
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "Arrived after the flush.", "delivery 1")
}
