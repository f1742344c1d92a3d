package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// deadQueue is a fake with two dead letters, the newest last.
func deadQueue() *fakeQueue {
	f := newFakeQueue()
	f.dead = []queue.DeadLetter{
		{
			ID: "1795424500000-0", OriginalID: "1795424400000-1", Reason: "too many deliveries",
			Deliveries: 5, Consumer: "bob", At: time.UnixMilli(1795424500000).UTC(),
			Original: contact("1795424400000-1", "Ann", "ann@example.com", "Please call me back about the refund"),
		},
		{
			ID: "1795424560000-0", OriginalID: "1795424400000-4", Reason: "spam\x1b[31m!",
			Deliveries: 1, Consumer: "alice", At: time.UnixMilli(1795424560000).UTC(),
			Original: contact("1795424400000-4", "Bot", "bot@example.com", "Buy cheap watches"),
		},
	}
	return f
}

func TestDeadGolden(t *testing.T) {
	h := newScreenHost(NewDeadScreen(testCommon(deadQueue())))
	tm := hostProgram(t, h)
	waitHostText(t, tm, h, "> 1795424560000-0")
	requireScreenGolden(t, tm, h)
}

func TestDeadRowsAndOpen(t *testing.T) {
	s, _ := started(t, NewDeadScreen, deadQueue(), 100, 24)
	requireShows(t, s, "Dead letters  1795424560000-0 … 1795424500000-0",
		"1795424500000-0 1795424400000-1 too many de… 5      bob       2026-11-23 09:01",
		"spam!", "Bot: Buy cheap wat")
	skeys(t, s, "j", "enter")
	requireShows(t, s, "Dead letter 1795424500000-0", "Original  1795424400000-1", "Reason    too many deliveries",
		"Delivered 5 times", "Consumer  bob", "When      2026-11-23 09:01:40 UTC", "From      Ann", "Please call me back about the refund")
	skeys(t, s, "esc")
	requireShows(t, s, "> 1795424500000-0")

	empty, _ := started(t, NewDeadScreen, newFakeQueue(), 100, 24)
	requireShows(t, empty, "No dead letters.")
}

func TestDeadRedrive(t *testing.T) {
	f := deadQueue()
	s, _ := started(t, NewDeadScreen, f, 100, 24)
	skeys(t, s, "r")
	requireShows(t, s, "redriven as 1795426300000-1")
	requireHides(t, s, "1795424560000-0")
	if len(f.entries) != 1 || f.entries[0].Name() != "Bot" {
		t.Fatalf("entries after the redrive: %v", f.entries)
	}

	f.failWith = &queue.Error{Op: "redrive 1795424500000-0", Kind: queue.ErrEmpty}
	skeys(t, s, "enter") // from the opened letter, too
	f.failWith = nil
	skeys(t, s, "enter")
	f.failWith = &queue.Error{Op: "redrive 1795424500000-0", Kind: queue.ErrEmpty}
	skeys(t, s, "r")
	requireShows(t, s, "redrive failed: its content was lost, so there is nothing to put back; delete it with d")
	requireShows(t, s, "Dead letter 1795424500000-0")
}

func TestDeadDeleteConfirm(t *testing.T) {
	f := deadQueue()
	s, _ := started(t, NewDeadScreen, f, 100, 24)
	skeys(t, s, "d")
	requireShows(t, s, "delete 1795424560000-0 for good? y/n")
	if !s.Capturing() {
		t.Fatal("the question should capture y/n")
	}
	skeys(t, s, "n")
	requireShows(t, s, "cancelled", "1795424560000-0")
	if len(f.dead) != 2 {
		t.Fatal("n deleted")
	}
	skeys(t, s, "d", "y")
	requireShows(t, s, "deleted 1795424560000-0", "> 1795424500000-0")
	requireHides(t, s, "1795424560000-0 ")
	if len(f.dead) != 1 {
		t.Fatal("y did not delete")
	}
}

func TestDeadErrorsAndReadOnly(t *testing.T) {
	f := deadQueue()
	s, _ := started(t, NewDeadScreen, f, 100, 24)
	f.failWith = &queue.Error{Op: "range", Kind: queue.ErrTimeout}
	skeys(t, s, "ctrl+r")
	requireShows(t, s, "dead letters failed: range: server did not answer in time", "1795424560000-0")
	skeys(t, s, "d", "y")
	requireShows(t, s, "delete failed: range: server did not answer in time", "1795424560000-0")
	f.failWith = nil

	c := testCommon(f)
	c.ReadOnly = true
	ro := NewDeadScreen(c)
	sdrive(t, ro, ro.Init())
	n := len(f.calls)
	skeys(t, ro, "r")
	requireShows(t, ro, "read-only session")
	skeys(t, ro, "d")
	requireShows(t, ro, "read-only session")
	requireHides(t, ro, "for good?")
	if len(f.calls) != n {
		t.Fatalf("read-only made calls: %v", f.calls[n:])
	}
}

// A dead letter written by something else than reviewq shows as it is.
func TestDeadForeignEntry(t *testing.T) {
	f := newFakeQueue()
	f.dead = []queue.DeadLetter{{ID: "1795424500000-0", Original: queue.Entry{ID: "1795424500000-0", Fields: []queue.Field{{Name: "blob\x1b[1m", Value: "x"}}}}}
	s, _ := started(t, NewDeadScreen, f, 100, 24)
	skeys(t, s, "enter")
	requireShows(t, s, "not a contact message", "blob")
	if strings.Contains(s.View(), "\x1b[1m") {
		t.Fatal("a field name reached the screen raw")
	}
}
