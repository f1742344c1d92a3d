package tui

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// Helpers shared by the browsing screens' tests (Pending, Stream, Dead
// letters), and the flow tests against a real server.

// screenHost runs one screen as a whole program, so flow tests do not
// depend on the root model; under the screen it draws the session's status
// line. It keeps the last view it drew, plain, for the test goroutine to
// read.
type screenHost struct {
	c    *Common
	s    Screen
	mu   *sync.Mutex
	last *string
}

func newScreenHost(c *Common, s Screen) screenHost {
	c.timer = nil // a real program: real timers
	return screenHost{c: c, s: s, mu: new(sync.Mutex), last: new(string)}
}

func (h screenHost) Init() tea.Cmd { return h.s.Init() }

func (h screenHost) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		h.s.SetSize(m.Width, m.Height)
	case tea.KeyPressMsg:
		return h, screenKey(h.c, h.s, m)
	case HandOverMsg, HeldDoneMsg, BackMsg:
		return h, nil // the root's business
	}
	s, cmd := h.s.Update(msg)
	h.s = s
	return h, cmd
}

// screenKey is what the root does with a key for screen s alone: its
// action, the key as text while it captures, or why its action does not
// apply.
func screenKey(c *Common, s Screen, msg tea.KeyPressMsg) tea.Cmd {
	mode := s.Mode()
	run, why := c.keys.find(s.Actions(), mode, msg.String())
	switch {
	case run != nil:
		return run.Run(msg)
	case mode != ModeNormal:
		_, cmd := s.Update(msg)
		return cmd
	case why != "":
		c.warn("%s", why)
	}
	return nil
}

func (h screenHost) View() tea.View {
	v := h.s.View() + "\n" + h.c.statusText()
	h.mu.Lock()
	*h.last = ansi.Strip(v)
	h.mu.Unlock()
	return tea.NewView(v)
}

func (h screenHost) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return *h.last
}

// hostProgram starts h at the golden size, colourless.
func hostProgram(t *testing.T, h screenHost) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm
}

// waitHost waits until the host's last view satisfies ok. It goes through
// teatest.WaitFor for its timing, but reads the view rather than the output
// bytes: the renderer writes only the cells that changed, so a phrase need
// never appear whole in the output.
func waitHost(t *testing.T, tm *teatest.TestModel, h screenHost, what string, ok func(string) bool) string {
	t.Helper()
	var last string
	cond := func([]byte) bool {
		last = h.text()
		return ok(last)
	}
	teatest.WaitFor(t, tm.Output(), cond, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	if !ok(last) {
		t.Fatalf("waiting for %s; the screen shows:\n%s", what, last)
	}
	return last
}

func waitHostText(t *testing.T, tm *teatest.TestModel, h screenHost, want string) string {
	t.Helper()
	return waitHost(t, tm, h, fmt.Sprintf("%q", want), func(v string) bool { return strings.Contains(v, want) })
}

// bkey is a key press as Bubble Tea delivers it: "j", "G", "enter",
// "pgdown"…
func bkey(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// sdrive runs cmd the way Bubble Tea would, one command at a time,
// feeding the screen's replies back into it until nothing is left; it
// returns the messages that are not the screen's own business (for the root
// or the program). Timers (fakeTimer) and cursor blinks are dropped.
func sdrive(t testing.TB, s Screen, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	runCmds(t, cmd, func(msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case sessionMsg, request:
			out = append(out, msg)
			return nil
		}
		if dropped(msg) {
			return nil
		}
		if reflect.TypeOf(msg).PkgPath() == teaPackage {
			out = append(out, msg) // for the program
			return nil
		}
		_, next := s.Update(msg)
		return next
	})
	return out
}

// skeys presses keys one by one, running what each returns.
func skeys(t testing.TB, s Screen, keys ...string) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		out = append(out, sdrive(t, s, screenKey(commonOf(s), s, bkey(k)))...)
	}
	return out
}

