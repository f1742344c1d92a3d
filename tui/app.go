package tui

import (
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// The smallest terminal the frame fits in: the header, tabs, status and
// footer take five lines and the Review badges need the width.
const (
	minWidth  = 60
	minHeight = 16
)

// The frame around the active screen's body.
const (
	headerLines = 2
	tabLines    = 1
	bodyTop     = headerLines + tabLines // the body's first line
	// maxStatusLines is how far a long note wraps; what is left after
	// them is cut.
	maxStatusLines = 3
)

// App is the root model of one console session: it owns the size, the
// header, tabs, status line and footer, answers the global keys, and hands
// everything else to the screens: input to the one in front, replies to
// the one whose Cmd they come from, session-wide news to all.
type App struct {
	c       *Common
	entries []screenEntry
	screens []Screen
	globals []Action // the keys of every screen (help, quit, switching)
	active  int
	prev    int // for BackMsg
	holder  int // the screen that holds messages for review; -1 when none
	keyHelp help.Model
	// quitting: asking whether to quit while a message is held.
	quitting bool

	stats          queue.Stats
	haveStats      bool
	connErr        error // nil: connected (or not known yet, until haveStats or connErr)
	statsScheduled bool
	// statsAt is when stats were read; numbersStale is set while they may
	// be out of date: offline, or back but not read again yet (conn.go).
	statsAt      time.Time
	numbersStale bool
	connTicking  bool

	idle struct {
		on    bool
		until time.Time
		gen   int
	}

	width, height int
	bodyHeight    int
	id            headerIdentity
	// Each screen's view fitted to the body, kept while the screen draws
	// the same string: measuring every line is not free, and switching
	// back to a screen that did not change should cost nothing.
	fitted []fittedView
	// The header changes only with the numbers, the connection, the size
	// or the theme, the tabs only with the active screen, the size or the
	// theme; staleHeader and staleTabs mark them. The tabs are kept for
	// each active screen, so switching screens draws no tabs.
	header      string
	staleHeader bool
	tabsFor     []string // by active screen; "" when not drawn yet
	staleTabs   bool
	// The footers drawn lately, by a hash of the keys they show (see
	// footer): few differ, one or two per screen. footerView is the
	// footer of the latest Update, for View.
	footers    map[uint64]string
	footerSeed maphash.Seed
	footerView string
	// The status line, kept while its text, style and width are the
	// same; its lines are counted in layout, which gives the body what
	// is left.
	status struct {
		key   statusKey
		view  string
		lines int
	}
	// The last frame: a frame that comes out the same is handed to Bubble
	// Tea as the very same string, so its renderer, which compares each
	// new frame with the last one before drawing it, finds them equal at
	// once instead of comparing them byte by byte.
	lastFrame string
}

// fittedView is a screen's view, in and fitted, at a size.
type fittedView struct {
	in, out string
	w, h    int
}

// headerIdentity is the part of the header that never changes, sanitised
// once: the consumer name may be an SSH user name.
type headerIdentity struct {
	profile, server, streamGroup, consumer string
}

// New builds the console for one session.
func New(d Deps) *App { return newApp(d, screenList) }

// newApp builds the console with the screens of entries.
func newApp(d Deps, entries []screenEntry) *App {
	d = d.withDefaults()
	c := &Common{Deps: d, Theme: styles.Build(d.ThemeOptions, true), keys: newKeyset(d.Keymap, entries)}
	a := &App{
		c:          c,
		entries:    entries,
		holder:     -1,
		keyHelp:    help.New(),
		footers:    make(map[uint64]string, maxFooters),
		footerSeed: maphash.MakeSeed(),
		id: headerIdentity{
			profile:     termtext.Line(d.Profile, 30),
			server:      termtext.Line(d.Server, 40),
			streamGroup: termtext.Line(d.Stream, 30) + "/" + termtext.Line(d.Group, 30),
			consumer:    termtext.Line(d.Consumer, 30),
		},
	}
	a.fitted = make([]fittedView, len(entries))
	a.tabsFor = make([]string, len(entries))
	for i, e := range entries {
		s := e.New(c)
		if h, ok := s.(holder); ok {
			c.holder, a.holder = h, i
		}
		a.screens = append(a.screens, s)
	}
	a.globals = a.globalActions()
	for i, s := range a.screens {
		c.tabs = append(c.tabs, a.tabLabel(i))
		if _, w := s.(writer); !w {
			c.readOnlyTabs = append(c.readOnlyTabs, a.tabLabel(i))
		}
	}
	a.keyHelp.Styles = help.DefaultStyles(c.Theme.IsDark)
	if d.Embedded {
		c.info("Embedded in-memory server with sample messages: nothing is kept after exit.")
	}
	return a
}

// globalActions is the table of the keys that work on every screen (in
// ModeNormal), in the quit question, and always (force-quit).
func (a *App) globalActions() []Action {
	acts := []Action{
		{Name: "force-quit", Mode: modeAll, Desc: "quit now", Run: do(func() tea.Cmd { return tea.Quit })},
		{Name: "confirm", Mode: modeQuit, Desc: "quit", Run: do(func() tea.Cmd { return tea.Quit })},
		{Name: "cancel", Mode: modeQuit, Desc: "stay", Run: do(func() tea.Cmd { a.quitting = false; return nil })},
		{Name: "help", Desc: "help", Run: do(func() tea.Cmd { a.keyHelp.ShowAll = !a.keyHelp.ShowAll; return nil })},
		{Name: "quit", Desc: "quit", Run: do(a.quit)},
	}
	for i, e := range a.entries {
		acts = append(acts, Action{Name: screenAction(e.ID), Desc: a.screens[i].Title(), Run: do(func() tea.Cmd { return a.switchTo(i) })})
	}
	acts = append(acts,
		Action{Name: "next-screen", Desc: "next screen", Run: do(func() tea.Cmd { return a.switchTo((a.active + 1) % len(a.screens)) })},
		Action{Name: "prev-screen", Desc: "prev screen", More: true, Run: do(func() tea.Cmd { return a.switchTo((a.active + len(a.screens) - 1) % len(a.screens)) })},
	)
	for i, s := range a.screens {
		if sc, ok := s.(shortcut); ok {
			name, desc := sc.Shortcut()
			if name == "" {
				continue
			}
			acts = append(acts, Action{Name: name, Desc: desc, When: func() bool { return a.active != i }, Run: do(func() tea.Cmd { return a.switchTo(i) })})
		}
	}
	return append(acts, Action{Name: "back", Desc: "dismiss", When: func() bool { return a.c.shownStatus(a.activeID()).text != "" },
		Run: do(func() tea.Cmd { a.c.dismiss(a.activeID()); return nil })})
}

func (a *App) activeID() ScreenID { return a.entries[a.active].ID }

// quit quits, or asks first while a message is held.
func (a *App) quit() tea.Cmd {
	if a.c.held() != nil {
		a.quitting = true
		return nil
	}
	return tea.Quit
}

// Init asks for the terminal background (the theme is dark until it
// answers), loads the header numbers (unless a shared feed sends them)
// and starts every screen.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, a.fade()}
	if a.c.Stats == nil {
		cmds = append(cmds, statsCmd(a.c))
	}
	cmds = append(cmds, a.connTick())
	for i, s := range a.screens {
		cmds = append(cmds, addressTo(a.entries[i].ID, s.Init()))
	}
	return tea.Batch(append(cmds, a.to(a.active, VisibleMsg{Visible: true}))...)
}

