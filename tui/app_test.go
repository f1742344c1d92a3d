package tui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"charm.land/bubbles/v2/cursor"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/reviewq/reviewq/queue"
)

// testDeps are the deps of a console on a fake queue with the golden clock,
// in UTC.
func testDeps(q Queue) Deps {
	return Deps{
		Queue: q, Server: "127.0.0.1:6379", Stream: "contact-messages", Group: "contact-processors",
		Consumer: "alice", ReclaimAfter: time.Minute, Now: func() time.Time { return fixedNow },
		Location: time.UTC,
	}
}

// newTestApp is a console at the golden size, started: its Init commands
// have run and their results are in.
func newTestApp(t testing.TB, d Deps) *App {
	t.Helper()
	return startedApp(t, New(d))
}

// startedApp sizes a at the golden size, with the unit tests' timers, and
// runs its Init.
func startedApp(t testing.TB, a *App) *App {
	t.Helper()
	a.c.timer = fakeTimer
	a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	run(t, a, a.Init())
	return a
}

// testApp is a console for unit tests, not started: its timers are the
// unit tests' (fakeTimer).
func testApp(d Deps) *App {
	a := New(d)
	a.c.timer = fakeTimer
	return a
}

// run executes cmd the way Bubble Tea would, feeding every message back into
// m, round after round, until none is left: a test sees every consequence
// of one action. Timers (fakeTimer) and cursor blinks are not waited for:
// they are dropped. It reports whether m asked to quit.
func run(t testing.TB, m tea.Model, cmd tea.Cmd) (quit bool) {
	t.Helper()
	quit, _ = runAll(t, m, cmd)
	return quit
}

// runTimers is run, and returns the timers it dropped.
func runTimers(t testing.TB, m tea.Model, cmd tea.Cmd) []timerFired {
	t.Helper()
	_, timers := runAll(t, m, cmd)
	return timers
}

func runAll(t testing.TB, m tea.Model, cmd tea.Cmd) (quit bool, timers []timerFired) {
	t.Helper()
	pending := []tea.Cmd{cmd}
	for round := 0; len(pending) > 0; round++ {
		if round > 50 {
			t.Fatal("commands keep coming")
		}
		results := make(chan tea.Msg, len(pending))
		n := 0
		for _, c := range pending {
			if c == nil {
				continue
			}
			n++
			go func() { results <- c() }()
		}
		pending = nil
		for ; n > 0; n-- {
			switch msg := (<-results).(type) {
			case nil:
			case tea.QuitMsg:
				quit = true
			case tea.BatchMsg:
				pending = append(pending, msg...)
			default:
				if cmds, ok := sequence(msg); ok {
					pending = append(pending, cmds...) // in order or not, the fakes do not mind
					continue
				}
				if f, ok := msg.(timerFired); ok {
					timers = append(timers, f)
				}
				if sm, ok := msg.(ScreenMsg); ok {
					if f, ok := sm.Msg.(timerFired); ok {
						timers = append(timers, f)
					}
				}
				if dropped(msg) {
					continue
				}
				_, next := m.Update(msg)
				pending = append(pending, next)
			}
		}
	}
	return quit, timers
}