// stype types text into the screen's input, a rune at a time.
func stype(t testing.TB, s Screen, text string) {
	t.Helper()
	for _, r := range text {
		sdrive(t, s, screenKey(commonOf(s), s, tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
}

// keyCmd is what pressing k does on screen s alone, unrun.
func keyCmd(s Screen, k string) tea.Cmd { return screenKey(commonOf(s), s, bkey(k)) }

// commonOf is the Common a screen was built on.
func commonOf(s Screen) *Common {
	switch s := s.(type) {
	case *ReviewScreen:
		return s.c
	case *ComposeScreen:
		return s.c
	case *PendingScreen:
		return s.c
	case *StreamScreen:
		return s.c
	case *DeadScreen:
		return s.c
	case *ActivityScreen:
		return s.c
	}
	panic(fmt.Sprintf("no Common for %T", s))
}

// started builds a screen on a Common at w×h and runs its first load.
func started(t testing.TB, build func(*Common) Screen, q Queue, w, h int) (Screen, *Common) {
	t.Helper()
	c := testCommon(q)
	c.Width, c.Height = w, h
	s := build(c)
	sdrive(t, s, s.Init())
	_, cmd := s.Update(VisibleMsg{Visible: true}) // the screen under test is the one in front
	sdrive(t, s, cmd)
	return s, c
}

func plainView(s Screen) string { return ansi.Strip(s.View()) }

// hints is the keys a screen's footer shows now, as the footer writes
// them: its actions that apply, the ones only the full help lists too.
func hints(s Screen) string {
	c, mode := commonOf(s), s.Mode()
	var parts []string
	for _, b := range c.keys.shortBindings(shown(s.Actions(), mode), mode) {
		if h := b.Help(); h.Key != "" {
			parts = append(parts, h.Key+" "+h.Desc)
		}
	}
	return strings.Join(parts, " · ")
}

// statusText is what the status line says now about the screen whose
// messages are being handled (a screen on its own: the session's).
func (c *Common) statusText() string { return c.status().text }

// requireStatus checks the session's status line.
func requireStatus(t testing.TB, c *Common, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(c.statusText(), w) {
			t.Fatalf("want %q on the status line, which says %q", w, c.statusText())
		}
	}
}

func requireShows(t testing.TB, s Screen, want ...string) {
	t.Helper()
	v := plainView(s)
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Fatalf("want %q on the screen:\n%s", w, v)
		}
	}
}

func requireHides(t testing.TB, s Screen, unwanted ...string) {
	t.Helper()
	v := plainView(s)
	for _, w := range unwanted {
		if strings.Contains(v, w) {
			t.Fatalf("did not want %q on the screen:\n%s", w, v)
		}
	}
}

// selectedLine is the row marked with ">".
func selectedLine(s Screen) string {
	for _, l := range strings.Split(plainView(s), "\n") {
		if strings.HasPrefix(l, "> ") {
			return l
		}
	}
	return ""
}

// freshQueue is realQueue on an emptied stream, so a test run with
// -count=N starts from nothing each time.
func freshQueue(t *testing.T) *queue.Client {
	t.Helper()
	q := realQueue(t, queue.Config{})
	cfg := q.Config()
	if _, err := server(t).Command("DEL", cfg.Stream, cfg.DeadStream); err != nil {
		t.Fatal(err)
	}
	if err := q.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return q
}