// Update handles what belongs to the frame and routes the rest.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	conn, handled := a.connUpdate(msg)
	var cmd tea.Cmd
	if !handled {
		cmd = a.update(msg)
	}
	a.layout() // a screen's help or the status line may have grown or shrunk
	return a, tea.Batch(conn, cmd, a.fade())
}

func (a *App) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width != a.width {
			a.resetFooters()
		}
		a.width, a.height = msg.Width, msg.Height
		a.staleHeader, a.staleTabs = true, true
		a.keyHelp.SetWidth(msg.Width)
	case tea.KeyPressMsg:
		return a.key(msg)
	case tea.MouseMsg:
		return a.mouse(msg)
	case ScreenMsg:
		i := a.index(msg.ID)
		switch {
		case i < 0:
			return nil
		case isRequest(msg.Msg):
			return a.request(i, msg.Msg)
		}
		return a.to(i, msg.Msg)
	case tea.BackgroundColorMsg:
		a.c.Theme = styles.Build(a.c.ThemeOptions, msg.IsDark())
		a.keyHelp.Styles = help.DefaultStyles(a.c.Theme.IsDark)
		a.staleHeader, a.staleTabs = true, true
		a.resetFooters()
		return a.broadcast(msg)
	case StatsLoadedMsg:
		a.staleHeader = true
		if msg.Err == nil { // else the last numbers stay, marked stale (conn.go)
			a.stats, a.haveStats = msg.Stats, true
		}
		return tea.Batch(a.broadcast(msg), a.scheduleStats())
	case statsTickMsg:
		a.statsScheduled = false
		return statsCmd(a.c)
	case StatusMsg:
		level := levelInfo
		if msg.Error {
			level = levelErr
		}
		a.c.setStatus(status{text: msg.Text, level: level})
	case statusFadeMsg:
		a.c.faded(msg.screen, msg.gen)
	case IdleWarningMsg:
		a.idle.gen++
		a.idle.on = msg.Left > 0
		if a.idle.on {
			a.idle.until = a.c.Now().Add(msg.Left)
			return a.idleTick()
		}
	case idleTickMsg:
		if a.idle.on && msg.gen == a.idle.gen {
			return a.idleTick()
		}
	default:
		// Paste, key releases and whatever else the terminal sends are
		// for the screen in front.
		return a.to(a.active, msg)
	}
	return nil
}

