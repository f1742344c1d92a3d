package tui

import (
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

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
	statusLines = 1
	bodyTop     = headerLines + tabLines // the body's first line
)

// App is the root model of one console session: it owns the size, the
// header, tabs, status line and footer, handles the global keys, and hands
// everything else to the screens: input to the one in front, replies to
// the one that asked, session-wide news to all.
type App struct {
	c          *Common
	screens    []Screen
	active     int
	prev       int // for BackMsg
	keyHelp    help.Model
	screenKeys key.Binding // the digits, one per screen
	quitting   bool        // asking whether to quit while a message is held

	stats          queue.Stats
	haveStats      bool
	connErr        error // nil: connected (or not known yet, until haveStats or connErr)
	statsScheduled bool
	// statsAt is when stats were read; numbersStale is set while they may
	// be out of date: offline, or back but not read again yet (conn.go).
	statsAt      time.Time
	numbersStale bool
	connTicking  bool

	fadeGen int // the note the latest fade timer is for
	idle    struct {
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
	// The status line, kept while its text, style and width are the same.
	status struct {
		key  statusKey
		view string
	}
	// The last frame: a frame that comes out the same is handed to Bubble
	// Tea as the very same string, so its renderer, which compares every
	// frame with the last at each tick (60 a second), finds them equal at
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
func New(d Deps) *App {
	d = d.withDefaults()
	c := &Common{Deps: d, Theme: styles.Build(d.ThemeOptions, true), Keys: DefaultKeyMap()}
	a := &App{
		c:          c,
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
	a.fitted = make([]fittedView, len(screenList))
	a.tabsFor = make([]string, len(screenList))
	digits := make([]string, len(screenList))
	for i, build := range screenList {
		s := build(c, ScreenID(i))
		if h, ok := s.(holder); ok {
			c.holder = h
		}
		a.screens = append(a.screens, s)
		digits[i] = fmt.Sprint(i + 1)
	}
	a.screenKeys = key.NewBinding(key.WithKeys(digits...), key.WithHelp(fmt.Sprintf("1-%d", len(digits)), "screens"))
	a.keyHelp.Styles = help.DefaultStyles(c.Theme.IsDark)
	if d.Embedded {
		c.info("Embedded in-memory server with sample messages: nothing is kept after exit.")
	}
	return a
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
	for _, s := range a.screens {
		cmds = append(cmds, s.Init())
	}
	var shown tea.Cmd
	a.screens[a.active], shown = a.screens[a.active].Update(VisibleMsg{Visible: true})
	return tea.Batch(append(cmds, shown)...)
}

// Update handles what belongs to the frame and routes the rest.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	conn, handled := a.connUpdate(msg)
	var cmd tea.Cmd
	if !handled {
		cmd = a.update(msg)
	}
	a.layout() // a screen's help may have grown or shrunk
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
		if int(msg.ID) >= 0 && int(msg.ID) < len(a.screens) {
			return a.to(int(msg.ID), msg.Msg)
		}
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
		if msg.gen == a.c.status.gen && a.c.status.level != levelErr {
			a.c.setStatus(status{})
		}
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
	case BackMsg:
		return a.switchTo(a.prev)
	case HandOverMsg:
		for i, s := range a.screens {
			if h, ok := s.(holder); ok {
				return tea.Batch(h.Adopt(msg.Message), a.switchTo(i))
			}
		}
	case HeldDoneMsg:
		if a.c.holder != nil {
			a.c.holder.Forget(msg.ID)
		}
	default:
		// Paste, key releases and the input components' own messages
		// (cursor blinks, huh's field moves) are for the screen in front.
		return a.to(a.active, msg)
	}
	return nil
}

// to hands msg to screen i.
func (a *App) to(i int, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	a.screens[i], cmd = a.screens[i].Update(msg)
	return cmd
}

// broadcast hands a session-wide message to every screen.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, len(a.screens))
	for i := range a.screens {
		cmds[i] = a.to(i, msg)
	}
	return tea.Batch(cmds...)
}

// fade plans the clearing of a new note on the status line; errors stay.
func (a *App) fade() tea.Cmd {
	st := a.c.status
	if st.gen == a.fadeGen || st.text == "" || st.level == levelErr {
		return nil
	}
	a.fadeGen = st.gen
	return tea.Tick(statusFade, func(time.Time) tea.Msg { return statusFadeMsg{gen: st.gen} })
}

