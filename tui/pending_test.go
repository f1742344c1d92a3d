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
		es = append(es, contact(fmt.Sprintf("1795424400000-%d", i), fmt.Sprintf("Sender %d", i), fmt.Sprintf("s%d@example.com", i), fmt.Sprintf("Hello number %d, about the invoice", i)))
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

// pendingStats are the numbers the header would have for pendingQueue(3).
func pendingStats() StatsLoadedMsg {
	return StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 3}, Consumers: []queue.ConsumerInfo{
		{Name: "alice", Pending: 1}, {Name: "bob", Pending: 1}, {Name: "carol", Pending: 1},
	}}}
}

// allPending makes every entry of f pending with owner.
func allPending(f *fakeQueue, owner string) {
	for _, e := range f.entries {
		f.pending[e.ID] = queue.PendingEntry{ID: e.ID, Consumer: owner, Idle: time.Minute, Deliveries: 1}
	}
}

// fakeHolder stands in for the Review screen: what it holds.
type fakeHolder struct{ m *queue.Claimed }

func (h *fakeHolder) Held() *queue.Claimed { return h.m }

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
	s, c := started(t, NewPendingScreen, f, 100, 6) // 3 rows a page
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
	requireShows(t, s, "page 4 (last)")
	requireStatus(t, c, "this is the last page")
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
	requireShows(t, s, "page 1")
	requireStatus(t, c, "this is the first page")
	if len(ps.stack) != 1 {
		t.Fatalf("stack %q", ps.stack)
	}
}

// A full last page gives a next cursor (as XPENDING does); the empty page
// after it keeps the last page on screen.
func TestPendingEmptyPageAfterFullPage(t *testing.T) {
	f := pendingQueue(6)
	allPending(f, "bob")
	s, c := started(t, NewPendingScreen, f, 100, 6)
	ps := s.(*PendingScreen)
	skeys(t, s, "pgdown")
	_, cmd := s.Update(PendingLoadedMsg{Seq: ps.seq + 1}) // stale: dropped
	if cmd != nil || ps.table.first() != "1795424400000-3" {
		t.Fatal("a stale reply was taken")
	}
	ps.next = "1795424400000-5" // as the real server does on a full page
	skeys(t, s, "pgdown")
	requireShows(t, s, "1795424400000-5")
	requireStatus(t, c, "this is the last page")
	if len(ps.stack) != 2 {
		t.Fatalf("stack %q", ps.stack)
	}
}

func TestPendingFilter(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	ps := s.(*PendingScreen)
	s.Update(pendingStats())

	skeys(t, s, "/")
	if !(s.Mode() != ModeNormal) {
		t.Fatal("the filter input should capture keys")
	}
	stype(t, s, "bob idle:5x")
	skeys(t, s, "enter")
	requireStatus(t, c, `filter: "idle:5x" is not a duration like idle:5m`)
	requireShows(t, s, "carol")
	if ps.filter != (pendingFilter{}) || !(s.Mode() != ModeNormal) {
		t.Fatal("a bad filter changed the filter or closed the input")
	}
	skeys(t, s, "esc")
	if (s.Mode() != ModeNormal) || ps.filter != (pendingFilter{}) {
		t.Fatal("esc should close the input and keep the old filter")
	}

	skeys(t, s, "/")
	stype(t, s, "consumer:")
	skeys(t, s, "enter")
	requireStatus(t, c, "filter: consumer: needs (part of) a name")
	skeys(t, s, "esc")

	// Part of a name, any case.
	skeys(t, s, "/")
	stype(t, s, "CAR 1h")
	skeys(t, s, "enter")
	if ps.filter.consumer != "CAR" || ps.filter.minIdle != time.Hour {
		t.Fatalf("filter %+v", ps.filter)
	}
	requireShows(t, s, "filter: CAR idle:1h0m0s (carol) · esc clears", "carol", "1 of 3 pending")
	requireHides(t, s, " bob ", " alice ")

	skeys(t, s, "/")
	if got := ps.input.Value(); got != "CAR idle:1h0m0s" {
		t.Fatalf("the input should start from the current filter, got %q", got)
	}
	skeys(t, s, "ctrl+u")
	stype(t, s, "idle:10h")
	skeys(t, s, "enter")
	requireShows(t, s, "Nothing pending matches the filter.")

	// A part of two names shows both, merged in ID order.
	skeys(t, s, "/", "ctrl+u")
	stype(t, s, "o")
	skeys(t, s, "enter")
	requireShows(t, s, "(bob, carol)", "2 of 3 pending", "1795424400000-0 bob", "1795424400000-2 carol")
	requireHides(t, s, " alice ")

	skeys(t, s, "esc") // clears the filter
	requireShows(t, s, "bob", "alice", "carol", "3 pending")
	requireHides(t, s, "filter:")
}