// index is the place of screen id; -1 when there is none.
func (a *App) index(id ScreenID) int {
	for i, e := range a.entries {
		if e.ID == id {
			return i
		}
	}
	return -1
}

// A request is what a screen asks of the root (go back, hand a message
// over); it comes addressed like a reply, so the root knows who asked.
type request interface{ toRoot() }

func isRequest(msg tea.Msg) bool {
	_, ok := msg.(request)
	return ok
}

// request answers screen from's request.
func (a *App) request(from int, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case BackMsg:
		a.carryNote(from, a.prev)
		return a.switchTo(a.prev)
	case HandOverMsg:
		if a.holder < 0 {
			return nil
		}
		a.carryNote(from, a.holder)
		return tea.Batch(a.to(a.holder, msg), a.switchTo(a.holder))
	case HeldDoneMsg:
		if a.holder >= 0 {
			return a.to(a.holder, msg)
		}
	}
	return nil
}

// carryNote moves screen from's note to screen to, which the reviewer is
// sent to: what it says ("claimed Ann's message: it is yours now",
// "draft kept") is read there. An error stays with its screen.
func (a *App) carryNote(from, to int) {
	src, dst := a.entries[from].ID, a.entries[to].ID
	if st := a.c.notes[src]; st.text != "" && st.level != levelErr && src != dst {
		delete(a.c.notes, src)
		a.c.notes[dst] = st
		a.c.fresh = append(a.c.fresh, dst)
	}
}

// to hands msg to screen i, and addresses every Cmd it returns to it: so
// every reply (a server call's, a timer's, a component's) comes back to
// the screen that asked, and what it reports on the status line is its
// own.
func (a *App) to(i int, msg tea.Msg) tea.Cmd {
	id := a.entries[i].ID
	before := a.c.current
	a.c.current = id
	var cmd tea.Cmd
	a.screens[i], cmd = a.screens[i].Update(msg)
	a.c.current = before
	return addressTo(id, cmd)
}

