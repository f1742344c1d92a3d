package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
)

// streamQueue is a fake with n contact messages a second apart: the oldest
// three acked, the next two pending (bob, alice), the rest new.
func streamQueue(n int) *fakeQueue {
	var es []queue.Entry
	for i := range n {
		id := fmt.Sprintf("%d-0", 1795424400000+int64(i)*1000)
		es = append(es, contact(id, fmt.Sprintf("Sender %d", i), "s@example.com", fmt.Sprintf("Message %d about the order", i)))
	}
	f := newFakeQueue(es...)
	for i := 0; i < n && i < 3; i++ {
		f.acked[es[i].ID] = true
	}
	for i, who := range []string{"bob", "alice"} {
		if i+3 < n {
			f.pending[es[i+3].ID] = queue.PendingEntry{ID: es[i+3].ID, Consumer: who, Deliveries: 1}
		}
	}
	return f
}

func sid(i int) string { return fmt.Sprintf("%d-0", 1795424400000+int64(i)*1000) }

const hostileMessage = "Hi\x1b[31m red\x1b[0m \x1b]0;pwned\x07title\r\n" +
	"bidi: \u202egnirts desrever\u202c end\x08\x08\n" +
	"CJK: 日本語のメッセージ、幅の広い文字が折り返されても桁がずれないこと。\n" +
	"\x1b[2J\x1b[Hcleared? \x1bP1$qm\x1b\\ dcs \u009b31m c1 \x9b"

func TestStreamNeutralisesContent(t *testing.T) {
	f := streamQueue(3)
	f.entries = append(f.entries, contact("1795424460000-0", "Mallory\x1b[2J\x1b]0;pwned\x07", "m@evil.example\u202e", hostileMessage))
	f.pending["1795424460000-0"] = queue.PendingEntry{ID: "1795424460000-0", Consumer: "ev\x1b[5mil\u202e"}
	s, _ := started(t, NewStreamScreen, f, 100, 24)
	check := func(v string) {
		t.Helper()
		for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[H", "\x1b[5m", "\x1bP", "\u202e", "\u202c", "\x07", "\x08", "\r", "\u009b"} {
			if strings.Contains(v, bad) {
				t.Fatalf("%q reached the screen:\n%q", bad, v)
			}
		}
	}
	check(s.View())
	requireShows(t, s, "pending · evil")
	skeys(t, s, "enter")
	requireShows(t, s, "日本語のメッセージ")
	check(s.View())
}

func TestStreamRowsAndStates(t *testing.T) {
	s, _ := started(t, NewStreamScreen, streamQueue(8), 100, 24)
	requireShows(t, s,
		"Stream  "+sid(7)+" … "+sid(0)+" · newest first",
		sid(7)+" 2026-11-23 09:00:07 UTC new ",
		sid(4)+" 2026-11-23 09:00:04 UTC pending · alice ",
		sid(3)+" 2026-11-23 09:00:03 UTC pending · bob ",
		sid(0)+" 2026-11-23 09:00:00 UTC acked ",
		"Sender 7: Message 7 about the order",
	)
	empty, _ := started(t, NewStreamScreen, newFakeQueue(), 100, 24)
	requireShows(t, empty, "The stream is empty.")
}

func TestStreamPaging(t *testing.T) {
	f := streamQueue(23)
	s, c := started(t, NewStreamScreen, f, 100, 8) // 5 rows a page
	ss := s.(*StreamScreen)
	page := func() (string, string) { return ss.table.first(), ss.table.last() }
	requirePage := func(what string, first, last int) {
		t.Helper()
		if f, l := page(); f != sid(first) || l != sid(last) {
			t.Fatalf("%s: page %s … %s, want %s … %s", what, f, l, sid(first), sid(last))
		}
	}
	requirePage("newest", 22, 18)
	skeys(t, s, "pgdown")
	requirePage("older", 17, 13)
	skeys(t, s, "pgdown", "pgdown", "pgdown")
	requirePage("oldest by paging", 2, 0)
	if help := hints(s); strings.Contains(help, "pgdn") {
		t.Fatalf("pgdn offered on the oldest page: %s", help)
	}
	skeys(t, s, "pgdown")
	requirePage("past the oldest", 2, 0)
	requireStatus(t, c, "this is the oldest page")
	skeys(t, s, "pgup")
	requirePage("newer", 7, 3)
	skeys(t, s, "pgup", "pgup", "pgup")
	requirePage("back to the newest", 22, 18)
	skeys(t, s, "pgup") // nothing newer: the newest page again
	requirePage("newer than the newest", 22, 18)

	skeys(t, s, "G")
	requirePage("G", 4, 0)
	if got := selectedLine(s); !strings.HasPrefix(got, "> "+sid(0)) {
		t.Fatalf("G selects the oldest entry, got %q", got)
	}
	skeys(t, s, "pgup")
	requirePage("newer than the oldest page", 9, 5)
	skeys(t, s, "g")
	requirePage("g", 22, 18)

	// Newer with less than a page left reads the newest page.
	skeys(t, s, "pgdown")
	f.entries = f.entries[:20]
	skeys(t, s, "pgup")
	requirePage("fewer newer than a page", 19, 15)
}

func TestParseJump(t *testing.T) {
	for in, want := range map[string]string{
		"1795424400000-3":           "1795424400000-3",
		"  1795424400000  ":         "1795424400000",
		"2026-11-23T09:00:00Z":      "1795424400000",
		"2026-11-23T10:00:00+01:00": "1795424400000",
		"2026-11-23T09:00:00.5Z":    "1795424400500",
		"2026-11-23 09:00":          "1795424400000",
		"2026-11-23 09:00:30":       "1795424430000",
		"2026-11-23":                "1795392000000",
	} {
		got, err := parseJump(in, time.UTC)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "1-2-3", "-5", "2026-13-40", "1960-01-01", "99999999999999999999999"} {
		if got, err := parseJump(in, time.UTC); err == nil {
			t.Errorf("%q: %q, want an error", in, got)
		}
	}
	// A time without a zone is the viewer's, as the screen writes them.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	if got, err := parseJump("2026-11-23 10:00", paris); err != nil || got != "1795424400000" {
		t.Errorf("a Paris time: %q %v", got, err)
	}
}