// Flow: bob holds three messages; alice takes the second from the Pending
// screen, confirming she takes it from him, and the server agrees.
func TestPendingFlowClaimFromBob(t *testing.T) {
	q := freshQueue(t)
	ctx := context.Background()
	for i := range 3 {
		if _, err := q.AddContact(ctx, fmt.Sprintf("Sender %d", i), "s@example.com", fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	bob := q.WithConsumer("bob")
	var ids []string
	for range 3 {
		r, err := bob.Claim(ctx)
		if err != nil || r.Message == nil {
			t.Fatalf("bob's claim: %v %v", r, err)
		}
		ids = append(ids, r.Message.ID)
	}

	c := &Common{Deps: realDeps(q).withDefaults(), Theme: styles.New(true), keys: newKeyset(Keymap{}, screenList), Width: 100, Height: 30}
	h := newScreenHost(c, NewPendingScreen(c))
	tm := hostProgram(t, h)
	waitHost(t, tm, h, "bob's three entries", func(v string) bool {
		return strings.Count(v, " bob ") == 3 && strings.Contains(v, ids[2])
	})

	tm.Send(bkey("down"))
	waitHost(t, tm, h, "the second selected", func(v string) bool { return strings.Contains(v, "> "+ids[1]) })
	tm.Send(bkey("c"))
	waitHostText(t, tm, h, "bob holds Sender 1's message (idle")
	tm.Send(bkey("y"))
	waitHostText(t, tm, h, "claimed Sender 1's message: it is yours now")

	page, err := q.PendingPage(ctx, queue.PendingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]string{}
	for _, p := range page.Entries {
		owners[p.ID] = p.Consumer
	}
	if owners[ids[1]] != "alice" || owners[ids[0]] != "bob" || owners[ids[2]] != "bob" {
		t.Fatalf("owners after the claim: %v", owners)
	}
	// The list shows the new owner once it reloads.
	waitHost(t, tm, h, "alice on the second row", func(v string) bool {
		return regexp.MustCompile(regexp.QuoteMeta(ids[1]) + ` +alice `).MatchString(v)
	})
}

// pageRange reads the page's first and last IDs from the Stream heading.
var pageRange = regexp.MustCompile(`Stream  ([0-9]+-[0-9]+) … ([0-9]+-[0-9]+)`)

// Flow: a stream of 10,000 entries is read a page at a time, forward and
// back, and to its oldest end.
func TestStreamFlowPaging(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a stream of 10,000 entries")
	}
	q := freshQueue(t)
	ctx := context.Background()
	var all []string // oldest first
	for b := range 10 {
		batch := make([][]queue.Field, 1000)
		for i := range batch {
			batch[i] = q.ContactFields("Sender", "s@example.com", fmt.Sprintf("message %d", b*1000+i))
		}
		for _, r := range q.AddMany(ctx, batch) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			all = append(all, r.ID)
		}
	}
	newest, oldest := all[len(all)-1], all[0]
	less := func(a, b string) bool { return idLess(a, b) }

	c := &Common{Deps: realDeps(q).withDefaults(), Theme: styles.New(true), keys: newKeyset(Keymap{}, screenList), Width: 100, Height: 30}
	h := newScreenHost(c, NewStreamScreen(c))
	tm := hostProgram(t, h)
	pageOf := func(v string) (first, last string) {
		m := pageRange.FindStringSubmatch(v)
		if m == nil {
			return "", ""
		}
		return m[1], m[2]
	}
	// The page fills the 30 rows but the heading, table header and bottom line: 27 entries, the newest first.
	v := waitHost(t, tm, h, "the newest full page", func(v string) bool {
		f, l := pageOf(v)
		return f == newest && l == all[len(all)-27]
	})
	first, last := pageOf(v)

	var firsts []string
	for i := range 3 {
		tm.Send(bkey("pgdown"))
		prevLast := last
		v = waitHost(t, tm, h, fmt.Sprintf("older page %d", i+1), func(v string) bool {
			f, _ := pageOf(v)
			return f != "" && f != first
		})
		firsts = append(firsts, first)
		first, last = pageOf(v)
		if !less(first, prevLast) {
			t.Fatalf("page %d starts at %s, not older than the previous page's last %s", i+1, first, prevLast)
		}
		if want := all[len(all)-1-27*(i+1)]; first != want {
			t.Fatalf("page %d starts at %s, want %s (no entry skipped)", i+1, first, want)
		}
	}
	for i := 2; i >= 0; i-- {
		tm.Send(bkey("pgup"))
		want := firsts[i]
		v = waitHost(t, tm, h, "the newer page starting at "+want, func(v string) bool {
			f, _ := pageOf(v)
			return f == want
		})
		first, last = pageOf(v)
	}
	if first != newest {
		t.Fatalf("back at the top, the first ID is %s, want the newest %s", first, newest)
	}
	tm.Send(bkey("G"))
	waitHost(t, tm, h, "the oldest entry at the bottom", func(v string) bool {
		_, l := pageOf(v)
		return l == oldest && strings.Contains(v, oldest)
	})
	tm.Send(bkey("g"))
	waitHost(t, tm, h, "the newest page again", func(v string) bool {
		f, _ := pageOf(v)
		return f == newest
	})
}

// Flow: two messages rejected to the dead letters; one is redriven back
// onto the stream, the other deleted for good.
func TestDeadFlowRedriveAndDelete(t *testing.T) {
	q := freshQueue(t)
	ctx := context.Background()
	for i := range 2 {
		if _, err := q.AddContact(ctx, fmt.Sprintf("Sender %d", i), "s@example.com", fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
		r, err := q.Claim(ctx)
		if err != nil || r.Message == nil {
			t.Fatalf("claim: %v %v", r, err)
		}
		if _, err := q.Reject(ctx, r.Message.ID, fmt.Sprintf("reason %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	c := &Common{Deps: realDeps(q).withDefaults(), Theme: styles.New(true), keys: newKeyset(Keymap{}, screenList), Width: 100, Height: 30}
	h := newScreenHost(c, NewDeadScreen(c))
	tm := hostProgram(t, h)
	waitHost(t, tm, h, "two dead letters", func(v string) bool {
		return strings.Contains(v, "reason 0") && strings.Contains(v, "reason 1")
	})
	tm.Send(bkey("r")) // the newest: reason 1
	waitHostText(t, tm, h, "put Sender 1's message")
	tm.Send(bkey("y"))
	v := waitHostText(t, tm, h, "redrove ")
	newID := regexp.MustCompile(`back on the stream as ([0-9]+-[0-9]+)`).FindStringSubmatch(v)[1]
	e, err := q.Get(ctx, newID)
	if err != nil || e.Message() != "message 1" {
		t.Fatalf("redriven entry %s: %v %v", newID, e, err)
	}
	waitHost(t, tm, h, "one dead letter left", func(v string) bool { return !strings.Contains(v, "reason 1") })
	tm.Send(bkey("d"))
	waitHostText(t, tm, h, "for good? y/n")
	tm.Send(bkey("y"))
	waitHostText(t, tm, h, "No dead letters.")
	if st, err := q.Stats(ctx); err != nil || st.DeadLength != 0 {
		t.Fatalf("dead letters left: %d %v", st.DeadLength, err)
	}
}