// run runs a screen's action, as to does a message.
func (a *App) run(i int, act *Action, msg tea.KeyPressMsg) tea.Cmd {
	id := a.entries[i].ID
	before := a.c.current
	a.c.current = id
	cmd := act.Run(msg)
	a.c.current = before
	return addressTo(id, cmd)
}

// broadcast hands a session-wide message to every screen.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, len(a.screens))
	for i := range a.screens {
		cmds[i] = a.to(i, msg)
	}
	return tea.Batch(cmds...)
}

// fade plans the clearing of the notes set since the last time; errors
// stay.
func (a *App) fade() tea.Cmd {
	var cmds []tea.Cmd
	for i, id := range a.c.fresh {
		if st := a.c.notes[id]; st.fade() > 0 && !containsID(a.c.fresh[i+1:], id) {
			cmds = append(cmds, a.c.after(st.fade(), statusFadeMsg{screen: id, gen: st.gen}))
		}
	}
	a.c.fresh = a.c.fresh[:0]
	return tea.Batch(cmds...)
}

func containsID(ids []ScreenID, id ScreenID) bool {
	for _, o := range ids {
		if o == id {
			return true
		}
	}
	return false
}

func (a *App) idleTick() tea.Cmd {
	return a.c.after(time.Second, idleTickMsg{gen: a.idle.gen})
}

// key runs the action the key presses: force-quit always; in the quit
// question its answers; else the screen's, then (in ModeNormal) the
// global ones. A key no action takes is text for a screen that captures,
// and otherwise may say why its action does not apply now.
func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	s := a.screens[a.active]
	mode := s.Mode()
	if a.quitting {
		mode = modeQuit
	}
	if run, _ := a.c.keys.find(a.globals, mode, k); run != nil && run.Mode == modeAll {
		return run.Run(msg)
	}
	if a.quitting {
		if run, _ := a.c.keys.find(a.globals, modeQuit, k); run != nil {
			return run.Run(msg)
		}
		return nil
	}
	if a.c.keys.presses("back", mode, k) {
		a.c.dismiss(a.activeID()) // esc takes the note away, whatever else it does
	}
	run, why := a.c.keys.find(s.Actions(), mode, k)
	if run != nil {
		return a.run(a.active, run, msg)
	}
	if mode != ModeNormal {
		return a.to(a.active, msg) // text, for the screen's input
	}
	if run, _ := a.c.keys.find(a.globals, ModeNormal, k); run != nil {
		return run.Run(msg)
	}
	if why != "" {
		a.c.current = a.activeID()
		a.c.warn("%s", why)
		a.c.current = ""
	}
	return nil
}

// mouse switches screens on a click on a tab, and hands clicks and the
// wheel in the body to the screen in front, counted from the body's top.
func (a *App) mouse(msg tea.MouseMsg) tea.Cmd {
	m := msg.Mouse()
	if a.quitting || a.width < minWidth || a.height < minHeight {
		return nil
	}
	if _, click := msg.(tea.MouseClickMsg); click && m.Y == headerLines && m.Button == tea.MouseLeft {
		for _, t := range a.tabLayout() {
			if m.X >= t.x && m.X < t.x+t.w {
				return a.switchTo(t.i)
			}
		}
		return nil
	}
	if m.Y < bodyTop || m.Y >= bodyTop+a.bodyHeight {
		return nil
	}
	m.Y -= bodyTop
	switch msg.(type) {
	case tea.MouseClickMsg:
		return a.to(a.active, tea.MouseClickMsg(m))
	case tea.MouseWheelMsg:
		return a.to(a.active, tea.MouseWheelMsg(m))
	}
	return nil
}

// switchTo shows screen i and tells the two screens concerned, so a
// hidden list defers its live reloads until it is looked at again.
func (a *App) switchTo(i int) tea.Cmd {
	if i < 0 || i >= len(a.screens) || i == a.active {
		return nil
	}
	a.prev, a.active = a.active, i
	hidden := a.to(a.prev, VisibleMsg{Visible: false})
	shown := a.to(i, VisibleMsg{Visible: true})
	return tea.Batch(hidden, shown)
}