// sequence is the Cmds of tea.Sequence's message, whose type is not
// exported.
func sequence(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	cmds := make([]tea.Cmd, v.Len())
	for i := range cmds {
		cmds[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return cmds, true
}

// dropped is a message the unit tests' helpers do not deliver: a timer's,
// or a cursor's blink, which would blink again.
func dropped(msg tea.Msg) bool {
	if sm, ok := msg.(ScreenMsg); ok {
		msg = sm.Msg
	}
	if _, ok := msg.(timerFired); ok {
		return true
	}
	return reflect.TypeOf(msg).PkgPath() == cursorPackage
}

var cursorPackage = reflect.TypeFor[cursor.BlinkMsg]().PkgPath()

// collect runs cmd and what it batches, and returns their messages
// without handing them to anyone.
func collect(t testing.TB, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	runCmds(t, cmd, func(msg tea.Msg) tea.Cmd {
		out = append(out, msg)
		return nil
	})
	return out
}

// runCmds runs cmd as Bubble Tea would, one command at a time, with what
// its batches and sequences hold; each message that is not one of those
// goes to handle, and the command handle returns runs next in turn.
func runCmds(t testing.TB, cmd tea.Cmd, handle func(tea.Msg) tea.Cmd) {
	t.Helper()
	todo := []tea.Cmd{cmd}
	for n := 0; len(todo) > 0; n++ {
		if n > 1000 {
			t.Fatal("commands keep coming")
		}
		c := todo[0]
		todo = todo[1:]
		if c == nil {
			continue
		}
		msg := c()
		if cmds, ok := sequence(msg); ok {
			todo = append(todo, cmds...)
			continue
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			todo = append(todo, msg...)
		default:
			todo = append(todo, handle(msg))
		}
	}
}

// inBubble runs a unit test on a fake clock (testing/synctest): a
// component's own timer (huh's cursor blink) passes at once instead of
// after half a second, and the helpers can still wait for every Cmd.
func inBubble(t *testing.T, test func(t *testing.T)) { synctest.Test(t, test) }

// keyOf is the key that brings screen id to the front.
func keyOf(a *App, id ScreenID) string {
	return a.c.keys.keys(screenAction(id), ModeNormal)[0]
}

// screenOf is a's screen id.
func screenOf[S Screen](a *App, id ScreenID) S { return a.screens[a.index(id)].(S) }

// activeID is the screen in front.
func activeOf(a *App) ScreenID { return a.entries[a.active].ID }

// keyMsg is a key press as Bubble Tea delivers it: "c", "enter", "ctrl+s"…
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// press sends keys one by one, running what each returns; it reports
// whether the last one quit.
func press(t testing.TB, m tea.Model, keys ...string) (quit bool) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		quit = run(t, m, cmd)
	}
	return quit
}

// typeText types s one rune at a time, then runs what the keys returned.
func typeText(t testing.TB, m tea.Model, s string) {
	t.Helper()
	var cmds []tea.Cmd
	for _, r := range s {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		cmds = append(cmds, cmd)
	}
	run(t, m, tea.Batch(cmds...))
}

func screenText(a *App) string { return ansi.Strip(a.View().Content) }

func requireContains(t testing.TB, a *App, want ...string) {
	t.Helper()
	got := screenText(a)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("screen lacks %q:\n%s", w, got)
		}
	}
}

func requireLacks(t testing.TB, a *App, unwanted ...string) {
	t.Helper()
	got := screenText(a)
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Fatalf("screen shows %q:\n%s", w, got)
		}
	}
}

func TestAppOpensOnReviewWithHeader(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact("1795426200000-0", "Ann", "ann@example.com", "hello"))
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "127.0.0.1:6379", "contact-messages/contact-processors", "alice",
		"● connected", "length 1", "pending 0", "lag 1", "dead letters 0",
		"1 Review", "2 Compose", "3 Pending", "4 Stream", "5 Dead letters",
		"1 new message waiting — press c to claim", "c claim")
	if lines := strings.Count(screenText(a), "\n") + 1; lines != 30 {
		t.Fatalf("frame is %d lines, want 30", lines)
	}
}

func TestAppGlobalKeysSwitchScreens(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		a := newTestApp(t, testDeps(newFakeQueue()))
		// Each screen's key brings it to the front, in the list's order.
		for i, e := range a.entries {
			press(t, a, keyOf(a, e.ID))
			if a.active != i {
				t.Fatalf("after %q the active screen is %s, want %s", keyOf(a, e.ID), activeOf(a), e.ID)
			}
			if e.ID == composeID {
				press(t, a, "esc") // keys are text there: esc leaves
			}
		}
		last := a.entries[len(a.entries)-1].ID
		for _, tc := range []struct {
			key  string
			want ScreenID
		}{{"tab", a.entries[0].ID}, {"shift+tab", last}, {keyOf(a, reviewID), reviewID}, {"n", composeID}} {
			press(t, a, tc.key)
			if activeOf(a) != tc.want {
				t.Fatalf("after %q the active screen is %s, want %s", tc.key, activeOf(a), tc.want)
			}
		}
		// Compose captures: tab moves between fields, esc goes back.
		press(t, a, "tab")
		if activeOf(a) != composeID {
			t.Fatalf("tab left Compose")
		}
		press(t, a, "esc")
		if activeOf(a) != reviewID {
			t.Fatalf("esc in Compose went to %s, not Review where it came from", activeOf(a))
		}
		// The digits go as far as the list: the one after the last is nothing.
		press(t, a, fmt.Sprint(len(a.entries)+1))
		if activeOf(a) != reviewID {
			t.Fatalf("%d switched to %s", len(a.entries)+1, activeOf(a))
		}
	})
}

