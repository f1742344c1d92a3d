package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// pendingQueue is a fake with n contact messages, the first three pending
// with bob, alice and carol.
func pendingQueue(n int) *fakeQueue {
	var es []queue.Entry
	for i := range n {
		es = append(es, contact(fmt.Sprintf("1795424400000-%d", i), fmt.Sprintf("Sender %d", i), "s@example.com", fmt.Sprintf("Hello number %d, about the invoice", i)))
	}
	f := newFakeQueue(es...)
	owners := []string{"bob", "alice", "carol"}
	idles := []time.Duration{12 * time.Second, 3*time.Minute + 12*time.Second, 2*time.Hour + 5*time.Minute}
	for i := 0; i < n && i < 3; i++ {
		id := es[i].ID
		f.pending[id] = queue.PendingEntry{ID: id, Consumer: owners[i], Idle: idles[i], Deliveries: int64(i + 1)}
	}
	return f
}

// allPending makes every entry of f pending with owner.
func allPending(f *fakeQueue, owner string) {
	for _, e := range f.entries {
		f.pending[e.ID] = queue.PendingEntry{ID: e.ID, Consumer: owner, Idle: time.Minute, Deliveries: 1}
	}
}

func TestPendingGolden(t *testing.T) {
	h := newScreenHost(NewPendingScreen(testCommon(pendingQueue(4))))
	tm := hostProgram(t, h)
	waitHostText(t, tm, h, "carol")
	tm.Send(bkey("j"))
	waitHostText(t, tm, h, "> 1795424400000-1")
	requireScreenGolden(t, tm, h)
}

func TestPendingRowsAndEmpty(t *testing.T) {
	s, _ := started(t, NewPendingScreen, pendingQueue(3), 100, 24)
	requireShows(t, s, "Pending", "page 1 (last)", "bob", "12s", "3m12s", "2h05m", "Sender 0: Hello number 0")
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-0") {
		t.Fatalf("first row selected, got %q", got)
	}
	skeys(t, s, "j", "j", "j") // past the end stays on the last
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-2") {
		t.Fatalf("last row selected, got %q", got)
	}
	skeys(t, s, "g")
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-0") {
		t.Fatalf("g: first row, got %q", got)
	}
	skeys(t, s, "G")
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-2") {
		t.Fatalf("G: last row, got %q", got)
	}

	empty, _ := started(t, NewPendingScreen, newFakeQueue(), 100, 24)
	requireShows(t, empty, "Nothing pending.")
}

// The cursor stack: pgdn pushes the page's next cursor, pgup pops, and the
// ends say so instead of loading.
func TestPendingPagingCursorStack(t *testing.T) {
	f := pendingQueue(10)
	allPending(f, "bob")
	s, _ := started(t, NewPendingScreen, f, 100, 7) // 3 rows a page
	ps := s.(*PendingScreen)
	pageIDs := func() string {
		var ids []string
		for _, r := range ps.table.rows {
			ids = append(ids, strings.TrimPrefix(r.id, "1795424400000-"))
		}
		return strings.Join(ids, ",")
	}
	want := []string{"0,1,2", "3,4,5", "6,7,8", "9"}
	if pageIDs() != want[0] {
		t.Fatalf("page 1: %s", pageIDs())
	}
	for i := 1; i < 4; i++ {
		skeys(t, s, "pgdown")
		if pageIDs() != want[i] {
			t.Fatalf("page %d: %s, want %s", i+1, pageIDs(), want[i])
		}
		requireShows(t, s, fmt.Sprintf("page %d", i+1))
	}
	if got := strings.Join(ps.stack, " "); got != " 1795424400000-2 1795424400000-5 1795424400000-8" {
		t.Fatalf("stack %q", got)
	}
	calls := len(f.calls)
	skeys(t, s, "pgdown")
	requireShows(t, s, "this is the last page", "page 4 (last)")
	if len(f.calls) != calls {
		t.Fatal("pgdn on the last page loaded")
	}
	for i := 2; i >= 0; i-- {
		skeys(t, s, "pgup")
		if pageIDs() != want[i] {
			t.Fatalf("back to page %d: %s", i+1, pageIDs())
		}
	}
	skeys(t, s, "pgup")
	requireShows(t, s, "this is the first page", "page 1")
	if len(ps.stack) != 1 {
		t.Fatalf("stack %q", ps.stack)
	}
}