// scheduleStats plans the next header refresh, one at a time: sooner while
// the active screen waits for new arrivals. A shared feed (Deps.Stats)
// keeps its own schedule.
func (a *App) scheduleStats() tea.Cmd {
	if a.statsScheduled || a.c.Stats != nil {
		return nil
	}
	a.statsScheduled = true
	every := a.c.StatsEvery
	if p, ok := a.screens[a.active].(poller); ok && p.Polling() {
		every = min(every, a.c.PollEvery)
	}
	return a.c.after(every, statsTickMsg{})
}

// layout gives every screen the body's size: what the frame leaves.
func (a *App) layout() {
	if a.width <= 0 {
		return
	}
	a.footerView = a.footer()
	a.statusLine()
	h := max(a.height-headerLines-tabLines-a.status.lines-strings.Count(a.footerView, "\n")-1, 1)
	if h == a.bodyHeight && a.c.Width == a.width {
		return
	}
	a.bodyHeight, a.c.Width, a.c.Height = h, a.width, h
	for _, s := range a.screens {
		s.SetSize(a.width, h)
	}
}

// View draws the frame around the active screen.
func (a *App) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	switch {
	case a.width == 0:
		return v
	case a.width < minWidth || a.height < minHeight:
		v.SetContent(a.tooSmall())
		return v
	}
	if a.staleHeader || a.header == "" {
		a.header, a.staleHeader = a.drawHeader(), false
	}
	if a.staleTabs {
		clear(a.tabsFor)
		a.staleTabs = false
	}
	if a.tabsFor[a.active] == "" {
		a.tabsFor[a.active] = a.tabs()
	}
	frame := strings.Join([]string{
		a.header,
		a.tabsFor[a.active],
		a.body(),
		a.statusLine(),
		a.footerView,
	}, "\n")
	if frame == a.lastFrame {
		frame = a.lastFrame
	}
	a.lastFrame = frame
	v.SetContent(frame)
	return v
}

// tooSmall says so, and which size is needed, wrapped to the window.
func (a *App) tooSmall() string {
	text := fmt.Sprintf("This window is %d×%d: reviewq needs at least %d×%d. Make it larger, or the text smaller.",
		a.width, a.height, minWidth, minHeight)
	lines := wordWrap(text, max(a.width, 1))
	if len(lines) > a.height {
		lines = lines[:max(a.height, 1)]
	}
	for i, l := range lines {
		lines[i] = termtext.Truncate(strings.TrimRight(l, " "), a.width)
	}
	return strings.Join(lines, "\n")
}

func (a *App) body() string {
	in, f := a.screens[a.active].View(), &a.fitted[a.active]
	if in != f.in || f.w != a.width || f.h != a.bodyHeight || f.out == "" {
		f.in, f.w, f.h, f.out = in, a.width, a.bodyHeight, block(in, a.width, a.bodyHeight)
	}
	return f.out
}

// statusLine is the idle warning while it counts down, the quit question
// while it is asked, else the note of the screen in front (or the
// session's), wrapped when it is longer than the line: up to
// maxStatusLines lines.
func (a *App) statusLine() string {
	k := statusKey{width: a.width, theme: a.c.Theme, level: levelInfo}
	switch {
	case a.idle.on:
		left := max(a.idle.until.Sub(a.c.Now()), 0)
		k.text, k.level = "no key pressed for a while: this session closes in "+clock(left)+" — press any key to stay", levelWarn
	case a.quitting:
		k.text, k.level = a.quitQuestion(), levelWarn
	default:
		st := a.c.shownStatus(a.activeID())
		k.text, k.level = st.text, st.level
	}
	if k == a.status.key && a.status.view != "" {
		return a.status.view
	}
	th := a.c.Theme
	style := th.Status
	switch k.level {
	case levelOK:
		style = th.Success
	case levelWarn:
		style = th.Warning
	case levelErr:
		style = th.Error
	}
	lines := wrapLine(k.text, a.width, maxStatusLines)
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	a.status.key, a.status.view, a.status.lines = k, strings.Join(lines, "\n"), len(lines)
	return a.status.view
}