func TestAppQuitKeys(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		a := newTestApp(t, testDeps(newFakeQueue()))
		if !press(t, a, "q") {
			t.Fatal("q did not quit")
		}
		if !press(t, a, "ctrl+c") {
			t.Fatal("ctrl+c did not quit")
		}
		press(t, a, "n")
		if press(t, a, "q") {
			t.Fatal("q quit from Compose instead of typing")
		}
		if !press(t, a, "ctrl+c") {
			t.Fatal("ctrl+c did not quit from Compose")
		}
	})
}

func TestAppHelpToggle(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	requireLacks(t, a, "prev screen")
	press(t, a, "?")
	requireContains(t, a, "c claim", "prev screen", "compose", "? help", "q quit")
	if lines := strings.Count(screenText(a), "\n") + 1; lines != 30 {
		t.Fatalf("frame with full help is %d lines, want 30", lines)
	}
	press(t, a, "?")
	requireLacks(t, a, "prev screen")
}

func TestAppResize(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	a.Update(tea.WindowSizeMsg{Width: 40, Height: 10})
	got := screenText(a)
	// Wrapped to the window, it says which size is needed.
	if flat := strings.Join(strings.Fields(got), " "); flat != "This window is 40×10: reviewq needs at least 60×16. Make it larger, or the text smaller." {
		t.Fatalf("too small: %q", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if ansi.StringWidth(l) > 40 {
			t.Fatalf("too small, and wider than the window: %q", got)
		}
	}
	a.Update(tea.WindowSizeMsg{Width: 20, Height: 3})
	if got := screenText(a); strings.Count(got, "\n") > 2 || !strings.HasPrefix(got, "This window is 20×3:") {
		t.Fatalf("too small, 20×3: %q", got)
	}
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	got = screenText(a)
	if lines := strings.Count(got, "\n") + 1; lines != 40 {
		t.Fatalf("frame is %d lines, want 40", lines)
	}
	for i, l := range strings.Split(got, "\n") {
		if w := ansi.StringWidth(l); w > 120 {
			t.Fatalf("line %d is %d cells wide: %q", i, w, l)
		}
	}
	if a.c.Width != 120 || a.c.Height != 40-5 {
		t.Fatalf("body is %d×%d, want 120×35", a.c.Width, a.c.Height)
	}
}

func TestAppOfflineKeepsNumbers(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact("1795426200000-0", "Ann", "ann@example.com", "hello"))
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "● connected", "length 1")
	q.setFail(&queue.Error{Op: "stats", Kind: queue.ErrUnreachable})
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "○ offline: server unreachable", "length 1")
	q.setFail(nil)
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "● connected")
	requireLacks(t, a, "offline")
}

func TestAppLagUnknown(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 4, Group: queue.GroupInfo{Lag: -1}}})
	requireContains(t, a, "lag ?", "New messages may be waiting (4 in the stream)")
}

// Messages trimmed before anyone read them are said in the header; none,
// or a server that cannot tell, says nothing there.
func TestAppTrimmedUnread(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	for _, n := range []int64{-1, 0} {
		a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 4, TrimmedUnread: n}})
		requireContains(t, a, "length 4")
		requireLacks(t, a, "lost unread")
	}
	a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 4, TrimmedUnread: 1234}})
	requireContains(t, a, "dead letters 0  1,234 lost unread")
}