func TestParsePendingFilter(t *testing.T) {
	for in, want := range map[string]pendingFilter{
		"":                      {},
		"consumer:bob":          {consumer: "bob"},
		"bo":                    {consumer: "bo"},
		"idle:5m":               {minIdle: 5 * time.Minute},
		"90s":                   {minIdle: 90 * time.Second},
		"idle:1h30m consumer:x": {consumer: "x", minIdle: 90 * time.Minute},
		"ali 2m":                {consumer: "ali", minIdle: 2 * time.Minute},
	} {
		got, err := parsePendingFilter(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"idle:", "idle:-5m", "consumer:", "bob alice"} {
		if _, err := parsePendingFilter(in); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

// Claiming bob's entry asks first; n cancels, enter does nothing, y takes
// it and hands it to the screen that holds messages.
// The idle time the question gives is the one the list shows: one clock.
// The server's, fresher, is written into the list too.
func TestPendingIdleIsOneClock(t *testing.T) {
	f := pendingQueue(3)
	now := fixedNow
	c := testCommon(f)
	c.Now = func() time.Time { return now }
	s := NewPendingScreen(c)
	sdrive(t, s, s.Init())
	sdrive(t, s, func() tea.Msg { return VisibleMsg{Visible: true} })
	now = now.Add(6 * time.Second)
	s.Update(pendingTickMsg{})
	requireShows(t, s, "bob      18s") // 12s when read, 6s ago
	skeys(t, s, "c")
	// The server says 12s: bob kept it alive meanwhile.
	requireShows(t, s, "(idle 12s) — take it anyway? y/n", "bob      12s")
	skeys(t, s, "n")
	now = now.Add(3 * time.Second) // and it ticks on from there
	s.Update(pendingTickMsg{})
	requireShows(t, s, "bob      15s")
}

func TestPendingClaimConfirm(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "c")
	requireShows(t, s, "bob holds Sender 0's message (idle 12s) — take it anyway? y/n")
	if !(s.Mode() != ModeNormal) {
		t.Fatal("the question should capture y/n")
	}
	skeys(t, s, "n")
	requireStatus(t, c, "cancelled")
	requireHides(t, s, "take it anyway")
	if c := f.calls[len(f.calls)-1]; c != "claimid 1795424400000-0" {
		t.Fatalf("last call %q", c)
	}

	skeys(t, s, "c", "enter")
	requireShows(t, s, "take it anyway")
	if f.pending["1795424400000-0"].Consumer != "bob" {
		t.Fatal("enter confirmed")
	}
	out := skeys(t, s, "y")
	requireStatus(t, c, "claimed Sender 0's message: it is yours now, on Review")
	var handed *queue.Claimed
	for _, m := range out {
		if m, ok := m.(HandOverMsg); ok {
			handed = m.Message
		}
	}
	if handed == nil || handed.ID != "1795424400000-0" || handed.PreviousConsumer != "bob" {
		t.Fatalf("messages for the root: %#v", out)
	}
	if f.pending["1795424400000-0"].Consumer != "alice" {
		t.Fatal("not claimed")
	}
	if !strings.Contains(plainView(s), "1795424400000-0 alice") {
		t.Fatalf("the list did not reload:\n%s", plainView(s))
	}
}

// Claiming while a message is held on Review asks before handing it back.
func TestPendingClaimWhileHoldingAsks(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	mine := contact("1795424300000-0", "Ann", "ann@example.com", "held on Review")
	c.holder = &fakeHolder{m: &queue.Claimed{Entry: mine}}
	skeys(t, s, "j", "c")
	requireShows(t, s, "you hold Ann's message — hand it back and take Sender 1's message? y/n")
	if n := countCalls(f, "claimid"); n != 0 {
		t.Fatalf("claimed before the answer: %v", f.calls)
	}
	skeys(t, s, "esc")
	requireStatus(t, c, "cancelled")
	skeys(t, s, "c", "y")
	if n := countCalls(f, "claimid 1795424400000-1"); n != 1 {
		t.Fatalf("calls %v", f.calls)
	}
	requireStatus(t, c, "claimed Sender 1's message")
}

// alice's own entry is claimed (and acked) without a question.
func TestPendingOwnEntryAndAck(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "j", "c")
	requireStatus(t, c, "claimed Sender 1's message")

	skeys(t, s, "a") // alice's: no question
	requireStatus(t, c, "acked Sender 1's message")
	requireHides(t, s, "1795424400000-1 ")
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-2") {
		t.Fatalf("selection after the ack: %q", got)
	}

	skeys(t, s, "g", "a") // bob's: asks
	requireShows(t, s, "bob holds Sender 0's message — ack it anyway? y/n")
	skeys(t, s, "esc")
	requireStatus(t, c, "cancelled")
	requireShows(t, s, "1795424400000-0")
	skeys(t, s, "a", "y")
	requireStatus(t, c, "acked Sender 0's message")
	requireHides(t, s, "1795424400000-0 ")
}