func TestStreamJump(t *testing.T) {
	f := streamQueue(23)
	s, c := started(t, NewStreamScreen, f, 100, 8)
	ss := s.(*StreamScreen)

	skeys(t, s, ":")
	if !(s.Mode() != ModeNormal) {
		t.Fatal("the jump input should capture keys")
	}
	stype(t, s, "next tuesday")
	skeys(t, s, "enter")
	requireStatus(t, c, `jump: "next tuesday" is not an ID`)
	requireShows(t, s, sid(22))
	if !(s.Mode() != ModeNormal) {
		t.Fatal("a bad jump should keep the input for correcting")
	}
	skeys(t, s, "esc")

	skeys(t, s, ":")
	stype(t, s, sid(10))
	skeys(t, s, "enter")
	if ss.table.first() != sid(10) || ss.table.last() != sid(6) {
		t.Fatalf("jump to an ID: %s … %s", ss.table.first(), ss.table.last())
	}
	skeys(t, s, ":")
	stype(t, s, "2026-11-23 09:00:15") // entry 15 is at 09:00:15
	skeys(t, s, "enter")
	if ss.table.first() != sid(15) {
		t.Fatalf("jump to a time: %s", ss.table.first())
	}
	skeys(t, s, ":")
	stype(t, s, "2026-11-22") // before everything: keeps the page
	skeys(t, s, "enter")
	requireStatus(t, c, "nothing at or before that point")
	if ss.table.first() != sid(15) {
		t.Fatalf("an empty jump lost the page: %s", ss.table.first())
	}
}