func TestAppStatusLine(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	a.Update(StatusMsg{Text: "the desk restarts at 18:00\x1b[31m"})
	requireContains(t, a, "the desk restarts at 18:00")
	if strings.Contains(a.View().Content, "\x1b[31m") {
		t.Fatal("the status line echoed an escape sequence")
	}
	a.Update(StatusMsg{Text: "shutting down", Error: true})
	requireContains(t, a, "shutting down")
	a.Update(statusFadeMsg{gen: a.c.notes[""].gen})
	requireContains(t, a, "shutting down") // errors do not fade
}

// A note fades after a few seconds; the timer of an older note does not
// clear a newer one.
func TestAppStatusFades(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	press(t, a, "c")
	_, cmd := a.Update(keyMsg("r"))
	var fade statusFadeMsg
	for _, f := range runTimers(t, a, cmd) {
		if m, ok := f.msg.(statusFadeMsg); ok {
			fade = m
		}
	}
	requireContains(t, a, "released Ann's message")
	if fade.gen == 0 || fade.screen != reviewID {
		t.Fatal("no fade planned for the note")
	}
	a.Update(statusFadeMsg{screen: reviewID, gen: fade.gen - 1})
	requireContains(t, a, "released Ann's message")
	a.Update(fade)
	requireLacks(t, a, "released Ann's message")
}

// A failed page caused by a lost connection stays on the status line
// until the header reaches the server again.
func TestAppConnectionErrorClearsWhenBack(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact("1795426200000-0", "Ann", "ann@example.com", "hello"))
	a := newTestApp(t, testDeps(q))
	press(t, a, keyOf(a, streamID))
	q.setFail(&queue.Error{Op: "stream", Kind: queue.ErrUnreachable, Cause: errors.New("dial tcp: connection refused")})
	press(t, a, "ctrl+r")
	requireContains(t, a, "loading the stream failed: server unreachable")
	a.Update(statusFadeMsg{screen: streamID, gen: a.c.notes[streamID].gen})
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "○ offline", "loading the stream failed")
	q.setFail(nil)
	run(t, a, statsCmd(a.c))
	requireContains(t, a, "● connected")
	requireLacks(t, a, "loading the stream failed")
}

// A reply goes to the screen that asked, and to no other.
func TestAppRoutesRepliesToTheScreenThatAsked(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(pendingQueue(3)))
	press(t, a, keyOf(a, pendingID), "enter") // Pending opens its selected entry…
	pending := screenOf[*PendingScreen](a, pendingID)
	stream := screenOf[*StreamScreen](a, streamID)
	if !pending.detail.open {
		t.Fatal("Pending did not open the entry")
	}
	// …and Stream, at the same open sequence number, never sees it.
	if stream.detail.open {
		t.Fatal("the reply reached the Stream screen too")
	}
	// A reply addressed to Stream goes to Stream alone.
	_, cmd := a.Update(ScreenMsg{ID: streamID, Msg: EntryLoadedMsg{Seq: stream.openSeq, ID: "1795424400000-2", Entry: contact("1795424400000-2", "X", "x@example.com", "routed")}})
	run(t, a, cmd)
	if !stream.detail.open || pending.detail.id != "1795424400000-0" {
		t.Fatalf("misrouted: stream open %v, pending shows %q", stream.detail.open, pending.detail.id)
	}
}

// The screens are a list: tabs, digits and the help's 1-N come from it.
func TestAppScreensComeFromTheList(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	if len(a.screens) != len(screenList) {
		t.Fatalf("%d screens, list of %d", len(a.screens), len(screenList))
	}
	for i := range a.screens {
		requireContains(t, a, a.tabLabel(i))
	}
	requireContains(t, a, fmt.Sprintf("1-%d screens", len(screenList)))
}

// q while a message is held asks first and says the message stays
// pending; only y quits.
func TestAppQuitWhileHoldingAsks(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	press(t, a, "c")
	if press(t, a, "q") {
		t.Fatal("q quit at once while holding a message")
	}
	requireContains(t, a, "quit? Ann's message stays pending; offered again after 1m00s", "y quit", "n/esc stay")
	if press(t, a, "enter") || press(t, a, "n") {
		t.Fatal("enter or n quit")
	}
	requireLacks(t, a, "quit?")
	requireContains(t, a, "ate my message")
	press(t, a, "q")
	if !press(t, a, "y") {
		t.Fatal("y did not quit")
	}
}