// A full last page gives a next cursor (as XPENDING does); the empty page
// after it keeps the last page on screen.
func TestPendingEmptyPageAfterFullPage(t *testing.T) {
	f := pendingQueue(6)
	allPending(f, "bob")
	s, _ := started(t, NewPendingScreen, f, 100, 7)
	ps := s.(*PendingScreen)
	skeys(t, s, "pgdown")
	_, cmd := s.Update(PendingLoadedMsg{Seq: ps.seq + 1}) // stale: dropped
	if cmd != nil || ps.table.first() != "1795424400000-3" {
		t.Fatal("a stale reply was taken")
	}
	ps.next = "1795424400000-5" // as the real server does on a full page
	skeys(t, s, "pgdown")
	requireShows(t, s, "this is the last page", "1795424400000-5")
	if len(ps.stack) != 2 {
		t.Fatalf("stack %q", ps.stack)
	}
}

func TestPendingFilter(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	ps := s.(*PendingScreen)

	skeys(t, s, "/")
	if !s.Capturing() {
		t.Fatal("the filter input should capture keys")
	}
	stype(t, s, "consumer:bob idle:5x")
	skeys(t, s, "enter")
	requireShows(t, s, `filter failed: "idle:5x" is not consumer:NAME, idle:DURATION or a duration like 5m`, "carol")
	if ps.query != (queue.PendingQuery{}) || !s.Capturing() {
		t.Fatal("a bad filter changed the query or closed the input")
	}
	skeys(t, s, "esc")
	if s.Capturing() || ps.query != (queue.PendingQuery{}) {
		t.Fatal("esc should close the input and keep the old filter")
	}

	skeys(t, s, "/")
	stype(t, s, "consumer:")
	skeys(t, s, "enter")
	requireShows(t, s, "filter failed: consumer: needs a name")
	skeys(t, s, "esc")

	skeys(t, s, "/")
	stype(t, s, "consumer:carol 1h")
	skeys(t, s, "enter")
	if ps.query.Consumer != "carol" || ps.query.MinIdle != time.Hour {
		t.Fatalf("query %+v", ps.query)
	}
	requireShows(t, s, "filter: consumer:carol idle:1h0m0s (esc clears)", "carol")
	requireHides(t, s, " bob ", " alice ")

	skeys(t, s, "/")
	if got := ps.input.Value(); got != "consumer:carol idle:1h0m0s" {
		t.Fatalf("the input should start from the current filter, got %q", got)
	}
	skeys(t, s, "ctrl+u")
	stype(t, s, "idle:10m")
	skeys(t, s, "enter")
	requireShows(t, s, "carol")
	requireHides(t, s, " bob ", " alice ")
	skeys(t, s, "/", "ctrl+u")
	stype(t, s, "idle:10h")
	skeys(t, s, "enter")
	requireShows(t, s, "Nothing pending matches the filter.")

	skeys(t, s, "esc") // clears the filter
	requireShows(t, s, "bob", "alice", "carol")
	requireHides(t, s, "filter:")
}

func TestParsePendingFilter(t *testing.T) {
	for in, want := range map[string]queue.PendingQuery{
		"":                      {},
		"consumer:bob":          {Consumer: "bob"},
		"idle:5m":               {MinIdle: 5 * time.Minute},
		"90s":                   {MinIdle: 90 * time.Second},
		"idle:1h30m consumer:x": {Consumer: "x", MinIdle: 90 * time.Minute},
	} {
		got, err := parsePendingFilter(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"bob", "idle:", "idle:-5m", "consumer:", "5"} {
		if _, err := parsePendingFilter(in); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

// Claiming bob's entry asks first; n cancels, y takes it, hands it to the
// Review screen and switches there.
func TestPendingClaimConfirm(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "c")
	requireShows(t, s, "bob holds it (idle 12s) — take it anyway? y/n")
	if !s.Capturing() {
		t.Fatal("the question should capture y/n")
	}
	skeys(t, s, "n")
	requireShows(t, s, "cancelled")
	requireHides(t, s, "take it anyway")
	if c := f.calls[len(f.calls)-1]; c != "claimid 1795424400000-0" {
		t.Fatalf("last call %q", c)
	}

	skeys(t, s, "c")
	out := skeys(t, s, "y")
	requireShows(t, s, "claimed 1795424400000-0: it is yours now — read and ack it on Review")
	var handed *queue.Claimed
	var switched bool
	for _, m := range out {
		switch m := m.(type) {
		case ClaimedElsewhereMsg:
			handed = m.Message
		case SwitchScreenMsg:
			switched = m.Screen == 1
		}
	}
	if handed == nil || handed.ID != "1795424400000-0" || handed.PreviousConsumer != "bob" || !switched {
		t.Fatalf("messages for the root: %#v", out)
	}
	if f.pending["1795424400000-0"].Consumer != "alice" {
		t.Fatal("not claimed")
	}
	if !strings.Contains(plainView(s), "1795424400000-0  alice") {
		t.Fatalf("the list did not reload:\n%s", plainView(s))
	}
}

// alice's own entry is claimed (and acked) without a question.
func TestPendingOwnEntryAndAck(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "j", "c")
	requireShows(t, s, "claimed 1795424400000-1")

	skeys(t, s, "a") // alice's: no question
	requireShows(t, s, "acked 1795424400000-1")
	requireHides(t, s, "1795424400000-1 ")
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-2") {
		t.Fatalf("selection after the ack: %q", got)
	}

	skeys(t, s, "g", "a") // bob's: asks
	requireShows(t, s, "bob holds 1795424400000-0 — ack it anyway? y/n")
	skeys(t, s, "esc")
	requireShows(t, s, "cancelled", "1795424400000-0")
	skeys(t, s, "a", "y")
	requireShows(t, s, "acked 1795424400000-0")
	requireHides(t, s, "1795424400000-0 ")
}