// A time typed to jump to is read in the viewer's zone.
func TestStreamJumpReadsTheViewersZone(t *testing.T) {
	f := streamQueue(23)
	c := testCommon(f)
	c.Location = time.FixedZone("JST", 9*3600)
	c.Width, c.Height = 100, 8
	s := NewStreamScreen(c)
	sdrive(t, s, s.Init())
	skeys(t, s, ":")
	stype(t, s, "2026-11-23 18:00:15") // 09:00:15 UTC: entry 15
	skeys(t, s, "enter")
	if first := s.(*StreamScreen).table.first(); first != sid(15) {
		t.Fatalf("jumped to %s, want %s", first, sid(15))
	}
	requireShows(t, s, "2026-11-23 18:00:15 JST")
}

func TestStreamFilter(t *testing.T) {
	f := streamQueue(8)
	f.entries[5] = contact(sid(5), "Zoë", "zoe@example.com", "A FOOBAR question")
	s, _ := started(t, NewStreamScreen, f, 100, 24)
	calls := len(f.calls)
	skeys(t, s, "/")
	stype(t, s, "foo")
	requireShows(t, s, "filter: foo", "1 of 8 · enter searches the stream", "Zoë: A FOOBAR question")
	requireHides(t, s, "Sender 7")
	skeys(t, s, "down") // to the page's rows, the filter on
	requireShows(t, s, "filter: foo (1 of 8 on this page) · esc clears")
	if got := selectedLine(s); !strings.HasPrefix(got, "> "+sid(5)) {
		t.Fatalf("selected %q", got)
	}
	skeys(t, s, "esc")
	requireShows(t, s, "Sender 7")
	requireHides(t, s, "filter:")

	skeys(t, s, "/")
	stype(t, s, "pending · bob")
	requireShows(t, s, "1 of 8 · enter")
	skeys(t, s, "esc") // esc while typing clears too
	requireShows(t, s, "Sender 7")
	skeys(t, s, "/")
	stype(t, s, "nothing like it")
	requireShows(t, s, "Nothing on this page matches the filter.", "0 of 8 · enter")
	if len(f.calls) != calls {
		t.Fatalf("the filter made calls: %v", f.calls[calls:])
	}
}

func TestStreamOpenAndErrors(t *testing.T) {
	f := streamQueue(8)
	s, c := started(t, NewStreamScreen, f, 100, 24)
	skeys(t, s, "j", "enter")
	requireShows(t, s, "Entry "+sid(6), "From      Sender 6", "Message 6 about the order")
	skeys(t, s, "esc")
	requireShows(t, s, "> "+sid(6))

	f.failWith = &queue.Error{Op: "range", Kind: queue.ErrUnreachable}
	skeys(t, s, "ctrl+r")
	requireStatus(t, c, "loading the stream failed: server unreachable")
	requireShows(t, s, sid(7), "> "+sid(6))
	skeys(t, s, "enter")
	requireStatus(t, c, "opening "+sid(6)+" failed: server unreachable")
	requireHides(t, s, "Entry ")
	// Back online, the next call that goes through withdraws the error.
	f.failWith = nil
	skeys(t, s, "ctrl+r")
	requireShows(t, s, "> "+sid(6))
	if c.statusText() != "" {
		t.Fatalf("the error outlived its cause: %q", c.statusText())
	}
}

func TestStreamStaleAndResize(t *testing.T) {
	f := streamQueue(30)
	c := testCommon(f)
	c.Height = 8
	s := NewStreamScreen(c)
	sdrive(t, s, s.Init())
	oldCmd := keyCmd(s, "g")
	newCmd := keyCmd(s, "G")
	newest, oldest := oldCmd(), newCmd()
	s.Update(oldest)
	s.Update(newest) // stale
	if first := s.(*StreamScreen).table.first(); first != sid(4) {
		t.Fatalf("the stale reply won: %s", first)
	}
	s.SetSize(200, 60)
	_, cmd := s.Update(tea.WindowSizeMsg{Width: 200, Height: 64})
	sdrive(t, s, cmd)
	// The oldest page grows from its top: nothing older to show.
	if n := len(s.(*StreamScreen).table.rows); n != 5 {
		t.Fatalf("%d rows after growing", n)
	}
	skeys(t, s, "g")
	if n := len(s.(*StreamScreen).table.rows); n != 30 {
		t.Fatalf("%d rows on the newest page", n)
	}
	if n := strings.Count(plainView(s), "\n") + 1; n != 60 {
		t.Fatalf("%d lines", n)
	}
}