// The SSH desk's idle warning counts down on the status line and goes
// when withdrawn.
func TestAppIdleWarning(t *testing.T) {
	t.Parallel()
	now := fixedNow
	d := testDeps(newFakeQueue())
	d.Now = func() time.Time { return now }
	a := newTestApp(t, d)
	_, cmd := a.Update(IdleWarningMsg{Left: 45 * time.Second})
	if cmd == nil {
		t.Fatal("no countdown tick")
	}
	requireContains(t, a, "no key pressed for a while: this session closes in 0:45 — press any key to stay")
	now = now.Add(5 * time.Second)
	_, cmd = a.Update(idleTickMsg{gen: a.idle.gen})
	if cmd == nil {
		t.Fatal("the countdown stopped")
	}
	requireContains(t, a, "closes in 0:40")
	a.Update(IdleWarningMsg{Left: 0})
	requireLacks(t, a, "closes in")
	if _, cmd := a.Update(idleTickMsg{gen: a.idle.gen - 1}); cmd != nil {
		t.Fatal("an old countdown kept ticking")
	}
}

// Every call's context comes from the session's: a closed session ends a
// call at once, not at its deadline.
func TestAppCallsUseTheSessionContext(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	q.statsBlock = true
	ctx, cancel := context.WithCancel(context.Background())
	d := testDeps(q)
	d.Context, d.Timeout = ctx, time.Hour
	a := New(d)
	done := make(chan tea.Msg, 1)
	go func() { done <- statsCmd(a.c)() }()
	cancel()
	// With an hour's deadline, only the session's end can end the call.
	if err := (<-done).(StatsLoadedMsg).Err; !errors.Is(err, context.Canceled) {
		t.Fatalf("the call ended with %v", err)
	}
}

// Tabs are clickable; clicks and the wheel in the body go to the screen
// in front, counted from the body's top.
func TestAppMouse(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(pendingQueue(3)))
	if v := a.View(); v.MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the mouse is not on")
	}
	// The middle of a tab, as the tab line draws it.
	tab := func(id ScreenID) int {
		for _, sp := range a.tabLayout() {
			if a.entries[sp.i].ID == id {
				return sp.x + sp.w/2
			}
		}
		t.Fatalf("no %s tab at %d columns", id, a.width)
		return 0
	}
	if x := strings.Index(strings.Split(screenText(a), "\n")[headerLines], "3 Pending"); x < 0 || tab(pendingID) < x || tab(pendingID) > x+len("3 Pending") {
		t.Fatalf("the Pending tab is not where it is drawn: x %d, drawn at %d", tab(pendingID), x)
	}
	_, cmd := a.Update(tea.MouseClickMsg{X: tab(pendingID), Y: 2, Button: tea.MouseLeft})
	run(t, a, cmd)
	if activeOf(a) != pendingID {
		t.Fatalf("a click on the Pending tab showed %s", activeOf(a))
	}
	// The body starts at line 3: its heading, the table's header, rows.
	a.Update(tea.MouseClickMsg{X: 4, Y: bodyTop + 3, Button: tea.MouseLeft})
	if got := screenOf[*PendingScreen](a, pendingID).table.sel; got != 1 {
		t.Fatalf("a click on the second row selected row %d", got)
	}
	a.Update(tea.MouseWheelMsg{X: 4, Y: bodyTop + 3, Button: tea.MouseWheelDown})
	if got := screenOf[*PendingScreen](a, pendingID).table.sel; got != 2 {
		t.Fatalf("the wheel selected row %d", got)
	}
	a.Update(tea.MouseClickMsg{X: tab(composeID), Y: 2, Button: tea.MouseLeft})
	if activeOf(a) != composeID {
		t.Fatalf("a click on the Compose tab showed %s", activeOf(a))
	}
}

