package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
	a := New(d)
	a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	run(t, a, a.Init())
	return a
}

// run executes cmd the way Bubble Tea would, feeding every message back into
// m, round after round. Commands still running after a short wait (ticks,
// cursor blinks) are dropped, so a test sees the immediate consequences of
// one action only. It reports whether m asked to quit.
func run(t testing.TB, m tea.Model, cmd tea.Cmd) (quit bool) {
	t.Helper()
	pending := []tea.Cmd{cmd}
	for round := 0; len(pending) > 0 && round < 20; round++ {
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
		// Fakes answer in microseconds (250 ms leaves room for a loaded CI
		// machine under -race); what is still running by then is a
		// tick or a cursor blink.
		deadline := time.After(250 * time.Millisecond)
	collect:
		for ; n > 0; n-- {
			select {
			case msg := <-results:
				switch msg := msg.(type) {
				case nil:
				case tea.QuitMsg:
					quit = true
				case tea.BatchMsg:
					pending = append(pending, msg...)
				default:
					_, next := m.Update(msg)
					pending = append(pending, next)
				}
			case <-deadline:
				break collect
			}
		}
	}
	return quit
}

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
	a := newTestApp(t, testDeps(newFakeQueue()))
	for _, tc := range []struct {
		key  string
		want int
	}{{"3", 2}, {"4", 3}, {"5", 4}, {"6", 5}, {"tab", 0}, {"shift+tab", 5}, {"1", 0}, {"n", 1}} {
		press(t, a, tc.key)
		if a.active != tc.want {
			t.Fatalf("after %q the active screen is %d, want %d", tc.key, a.active+1, tc.want+1)
		}
	}
	// Compose captures: tab moves between fields, esc goes back.
	press(t, a, "tab")
	if a.active != 1 {
		t.Fatalf("tab left Compose")
	}
	press(t, a, "esc")
	if a.active != 0 {
		t.Fatalf("esc in Compose went to screen %d, want 1 (where it came from)", a.active+1)
	}
	// The digits go as far as the list: there is no screen 9.
	press(t, a, "9")
	if a.active != 0 {
		t.Fatalf("9 switched to screen %d", a.active+1)
	}
}