// Acking the message Review holds tells Review to let it go.
func TestPendingAckOfTheHeldMessage(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	mine := f.entries[1]
	c.holder = &fakeHolder{m: &queue.Claimed{Entry: mine}}
	out := skeys(t, s, "j", "a")
	var done bool
	for _, m := range out {
		if m, ok := m.(HeldDoneMsg); ok && m.ID == mine.ID {
			done = true
		}
	}
	if !done {
		t.Fatalf("the holder was not told: %#v", out)
	}
}

func TestPendingOpen(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "enter")
	requireShows(t, s, "Entry 1795424400000-0", "Hello number 0, about the invoice", "Sent      2026-11-23 09:00:00 UTC")
	help := hints(s)
	for _, want := range []string{"c claim", "a ack", "y copy email", "esc back to the list"} {
		if !strings.Contains(help, want) {
			t.Fatalf("the open entry's help lacks %q: %s", want, help)
		}
	}
	skeys(t, s, "esc")
	requireShows(t, s, "> 1795424400000-0")

	// Deleted from the stream while pending.
	f.entries = f.entries[1:]
	skeys(t, s, "enter")
	requireShows(t, s, "(deleted from the stream while pending)")
}

func TestPendingErrors(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	f.failWith = &queue.Error{Op: "pending", Kind: queue.ErrUnreachable}
	skeys(t, s, "ctrl+r")
	requireStatus(t, c, "loading the pending list failed: server unreachable")
	requireShows(t, s, "bob", "carol")
	f.failWith = nil
	skeys(t, s, "ctrl+r")
	if c.statusText() != "" {
		t.Fatalf("the error stayed after the list loaded: %q", c.statusText())
	}
	f.failWith = &queue.Error{Op: "claim 1795424400000-0", Kind: queue.ErrTimeout}
	skeys(t, s, "c")
	requireStatus(t, c, "claiming Sender 0's message failed: server did not answer in time")
	f.failWith = errors.New("boom\x1b[31m\nsecond line")
	skeys(t, s, "a", "y")
	requireStatus(t, c, "acking Sender 0's message failed: boom second line")
	if strings.ContainsAny(c.statusText(), "\x1b\n") {
		t.Fatalf("error not one safe line: %q", c.statusText())
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
	requireStatus(t, c, "read-only session: claiming is off")
	skeys(t, s, "a")
	requireStatus(t, c, "read-only session: acking is off")
	if len(f.calls) != n {
		t.Fatalf("read-only made calls: %v", f.calls[n:])
	}
	if help := hints(s); strings.Contains(help, "claim") || strings.Contains(help, "ack") {
		t.Fatalf("a read-only session's help lists keys that do nothing: %s", help)
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
	second := keyCmd(s, "ctrl+r")
	delete(f.pending, "1795424400000-0")
	latest := second()
	s.Update(latest)
	s.Update(old)
	requireHides(t, s, "1795424400000-0")
	requireShows(t, s, "1795424400000-1")
	s.Update(EntryLoadedMsg{Seq: -1, ID: "1-0"})
	requireHides(t, s, "Entry 1-0")
}

func TestPendingResize(t *testing.T) {
	f := pendingQueue(60)
	allPending(f, "bob")
	s, _ := started(t, NewPendingScreen, f, 100, 10) // 7 rows
	if n := len(s.(*PendingScreen).table.rows); n != 7 {
		t.Fatalf("%d rows at height 10", n)
	}
	s.SetSize(200, 60)
	_, cmd := s.Update(tea.WindowSizeMsg{Width: 200, Height: 64})
	if cmd == nil {
		t.Fatal("a taller screen should load a bigger page")
	}
	sdrive(t, s, cmd)
	if n := len(s.(*PendingScreen).table.rows); n != 57 {
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

// Idle times tick while the list is on screen, without asking the server,
// and the heading says where the page is among how many.
func TestPendingIdleTicksAndTotals(t *testing.T) {
	f := pendingQueue(3)
	s, c := started(t, NewPendingScreen, f, 100, 24)
	now := fixedNow
	c.Now = func() time.Time { return now }
	s.Update(pendingStats())
	requireShows(t, s, "page 1 (last) · 3 pending", "12s")
	calls := len(f.calls)
	now = now.Add(50 * time.Second)
	_, cmd := s.Update(pendingTickMsg{})
	if cmd == nil {
		t.Fatal("the next tick was not planned")
	}
	requireShows(t, s, "1m02s", "4m02s", "2h05m")
	if len(f.calls) != calls {
		t.Fatalf("a tick called the server: %v", f.calls[calls:])
	}
	// Hidden, it stops.
	s.Update(VisibleMsg{Visible: false})
	if _, cmd := s.Update(pendingTickMsg{}); cmd != nil {
		t.Fatal("a hidden list keeps ticking")
	}
}

// y copies the selected sender's address to the terminal's clipboard
// (OSC 52) and says so.
func TestPendingCopyEmail(t *testing.T) {
	s, c := started(t, NewPendingScreen, pendingQueue(3), 100, 24)
	out := skeys(t, s, "j", "y")
	if len(out) != 1 || fmt.Sprint(out[0]) != "s1@example.com" || !strings.Contains(fmt.Sprintf("%T", out[0]), "Clipboard") {
		t.Fatalf("y gave %#v", out)
	}
	requireStatus(t, c, "copied s1@example.com (from Sender 1's message) to the clipboard")
}

// A click selects a row; the wheel moves the selection.
func TestPendingMouse(t *testing.T) {
	s, _ := started(t, NewPendingScreen, pendingQueue(3), 100, 24)
	// Line 0 is the heading, 1 the table's header, 2 the first row.
	s.Update(tea.MouseClickMsg{X: 10, Y: 4, Button: tea.MouseLeft})
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-2") {
		t.Fatalf("a click on the third row selected %q", got)
	}
	s.Update(tea.MouseWheelMsg{X: 10, Y: 4, Button: tea.MouseWheelUp})
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-1") {
		t.Fatalf("the wheel up selected %q", got)
	}
	s.Update(tea.MouseClickMsg{X: 10, Y: 20, Button: tea.MouseLeft}) // below the rows
	if got := selectedLine(s); !strings.HasPrefix(got, "> 1795424400000-1") {
		t.Fatalf("a click under the rows moved the selection to %q", got)
	}
}

// A part that matches more consumers than one filter reads says so.
func TestPendingFilterTooManyConsumers(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 160, 24)
	st := pendingStats()
	for i := range 10 {
		st.Stats.Consumers = append(st.Stats.Consumers, queue.ConsumerInfo{Name: fmt.Sprintf("desk:%02d", i)})
	}
	s.Update(st)
	skeys(t, s, "/")
	stype(t, s, "desk")
	skeys(t, s, "enter")
	requireShows(t, s, "desk:00, desk:01", "desk:07, and 2 more: type more of the name")
	requireHides(t, s, "desk:08")
}

// The idle filter scans the pending list in bounded steps: a page says how
// far the scan got, an empty stretch is not the end, and pgdn scans on.
func TestPendingIdleFilterScansInBoundedSteps(t *testing.T) {
	f := pendingQueue(5)
	allPending(f, "bob")
	last := f.entries[4].ID
	f.pending[last] = queue.PendingEntry{ID: last, Consumer: "bob", Idle: 3 * time.Hour, Deliveries: 1}
	f.scanLimit = 2
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	skeys(t, s, "/")
	for _, r := range "idle:2h" {
		skeys(t, s, string(r))
	}
	skeys(t, s, "enter")
	requireShows(t, s, "scanned 2 of 5", "None idle 2h00m or more among those scanned so far — pgdn scans on.")
	skeys(t, s, "pgdown")
	requireShows(t, s, "page 2", "scanned 4 of 5", "pgdn scans on")
	skeys(t, s, "pgdown")
	requireShows(t, s, "page 3 (last)", "scanned 5 of 5", "Sender 4")
	skeys(t, s, "pgup")
	requireShows(t, s, "page 2", "scanned 4 of 5")
}

// A filter matching several consumers merges their bounded scans without
// skipping what one of them has not scanned yet.
func TestPendingIdleFilterOverSeveralConsumers(t *testing.T) {
	f := pendingQueue(6)
	allPending(f, "bob")
	for _, i := range []int{1, 3, 5} {
		id := f.entries[i].ID
		f.pending[id] = queue.PendingEntry{ID: id, Consumer: "bobby", Idle: time.Minute, Deliveries: 1}
	}
	deep := f.entries[5].ID
	f.pending[deep] = queue.PendingEntry{ID: deep, Consumer: "bobby", Idle: 3 * time.Hour, Deliveries: 1}
	f.scanLimit = 2
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	s.Update(StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 6}, Consumers: []queue.ConsumerInfo{
		{Name: "bob", Pending: 3}, {Name: "bobby", Pending: 3},
	}}})
	skeys(t, s, "/")
	for _, r := range "consumer:bob idle:2h" {
		skeys(t, s, string(r))
	}
	skeys(t, s, "enter")
	requireShows(t, s, "scanned 4 of 6", "pgdn scans on")
	skeys(t, s, "pgdown")
	requireShows(t, s, "Sender 5", "(last)")
}

// A change the stats report while an entry is open shows once it closes,
// at the next stats, as on Stream.
func TestPendingCatchesUpAfterAnOpenEntry(t *testing.T) {
	f := pendingQueue(3)
	s, _ := started(t, NewPendingScreen, f, 100, 24)
	s.Update(StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 3}}})
	skeys(t, s, "enter")
	delete(f.pending, "1795424400000-0")
	_, cmd := s.Update(StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 2}}})
	sdrive(t, s, cmd)
	skeys(t, s, "esc")
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{Group: queue.GroupInfo{Pending: 2}}})
	sdrive(t, s, cmd)
	requireHides(t, s, "1795424400000-0")
}