// A refresh on the newest page shows arrivals and keeps the selection on
// the same entry; elsewhere it keeps the page.
func TestStreamRefreshShowsArrivals(t *testing.T) {
	f := streamQueue(10)
	s, _ := started(t, NewStreamScreen, f, 100, 8)
	skeys(t, s, "j", "j")
	f.entries = append(f.entries, contact(sid(10), "New", "n@example.com", "just arrived"))
	_, cmd := s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 10}})
	sdrive(t, s, cmd)
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 11}})
	sdrive(t, s, cmd)
	requireShows(t, s, sid(10), "just arrived")
	if got := selectedLine(s); !strings.HasPrefix(got, "> "+sid(7)) {
		t.Fatalf("selection moved: %q", got)
	}
	skeys(t, s, "pgdown")
	f.entries = append(f.entries, contact(sid(11), "Newer", "n@example.com", "again"))
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 12}})
	sdrive(t, s, cmd)
	if first := s.(*StreamScreen).table.first(); first != sid(5) {
		t.Fatalf("an older page moved on refresh: %s", first)
	}
}

// A detail view's footer lists what works there; the list's help lists
// esc only while there is a filter to clear, and pgup only off the newest
// page.
func TestStreamHelpListsOnlyWorkingKeys(t *testing.T) {
	paged, _ := started(t, NewStreamScreen, streamQueue(40), 100, 12)
	if help := hints(paged); strings.Contains(help, "pgup") || !strings.Contains(help, "pgdn older page") {
		t.Fatalf("on the newest page: %s", help)
	}
	skeys(t, paged, "pgdown")
	if help := hints(paged); !strings.Contains(help, "pgup newer page") {
		t.Fatalf("on an older page: %s", help)
	}
	skeys(t, paged, "pgup")
	if help := hints(paged); strings.Contains(help, "pgup") {
		t.Fatalf("back on the newest page: %s", help)
	}
	skeys(t, paged, "pgup")
	requireStatus(t, commonOf(paged), "this is the newest page")

	s, _ := started(t, NewStreamScreen, streamQueue(8), 100, 24)
	if help := hints(s); strings.Contains(help, "esc") {
		t.Fatalf("esc listed with nothing to back out of: %s", help)
	}
	skeys(t, s, "/")
	stype(t, s, "Sender")
	if help := hints(s); help != "enter search the whole stream · ↑/↓ pick from the page · esc clear" {
		t.Fatalf("while typing a filter: %s", help)
	}
	skeys(t, s, "down")
	if help := hints(s); !strings.Contains(help, "esc clear filter") {
		t.Fatalf("esc not listed with a filter on: %s", help)
	}
	skeys(t, s, "enter")
	help := hints(s)
	for _, want := range []string{"y copy email", "esc back to the list"} {
		if !strings.Contains(help, want) {
			t.Fatalf("the open entry's help lacks %q: %s", want, help)
		}
	}
	if strings.Contains(help, "filter") || strings.Contains(help, "jump") || strings.Contains(help, "scroll") {
		t.Fatalf("the open entry's help lists keys that do nothing there (it fits): %s", help)
	}
	skeys(t, s, "esc", "esc")
	requireHides(t, s, "filter:", "Entry ")
}