// ? and q quit are always in the footer: the least important keys give
// way first, and a cut list ends with "…".
func TestAppFooterKeepsHelpAndQuit(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 120} {
		for _, screen := range []ScreenID{reviewID, pendingID, streamID, deadID} {
			a := newTestApp(t, testDeps(annQueue()))
			a.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			if screen == reviewID {
				press(t, a, "c")
			} else {
				press(t, a, keyOf(a, screen))
			}
			lines := strings.Split(screenText(a), "\n")
			footer := lines[len(lines)-1]
			if !strings.HasSuffix(footer, "? help • q quit") {
				t.Fatalf("%d columns, screen %s: footer %q", w, screen, footer)
			}
			if ansi.StringWidth(footer) > w {
				t.Fatalf("%d columns, screen %s: footer of %d cells", w, screen, ansi.StringWidth(footer))
			}
			if w == 60 && !strings.Contains(footer, "… • ? help") {
				t.Fatalf("a cut footer does not say so: %q", footer)
			}
		}
	}
}

func TestAppEmbeddedSaysSo(t *testing.T) {
	t.Parallel()
	d := testDeps(newFakeQueue())
	d.Embedded = true
	a := newTestApp(t, d)
	requireContains(t, a, "EMBEDDED", "nothing is kept")
}

func TestAppReadOnly(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		q := newFakeQueue(contact("1795426200000-0", "Ann", "ann@example.com", "hello"))
		d := testDeps(q)
		d.ReadOnly = true
		a := newTestApp(t, d)
		requireContains(t, a, "READ-ONLY", "Reviewing is not available", "browsing only",
			"Browse with 3 Pending, 4 Stream, 5 Dead letters and 6 Activity.")
		requireLacks(t, a, "n compose", "c claim") // nothing offered that would say "not available"
		press(t, a, "c")
		requireLacks(t, a, "Ann")
		press(t, a, "n")
		if activeOf(a) != reviewID {
			t.Fatal("n opened Compose in a read-only session")
		}
		press(t, a, keyOf(a, composeID))
		requireContains(t, a, "Adding messages is not available", "browsing only")
		press(t, a, "x", "ctrl+s")
		requireContains(t, a, "READ-ONLY", "Adding messages is not available in this session (browsing only).")
		if !press(t, a, "q") {
			t.Fatal("q did not quit a read-only Compose (nothing to type into)")
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		for _, c := range q.calls {
			if c != "stats" && !strings.HasPrefix(c, "pending") && !strings.HasPrefix(c, "stream") && c != "deadpage" {
				t.Fatalf("read-only console called %q", c)
			}
		}
	})
}

// observed wraps the root model in a teatest program and keeps a copy of
// its plain view after every update, taken in the program's goroutine, so a
// test can wait on what the screen shows rather than on the renderer's
// byte stream, which only carries the cells that changed.
type observed struct {
	*App
	mu   sync.Mutex
	view string
	// keys is every key pressed, and whether it set anything off.
	keys []pressed
}

type pressed struct {
	key   string
	acted bool // its Update returned a Cmd
}

func (o *observed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := o.App.Update(msg)
	v := ansi.Strip(o.App.View().Content)
	o.mu.Lock()
	o.view = v
	if k, ok := msg.(tea.KeyPressMsg); ok {
		o.keys = append(o.keys, pressed{k.String(), cmd != nil})
	}
	o.mu.Unlock()
	return o, cmd
}

// pressedKeys is the keys pressed so far, and what each set off.
func (o *observed) pressedKeys() []pressed {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.keys)
}

func (o *observed) snapshot() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.view
}

// startProgram runs the console in a teatest program with a plain colour
// profile.
func startProgram(t *testing.T, d Deps, w, h int) (*teatest.TestModel, *observed) {
	t.Helper()
	o := &observed{App: New(d)}
	tm := teatest.NewTestModel(t, o, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() { tm.Quit() })
	return tm, o
}