func (a *App) idleTick() tea.Cmd {
	gen := a.idle.gen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return idleTickMsg{gen: gen} })
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	if a.quitting {
		switch {
		case key.Matches(msg, k.Confirm):
			return tea.Quit
		case key.Matches(msg, k.Cancel):
			a.quitting = false
		}
		return nil
	}
	if !a.screens[a.active].Capturing() {
		switch {
		case key.Matches(msg, k.Quit):
			if a.c.held() != nil {
				a.quitting = true
				return nil
			}
			return tea.Quit
		case key.Matches(msg, k.Help):
			a.keyHelp.ShowAll = !a.keyHelp.ShowAll
			return nil
		case key.Matches(msg, k.NextScreen):
			return a.switchTo((a.active + 1) % len(a.screens))
		case key.Matches(msg, k.PrevScreen):
			return a.switchTo((a.active + len(a.screens) - 1) % len(a.screens))
		case key.Matches(msg, a.screenKeys):
			return a.switchTo(int(msg.String()[0] - '1'))
		}
		for i, s := range a.screens {
			if sc, ok := s.(shortcut); ok && key.Matches(msg, sc.Shortcut()) {
				return a.switchTo(i)
			}
		}
	}
	return a.to(a.active, msg)
}

// mouse switches screens on a click on a tab, and hands clicks and the
// wheel in the body to the screen in front, counted from the body's top.
func (a *App) mouse(msg tea.MouseMsg) tea.Cmd {
	m := msg.Mouse()
	if a.quitting || a.width < minWidth || a.height < minHeight {
		return nil
	}
	if _, click := msg.(tea.MouseClickMsg); click && m.Y == headerLines && m.Button == tea.MouseLeft {
		x := 0
		for i, s := range a.screens {
			w := lipgloss.Width(tabLabel(i, s)) + 2 // the tab's padding
			if m.X >= x && m.X < x+w {
				return a.switchTo(i)
			}
			x += w
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
	return tea.Tick(every, func(time.Time) tea.Msg { return statsTickMsg{} })
}

// layout gives every screen the body's size: what the frame leaves.
func (a *App) layout() {
	if a.width <= 0 {
		return
	}
	a.footerView = a.footer()
	h := max(a.height-headerLines-tabLines-statusLines-strings.Count(a.footerView, "\n")-1, 1)
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
		v.SetContent(termtext.Truncate(fmt.Sprintf("window %d×%d is too small: reviewq needs %d×%d",
			a.width, a.height, minWidth, minHeight), a.width))
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

func (a *App) body() string {
	in, f := a.screens[a.active].View(), &a.fitted[a.active]
	if in != f.in || f.w != a.width || f.h != a.bodyHeight || f.out == "" {
		f.in, f.w, f.h, f.out = in, a.width, a.bodyHeight, block(in, a.width, a.bodyHeight)
	}
	return f.out
}

// statusLine is the idle warning while it counts down, the quit question
// while it is asked, else the latest note.
func (a *App) statusLine() string {
	k := statusKey{width: a.width, theme: a.c.Theme, level: levelInfo}
	switch {
	case a.idle.on:
		left := max(a.idle.until.Sub(a.c.Now()), 0)
		k.text, k.level = "no key pressed for a while: this session closes in "+clock(left)+" — press any key to stay", levelWarn
	case a.quitting:
		k.text, k.level = a.quitQuestion(), levelWarn
	default:
		k.text, k.level = a.c.status.text, a.c.status.level
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
	a.status.key, a.status.view = k, style.Render(termtext.Truncate(k.text, a.width))
	return a.status.view
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

func tabLabel(i int, s Screen) string { return fmt.Sprintf("%d %s", i+1, s.Title()) }

func (a *App) tabs() string {
	th := a.c.Theme
	parts := make([]string, len(a.screens))
	for i, s := range a.screens {
		if i == a.active {
			parts[i] = th.ActiveTab.Render(tabLabel(i, s))
		} else {
			parts[i] = th.Tab.Render(tabLabel(i, s))
		}
	}
	return termtext.Truncate(strings.Join(parts, ""), a.width)
}