func TestPendingOpen(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "enter")
	requireShows(t, s, "Entry 1795424400000-0", "Hello number 0, about the invoice", "esc back")
	skeys(t, s, "esc")
	requireShows(t, s, "> 1795424400000-0")

	// Deleted from the stream while pending.
	f.entries = f.entries[1:]
	skeys(t, s, "enter")
	requireShows(t, s, "(deleted from the stream while pending)")
}

func TestPendingErrors(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	f.failWith = &queue.Error{Op: "pending", Kind: queue.ErrUnreachable}
	skeys(t, s, "ctrl+r")
	requireShows(t, s, "pending failed: pending: server unreachable", "bob", "carol")
	f.failWith = &queue.Error{Op: "claim 1795424400000-0", Kind: queue.ErrTimeout}
	skeys(t, s, "c")
	requireShows(t, s, "claim failed: claim 1795424400000-0: server did not answer in time", "bob")
	f.failWith = errors.New("boom\x1b[31m\nsecond line")
	skeys(t, s, "a", "y")
	v := s.View()
	if strings.Contains(v, "\x1b[31m") || !strings.Contains(plainView(s), "ack failed: boom") {
		t.Fatalf("error not one safe line:\n%q", v)
	}
}

func TestPendingReadOnly(t *testing.T) {
	f := pendingQueue(3)
	c := testCommon(f)
	c.ReadOnly = true
	s := NewPendingScreen(c)
	sdrive(t, s, s.Init())
	n := len(f.calls)
	skeys(t, s, "c")
	requireShows(t, s, "read-only session")
	skeys(t, s, "a")
	requireShows(t, s, "read-only session")
	if len(f.calls) != n {
		t.Fatalf("read-only made calls: %v", f.calls[n:])
	}
}

// Replies to older requests are dropped; the latest wins whatever the
// order they arrive in.
func TestPendingStaleReply(t *testing.T) {
	f := pendingQueue(3)
	c := testCommon(f)
	s := NewPendingScreen(c)
	first := s.Init()
	old := first()
	_, second := s.Update(bkey("ctrl+r"))
	delete(f.pending, "1795424400000-0")
	latest := second()
	s.Update(latest)
	s.Update(old)
	requireHides(t, s, "1795424400000-0")
	requireShows(t, s, "1795424400000-1")
	// Another screen's entry is not this screen's business.
	s.Update(EntryLoadedMsg{Screen: screenStream, Seq: 0, ID: "1-0"})
	requireHides(t, s, "Entry 1-0")
}

func TestPendingResize(t *testing.T) {
	f := pendingQueue(60)
	allPending(f, "bob")
	s, _ := started(t, NewPendingScreen, f, 100, 10) // 6 rows
	if n := len(s.(*PendingScreen).table.rows); n != 6 {
		t.Fatalf("%d rows at height 10", n)
	}
	s.SetSize(200, 60)
	_, cmd := s.Update(tea.WindowSizeMsg{Width: 200, Height: 64})
	if cmd == nil {
		t.Fatal("a taller screen should load a bigger page")
	}
	sdrive(t, s, cmd)
	if n := len(s.(*PendingScreen).table.rows); n != 56 {
		t.Fatalf("%d rows at height 60", n)
	}
	lines := strings.Split(plainView(s), "\n")
	if len(lines) != 60 {
		t.Fatalf("%d lines, want 60", len(lines))
	}
	for _, l := range lines {
		if w := len([]rune(l)); w > 200 {
			t.Fatalf("line of %d cells: %q", w, l)
		}
	}
	_, cmd = s.Update(tea.WindowSizeMsg{Width: 200, Height: 64})
	if cmd != nil {
		t.Fatal("the same size should not reload")
	}
}

// Live updates keep the selection where it was.
func TestPendingStatsReloadKeepsSelection(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "j", "j")
	_, cmd := s.Update(StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 3}}})
	if cmd != nil {
		t.Fatal("the first stats only set the baseline")
	}
	delete(f.pending, "1795424400000-0")
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 2}}})
	sdrive(t, s, cmd)
	requireHides(t, s, "1795424400000-0")
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-2") {
		t.Fatalf("selection moved: %q", got)
	}
}