// waitShown waits until the screen shows every one of want.
func waitShown(t *testing.T, tm *teatest.TestModel, o *observed, d time.Duration, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func([]byte) bool {
		v := o.snapshot()
		for _, w := range want {
			if !strings.Contains(v, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(d), teatest.WithCheckInterval(10*time.Millisecond))
}

// sendKeys presses keys in a running program: names as keyMsg takes them.
func sendKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

// requireGoldenView stops the program and compares its last view, without
// colours, with testdata/<Test>.golden (-update rewrites it).
func requireGoldenView(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*observed)
	out := m.App.View().Content
	plain := ansi.Strip(out)
	golden.RequireEqual(t, plain)
}

// Lists nobody looks at do not reload on every change of the numbers; the
// one brought to the front catches up once.
func TestHiddenListsReloadWhenShown(t *testing.T) {
	t.Parallel()
	q := annQueue()
	a := newTestApp(t, testDeps(q))
	for _, n := range []int64{1, 2, 3} {
		_, cmd := a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: n, DeadLength: n, Group: queue.GroupInfo{Pending: n}}})
		run(t, a, cmd)
	}
	before := countCalls(q, "stream") + countCalls(q, "pending") + countCalls(q, "deadpage")
	_, cmd := a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 9, DeadLength: 9, Group: queue.GroupInfo{Pending: 9}}})
	run(t, a, cmd)
	if after := countCalls(q, "stream") + countCalls(q, "pending") + countCalls(q, "deadpage"); after != before {
		t.Fatalf("hidden lists made %d page calls on a stats change", after-before)
	}
	streams := countCalls(q, "stream")
	press(t, a, keyOf(a, streamID))
	if got := countCalls(q, "stream") - streams; got != 1 {
		t.Fatalf("the Stream screen made %d page calls when shown after a change, want 1", got)
	}
	press(t, a, keyOf(a, reviewID), keyOf(a, streamID))
	if got := countCalls(q, "stream") - streams; got != 1 {
		t.Fatalf("showing it again without a change reloaded it (%d calls)", got)
	}
}

// The full help (?) lists each key once on every screen: a key a screen's
// own list already has is not repeated in the columns added after it.
func TestAppFullHelpListsEachKeyOnce(t *testing.T) {
	t.Parallel()
	for _, e := range screenList {
		a := newTestApp(t, testDeps(annQueue()))
		a.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
		if e.ID == reviewID {
			press(t, a, "c")
		} else {
			press(t, a, keyOf(a, e.ID))
		}
		seen := map[string]bool{}
		_, full, tail := a.footerKeys()
		for _, column := range append(full, tail) {
			for _, b := range column {
				k := b.Help().Key
				if seen[k] {
					t.Fatalf("%s lists %q twice in its full help", e.ID, k)
				}
				seen[k] = true
			}
		}
	}
}

// A note is about the screen it was made on: a bad jump on Stream does
// not follow the reviewer to Dead letters, and is there again on Stream;
// esc takes it away.
func TestAppNotesBelongToTheirScreen(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(goldenQueue()))
	press(t, a, keyOf(a, streamID), ":")
	typeText(t, a, "yesterday")
	press(t, a, "enter")
	requireContains(t, a, `jump: "yesterday" is not an ID`)
	press(t, a, "esc") // leaves the jump: its error with it
	requireLacks(t, a, "jump:")

	press(t, a, ":")
	typeText(t, a, "yesterday")
	press(t, a, "enter", "esc")
	a.c.current = streamID
	a.c.failf("jump", false, "stays with Stream")
	a.c.current = ""
	press(t, a, keyOf(a, deadID))
	requireLacks(t, a, "stays with Stream")
	press(t, a, keyOf(a, streamID))
	requireContains(t, a, "stays with Stream", "esc dismiss")
	press(t, a, "esc")
	requireLacks(t, a, "stays with Stream", "esc dismiss")

	// The session's own notes show on every screen, and esc takes them
	// away too.
	a.Update(StatusMsg{Text: "the desk restarts at 18:00", Error: true})
	press(t, a, keyOf(a, deadID))
	requireContains(t, a, "the desk restarts at 18:00")
	press(t, a, keyOf(a, activityID))
	requireContains(t, a, "the desk restarts at 18:00")
	press(t, a, "esc")
	requireLacks(t, a, "the desk restarts")
}