// A message the sanitiser had to change says so, in the list and open.
func TestStreamMarksHostileContent(t *testing.T) {
	f := streamQueue(3)
	f.entries = append(f.entries, contact("1795424460000-0", "Mallory", "m@evil.example", "hi\x1b[2Jthere"))
	s, _ := started(t, NewStreamScreen, f, 100, 24)
	requireShows(t, s, "⚠ Mallory: hithere")
	requireHides(t, s, "⚠ Sender")
	skeys(t, s, "enter")
	requireShows(t, s, "⚠ control sequences removed", "From      Mallory")
	skeys(t, s, "esc", "j", "enter")
	requireHides(t, s, "control sequences removed")
}

// Entries before the group's start were never delivered: skipped, not new
// and not acked.
func TestStreamShowsSkippedEntries(t *testing.T) {
	f := streamQueue(1)
	f.acked = map[string]bool{}
	f.skipped = map[string]bool{sid(0): true}
	s, _ := started(t, NewStreamScreen, f, 100, 24)
	requireShows(t, s, "skipped")
	if v := s.View(); strings.Contains(v, "acked") || strings.Contains(v, " new ") {
		t.Fatalf("a skipped entry shown as another state:\n%s", v)
	}
}

// A reclaim moves a message from one consumer to another without changing
// any total: the page shows the new holder all the same.
func TestStreamRefreshShowsANewHolder(t *testing.T) {
	f := streamQueue(5)
	s, _ := started(t, NewStreamScreen, f, 100, 12)
	stats := func(bob, alice int64) StatsLoadedMsg {
		return StatsLoadedMsg{Stats: queue.Stats{Length: 5, Group: queue.GroupInfo{Pending: 2}, Consumers: []queue.ConsumerInfo{
			{Name: "alice", Pending: alice}, {Name: "bob", Pending: bob}}}}
	}
	_, cmd := s.Update(stats(1, 1))
	sdrive(t, s, cmd)
	requireShows(t, s, "pending · bob")
	f.pending[sid(3)] = queue.PendingEntry{ID: sid(3), Consumer: "alice", Deliveries: 2}
	_, cmd = s.Update(stats(0, 2))
	sdrive(t, s, cmd)
	if v := plainView(s); strings.Contains(v, "pending · bob") {
		t.Fatalf("the page still shows bob holding it:\n%s", v)
	}
}

// Arrivals the stats report while a prompt is open are shown once it
// closes, at the next stats: the change is not spent on a screen that
// could not reload then (the page stayed "The stream is empty." under a
// header that said 40).
func TestStreamCatchesUpAfterAPrompt(t *testing.T) {
	f := streamQueue(10)
	s, _ := started(t, NewStreamScreen, f, 100, 16)
	s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 10}})
	skeys(t, s, ":")
	f.entries = append(f.entries, contact(sid(10), "New", "n@example.com", "just arrived"))
	_, cmd := s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 11}})
	sdrive(t, s, cmd)
	requireHides(t, s, "just arrived") // the prompt is not pulled from under the reviewer
	skeys(t, s, "esc")
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 11}})
	sdrive(t, s, cmd)
	requireShows(t, s, sid(10), "just arrived")
}

// An empty page says so, without column headings run together into a
// line of words ("ID time state preview").
func TestStreamEmptyWithoutHeadings(t *testing.T) {
	s, _ := started(t, NewStreamScreen, newFakeQueue(), 100, 24)
	requireShows(t, s, "Stream\nThe stream is empty.")
	d, _ := started(t, NewDeadScreen, newFakeQueue(), 100, 24)
	requireShows(t, d, "Dead letters\nNo dead letters.")
}

// At 60×16, ? still lists every key that works: the scroll keys and
// ctrl+r, which no longer fit as a column of their own, go under the
// global ones instead of being left out.
func TestFullHelpAt60KeepsEveryKey(t *testing.T) {
	a := newTestApp(t, testDeps(streamQueue(30)))
	a.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	press(t, a, "4", "down", "?")
	requireContains(t, a, "↑/k", "↓/j", "ctrl+r", "refresh", "shift+tab", "? help", "q quit", "/     filter / search")
	for _, l := range strings.Split(screenText(a), "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("a line wider than the window: %q", l)
		}
	}
}
