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

func TestDeadRowsAndOpen(t *testing.T) {
	s, _ := started(t, NewDeadScreen, deadQueue(), 120, 24)
	requireShows(t, s, "Dead letters  1795424560000-0 … 1795424500000-0",
		"1795424500000-0 1795424400000-1 too many delive… 5      bob      2026-11-23 09:01:40 UTC Ann: Please",
		"spam!", "Bot: Buy cheap")
	skeys(t, s, "j", "enter")
	requireShows(t, s, "Dead letter 1795424500000-0", "Original  1795424400000-1", "Reason    too many deliveries",
		"Delivered 5 times", "Consumer  bob", "When      2026-11-23 09:01:40 UTC", "From      Ann", "Please call me back about the refund")
	help := hints(s)
	for _, want := range []string{"r redrive", "d delete", "y copy email", "esc back to the list"} {
		if !strings.Contains(help, want) {
			t.Fatalf("the open letter's help lacks %q: %s", want, help)
		}
	}
	skeys(t, s, "esc")
	requireShows(t, s, "> 1795424500000-0")

	empty, _ := started(t, NewDeadScreen, newFakeQueue(), 100, 24)
	requireShows(t, empty, "No dead letters.")
	if help := hints(empty); strings.Contains(help, "redrive") || strings.Contains(help, "open") || strings.Contains(help, "copy") {
		t.Fatalf("with no letters the help lists keys that do nothing: %s", help)
	}
}

// Narrower, the less useful columns give way, never the full IDs.
func TestDeadColumnsGiveWayAt80(t *testing.T) {
	s, _ := started(t, NewDeadScreen, deadQueue(), 80, 20)
	requireShows(t, s, "1795424560000-0", "1795424500000-0 ", "too many delive…", "Ann: Please")
	requireHides(t, s, "deliv.", "consumer")
}

// Redrive asks first, from the list and from an opened letter; only y
// goes ahead.
func TestDeadRedrive(t *testing.T) {
	f := deadQueue()
	s, c := started(t, NewDeadScreen, f, 100, 24)
	skeys(t, s, "r")
	requireShows(t, s, "put Bot's message back on the stream as a new message? y/n")
	skeys(t, s, "enter")
	if len(f.entries) != 0 {
		t.Fatal("enter redrove")
	}
	skeys(t, s, "y")
	requireStatus(t, c, "redrove Bot's message: back on the stream as 1795426300000-1")
	requireHides(t, s, "1795424560000-0")
	if len(f.entries) != 1 || f.entries[0].Name() != "Bot" {
		t.Fatalf("entries after the redrive: %v", f.entries)
	}

	skeys(t, s, "enter") // open the other one
	f.failWith = &queue.Error{Op: "redrive 1795424500000-0", Kind: queue.ErrEmpty}
	skeys(t, s, "r")
	requireShows(t, s, "put Ann's message back on the stream", "Dead letter 1795424500000-0")
	skeys(t, s, "y")
	requireStatus(t, c, "cannot redrive Ann's message: its content was lost, so there is nothing to put back; delete it with d")
	requireShows(t, s, "Dead letter 1795424500000-0")
}

func TestDeadDeleteConfirm(t *testing.T) {
	f := deadQueue()
	s, c := started(t, NewDeadScreen, f, 100, 24)
	skeys(t, s, "d")
	requireShows(t, s, "delete Bot's message for good? y/n")
	if !(s.Mode() != ModeNormal) {
		t.Fatal("the question should capture y/n")
	}
	skeys(t, s, "enter") // a habitual enter does not delete
	skeys(t, s, "n")
	requireStatus(t, c, "cancelled")
	requireShows(t, s, "1795424560000-0")
	if len(f.dead) != 2 {
		t.Fatal("enter or n deleted")
	}
	skeys(t, s, "d", "y")
	requireStatus(t, c, "deleted Bot's message for good")
	requireShows(t, s, "> 1795424500000-0")
	requireHides(t, s, "1795424560000-0 ")
	if len(f.dead) != 1 {
		t.Fatal("y did not delete")
	}
}