// Advice longer than the line wraps onto the next, at 80 columns as at
// 60, and the frame keeps its height: nothing of it is cut.
func TestAppLongAdviceWraps(t *testing.T) {
	t.Parallel()
	long := map[string]string{
		"lost":     lostNote("Ken Thompson's message", "1795426200000-0"),
		"add":      "adding the message failed: server unreachable — your text is kept, try again with ctrl+s",
		"jump":     `jump: "yesterday" is not an ID (1795…-0), a millisecond time or a time (2026-11-23 09:00, 2026-11-23, 2026-11-23T09:00:00Z)`,
		"enormous": strings.Repeat("word ", 100),
	}
	for _, w := range []int{60, 80} {
		for name, text := range long {
			a := newTestApp(t, testDeps(annQueue()))
			a.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			a.Update(StatusMsg{Text: text})
			got := screenText(a)
			lines := strings.Split(got, "\n")
			if len(lines) != 24 {
				t.Fatalf("%s at %d: %d lines", name, w, len(lines))
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > w {
					t.Fatalf("%s at %d: a line of %d cells: %q", name, w, ansi.StringWidth(l), l)
				}
			}
			flat := strings.Join(strings.Fields(got), " ")
			if name != "enormous" && !strings.Contains(flat, strings.Join(strings.Fields(text), " ")) {
				t.Fatalf("%s at %d: the advice is cut:\n%s", name, w, got)
			}
			if !strings.HasSuffix(lines[len(lines)-1], "? help • q quit") {
				t.Fatalf("%s at %d: the footer went: %q", name, w, lines[len(lines)-1])
			}
		}
	}
}

// At 60 columns, the smallest the console draws at, the tab in front is
// always on the tab line, with a mark where others are hidden, and the
// header keeps the server's address.
func TestAppNarrowTabsAndHeader(t *testing.T) {
	t.Parallel()
	d := testDeps(annQueue())
	d.Embedded, d.Consumer, d.Server = true, "reviewer@a-long-host-name", "127.0.0.1:39713"
	for _, ro := range []bool{false, true} { // READ-ONLY takes room too
		d.ReadOnly = ro
		a := newTestApp(t, d)
		a.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
		if header := strings.Split(screenText(a), "\n")[0]; !strings.Contains(header, "127.0.0.1:39713") || !strings.Contains(header, "● connected") {
			t.Fatalf("read-only %v: the header cut the server's address: %q", ro, header)
		}
	}
	d.ReadOnly = false
	a := newTestApp(t, d)
	a.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	for i, e := range a.entries {
		press(t, a, keyOf(a, e.ID))
		if e.ID == composeID {
			requireContains(t, a, a.tabLabel(i))
			press(t, a, "esc")
			continue
		}
		lines := strings.Split(screenText(a), "\n")
		tabs := lines[headerLines]
		if !strings.Contains(tabs, a.tabLabel(i)) {
			t.Fatalf("%s in front: the tab line %q lacks it", e.ID, tabs)
		}
		if w := ansi.StringWidth(tabs); w > 60 {
			t.Fatalf("tab line of %d cells", w)
		}
		first, last := strings.Contains(tabs, a.tabLabel(0)), strings.Contains(tabs, a.tabLabel(len(a.entries)-1))
		if !first && !strings.HasPrefix(tabs, "‹") || !last && !strings.HasSuffix(strings.TrimRight(tabs, " "), "›") {
			t.Fatalf("hidden tabs not marked: %q", tabs)
		}
		if !strings.Contains(lines[0], "127.0.0.1:39713") {
			t.Fatalf("the header cut the server's address: %q", lines[0])
		}
	}
	// A click lands on the tab drawn there, scrolled or not.
	press(t, a, keyOf(a, activityID))
	spans := a.tabLayout()
	sp := spans[0]
	a.Update(tea.MouseClickMsg{X: sp.x + 1, Y: headerLines, Button: tea.MouseLeft})
	if a.active != sp.i {
		t.Fatalf("a click on %s showed %s", a.entries[sp.i].ID, activeOf(a))
	}
}