func TestAppQuitKeys(t *testing.T) {
	t.Parallel()
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
	if want := "window 40×10 is too small: reviewq needs 60×16"; !strings.HasPrefix(want, strings.TrimSuffix(got, "…")) || strings.Contains(got, "\n") {
		t.Fatalf("too small: %q", got)
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
	a.Update(statusFadeMsg{gen: a.c.status.gen})
	requireContains(t, a, "shutting down") // errors do not fade
}

// A note fades after a few seconds; the timer of an older note does not
// clear a newer one.
func TestAppStatusFades(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	press(t, a, "c", "r")
	requireContains(t, a, "released Ann's message")
	gen := a.c.status.gen
	if a.fadeGen != gen {
		t.Fatal("no fade planned for the note")
	}
	a.Update(statusFadeMsg{gen: gen - 1})
	requireContains(t, a, "released Ann's message")
	a.Update(statusFadeMsg{gen: gen})
	requireLacks(t, a, "released Ann's message")
}

// A failed page caused by a lost connection stays on the status line
// until the header reaches the server again.
func TestAppConnectionErrorClearsWhenBack(t *testing.T) {
	t.Parallel()
	q := newFakeQueue(contact("1795426200000-0", "Ann", "ann@example.com", "hello"))
	a := newTestApp(t, testDeps(q))
	press(t, a, "4")
	q.setFail(&queue.Error{Op: "stream", Kind: queue.ErrUnreachable, Cause: errors.New("dial tcp: connection refused")})
	press(t, a, "ctrl+r")
	requireContains(t, a, "loading the stream failed: server unreachable")
	a.Update(statusFadeMsg{gen: a.c.status.gen})
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
	press(t, a, "3", "enter") // Pending opens its selected entry…
	pending := a.screens[2].(*PendingScreen)
	stream := a.screens[3].(*StreamScreen)
	if !pending.detail.open {
		t.Fatal("Pending did not open the entry")
	}
	// …and Stream, at the same open sequence number, never sees it.
	if stream.detail.open {
		t.Fatal("the reply reached the Stream screen too")
	}
	// A reply addressed to Stream goes to Stream alone.
	_, cmd := a.Update(ScreenMsg{ID: 3, Msg: EntryLoadedMsg{Seq: stream.openSeq, ID: "1795424400000-2", Entry: contact("1795424400000-2", "X", "x@example.com", "routed")}})
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
	for i, s := range a.screens {
		requireContains(t, a, tabLabel(i, s))
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
	select {
	case msg := <-done:
		if err := msg.(StatsLoadedMsg).Err; !errors.Is(err, context.Canceled) {
			t.Fatalf("the call ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call outlived the session's context")
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
	// "1 Review" is 10 cells wide with its padding, "2 Compose" 11: x=12
	// is on Compose, x=25 on Pending.
	_, cmd := a.Update(tea.MouseClickMsg{X: 25, Y: 2, Button: tea.MouseLeft})
	run(t, a, cmd)
	if a.active != 2 {
		t.Fatalf("a click on the Pending tab showed screen %d", a.active+1)
	}
	// The body starts at line 3: its heading, the table's header, rows.
	a.Update(tea.MouseClickMsg{X: 4, Y: bodyTop + 3, Button: tea.MouseLeft})
	if got := a.screens[2].(*PendingScreen).table.sel; got != 1 {
		t.Fatalf("a click on the second row selected row %d", got)
	}
	a.Update(tea.MouseWheelMsg{X: 4, Y: bodyTop + 3, Button: tea.MouseWheelDown})
	if got := a.screens[2].(*PendingScreen).table.sel; got != 2 {
		t.Fatalf("the wheel selected row %d", got)
	}
	a.Update(tea.MouseClickMsg{X: 12, Y: 2, Button: tea.MouseLeft})
	if a.active != 1 {
		t.Fatalf("a click on the Compose tab showed screen %d", a.active+1)
	}
}

// ? and q quit are always in the footer: the least important keys give
// way first, and a cut list ends with "…".
func TestAppFooterKeepsHelpAndQuit(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 120} {
		for _, screen := range []string{"1", "3", "4", "5"} {
			a := newTestApp(t, testDeps(annQueue()))
			a.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			if screen == "1" {
				press(t, a, "c")
			} else {
				press(t, a, screen)
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
	q := newFakeQueue(contact("1795426200000-0", "Ann", "ann@example.com", "hello"))
	d := testDeps(q)
	d.ReadOnly = true
	a := newTestApp(t, d)
	requireContains(t, a, "READ-ONLY", "Reviewing is not available", "browsing only")
	press(t, a, "c")
	requireLacks(t, a, "Ann")
	press(t, a, "n")
	if a.active != 1 {
		t.Fatal("n did not open Compose")
	}
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
}

// observed wraps the root model in a teatest program and keeps a copy of
// its plain view after every update, taken in the program's goroutine, so a
// test can wait on what the screen shows rather than on the renderer's
// byte stream, which only carries the cells that changed.
type observed struct {
	*App
	mu   sync.Mutex
	view string
}

func (o *observed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := o.App.Update(msg)
	v := ansi.Strip(o.App.View().Content)
	o.mu.Lock()
	o.view = v
	o.mu.Unlock()
	return o, cmd
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
	press(t, a, "4")
	if got := countCalls(q, "stream") - streams; got != 1 {
		t.Fatalf("the Stream screen made %d page calls when shown after a change, want 1", got)
	}
	press(t, a, "1", "4")
	if got := countCalls(q, "stream") - streams; got != 1 {
		t.Fatalf("showing it again without a change reloaded it (%d calls)", got)
	}
}

// The full help (?) lists each key once on every screen: a key a screen's
// own list already has is not repeated in the columns added after it.
func TestAppFullHelpListsEachKeyOnce(t *testing.T) {
	t.Parallel()
	for _, screen := range []string{"1", "2", "3", "4", "5", "6"} {
		a := newTestApp(t, testDeps(annQueue()))
		a.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
		if screen == "1" {
			press(t, a, "c")
		} else {
			press(t, a, screen)
		}
		seen := map[string]bool{}
		for _, column := range a.screens[a.active].FullHelp() {
			for _, b := range column {
				k := b.Help().Key
				if seen[k] {
					t.Fatalf("screen %s lists %q twice in its full help", screen, k)
				}
				seen[k] = true
			}
		}
	}
}