func TestDeadFilter(t *testing.T) {
	f := deadQueue()
	s, _ := started(t, NewDeadScreen, f, 100, 24)
	calls := len(f.calls)
	skeys(t, s, "/")
	if !(s.Mode() != ModeNormal) {
		t.Fatal("the filter should capture keys")
	}
	stype(t, s, "refund")
	requireShows(t, s, "Ann: Please", "(1 of 2 on this page)")
	requireHides(t, s, "Bot: Buy")
	skeys(t, s, "enter")
	requireShows(t, s, "filter: refund (1 of 2 on this page) · esc clears")
	skeys(t, s, "esc")
	requireShows(t, s, "Bot: Buy", "Ann: Please")
	skeys(t, s, "/")
	stype(t, s, "spam")
	skeys(t, s, "esc") // esc while typing backs out too
	requireShows(t, s, "Bot: Buy", "Ann: Please")
	if len(f.calls) != calls {
		t.Fatalf("the filter made calls: %v", f.calls[calls:])
	}
}

func TestDeadErrorsAndReadOnly(t *testing.T) {
	f := deadQueue()
	s, c := started(t, NewDeadScreen, f, 100, 24)
	f.failWith = &queue.Error{Op: "range", Kind: queue.ErrTimeout}
	skeys(t, s, "ctrl+r")
	requireStatus(t, c, "loading the dead letters failed: server did not answer in time")
	requireShows(t, s, "1795424560000-0")
	skeys(t, s, "d", "y")
	requireStatus(t, c, "deleting Bot's message failed: server did not answer in time")
	f.failWith = nil

	c = testCommon(f)
	c.ReadOnly = true
	ro := NewDeadScreen(c)
	sdrive(t, ro, ro.Init())
	n := len(f.calls)
	skeys(t, ro, "r")
	requireStatus(t, c, "read-only session: redrive is off")
	skeys(t, ro, "d")
	requireStatus(t, c, "read-only session: delete is off")
	requireHides(t, ro, "for good?")
	if len(f.calls) != n {
		t.Fatalf("read-only made calls: %v", f.calls[n:])
	}
	if help := hints(ro); strings.Contains(help, "redrive") || strings.Contains(help, "delete") {
		t.Fatalf("read-only help lists keys that do nothing: %s", help)
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

// A dead letter added while one is open shows once it closes, at the next
// stats, as on Stream.
func TestDeadCatchesUpAfterAnOpenLetter(t *testing.T) {
	f := deadQueue()
	s, _ := started(t, NewDeadScreen, f, 120, 24)
	s.Update(StatsLoadedMsg{Stats: queue.Stats{DeadLength: 2}})
	skeys(t, s, "enter")
	f.dead = append(f.dead, queue.DeadLetter{ID: "1795424600000-0", OriginalID: "1795424400000-5", Reason: "abuse",
		Deliveries: 1, Consumer: "alice", At: time.UnixMilli(1795424600000).UTC(),
		Original: contact("1795424400000-5", "Cy", "cy@example.com", "rude words")})
	_, cmd := s.Update(StatsLoadedMsg{Stats: queue.Stats{DeadLength: 3}})
	sdrive(t, s, cmd)
	skeys(t, s, "esc")
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{DeadLength: 3}})
	sdrive(t, s, cmd)
	requireShows(t, s, "1795424600000-0", "Cy: rude words")
}

// A letter delivered once says so in English.
func TestDeadDeliveredOnce(t *testing.T) {
	s, _ := started(t, NewDeadScreen, deadQueue(), 120, 24)
	skeys(t, s, "enter") // the newest: delivered once
	requireShows(t, s, "Delivered 1 time")
	requireHides(t, s, "1 times")
}

// The heading says which letters the page holds without being cut: at 60
// columns it leaves out "newest first" rather than end in "newest fi…",
// and a page of one names it once.
func TestDeadHeadingFits(t *testing.T) {
	s, _ := started(t, NewDeadScreen, deadQueue(), 60, 16)
	if head := strings.TrimRight(strings.SplitN(plainView(s), "\n", 2)[0], " "); head != "Dead letters  1795424560000-0 … 1795424500000-0" {
		t.Fatalf("heading at 60: %q", head)
	}
	f := deadQueue()
	f.dead = f.dead[:1]
	one, _ := started(t, NewDeadScreen, f, 100, 16)
	requireShows(t, one, "Dead letters  1795424500000-0 · newest first")
}