// wrapLine breaks a one-line text into at most n lines of width cells, at
// spaces (an ID or a time stays whole); a word longer than a line is
// broken, and the last line is cut with "…" when the text goes on.
func wrapLine(text string, width, n int) []string {
	if ansi.StringWidth(text) <= width || n <= 1 {
		return []string{termtext.Truncate(text, width)}
	}
	wrapped := wordWrap(text, width)
	if len(wrapped) > n {
		rest := strings.Join(wrapped[n-1:], " ")
		wrapped = append(wrapped[:n-1], termtext.Truncate(rest, width))
	}
	return wrapped
}

// wordWrap breaks plain text into lines of width cells at spaces.
func wordWrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for ansi.StringWidth(word) > width { // longer than a line: broken
			if line != "" {
				lines, line = append(lines, line), ""
			}
			head := ansi.Truncate(word, width, "")
			lines, word = append(lines, head), word[len(head):]
		}
		switch {
		case word == "":
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	return append(lines, line)
}

// statusKey is everything the status line is drawn from.
type statusKey struct {
	text  string
	level statusLevel
	width int
	theme *styles.Theme // only compared
}

func (a *App) quitQuestion() string {
	name := "your message"
	if m := a.c.held(); m != nil {
		name = about(m.ID, &m.Entry)
	}
	return fmt.Sprintf("quit? %s stays pending; offered again after %s", name, termtext.Ago(a.c.ReclaimAfter))
}

// tabLabel is screen i's tab: the key that brings it to the front, and
// its title.
func (a *App) tabLabel(i int) string {
	keys := a.c.keys.keys(screenAction(a.entries[i].ID), ModeNormal)
	if len(keys) == 0 {
		return a.screens[i].Title()
	}
	return keyLabel(keys[:1]) + " " + a.screens[i].Title()
}

// tabSpan is where tab i is drawn on the tab line.
type tabSpan struct{ i, x, w int }

// tabLayout places the tabs: all of them when they fit, else as many as
// fit around the one in front, with ‹ and › where more are hidden.
func (a *App) tabLayout() []tabSpan {
	widths := make([]int, len(a.screens))
	total := 0
	for i := range a.screens {
		widths[i] = lipgloss.Width(a.tabLabel(i)) + 2 // the tab's padding
		total += widths[i]
	}
	first, last := 0, len(a.screens)-1
	if total > a.width {
		// The window of tabs that holds the active one, as far left as
		// it can start, leaving a cell at each end for the markers.
		room := a.width - 2
		first = a.active
		used := widths[first]
		for first > 0 && used+widths[first-1] <= room {
			first--
			used += widths[first]
		}
		last = a.active
		for last+1 < len(a.screens) && used+widths[last+1] <= room {
			last++
			used += widths[last]
		}
	}
	x := 0
	if first > 0 {
		x = 1
	}
	spans := make([]tabSpan, 0, last-first+1)
	for i := first; i <= last; i++ {
		spans = append(spans, tabSpan{i: i, x: x, w: widths[i]})
		x += widths[i]
	}
	return spans
}

func (a *App) tabs() string {
	th := a.c.Theme
	spans := a.tabLayout()
	var b strings.Builder
	if spans[0].i > 0 {
		b.WriteString(th.Tab.UnsetPadding().Render("‹"))
	}
	for _, t := range spans {
		if t.i == a.active {
			b.WriteString(th.ActiveTab.Render(a.tabLabel(t.i)))
		} else {
			b.WriteString(th.Tab.Render(a.tabLabel(t.i)))
		}
	}
	if spans[len(spans)-1].i < len(a.screens)-1 {
		b.WriteString(th.Tab.UnsetPadding().Render("›"))
	}
	return termtext.Truncate(b.String(), a.width)
}
