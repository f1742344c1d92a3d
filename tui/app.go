package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
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
)

// App is the root model of one console session: it owns the size, the
// header, tabs, status line and footer, handles the global keys, and hands
// everything else to the screens.
type App struct {
	c       *Common
	screens []Screen
	active  int
	prev    int // for BackMsg
	keyHelp help.Model
	quit    key.Binding // ctrl+c, the one global key while a screen captures text

	status    string
	statusErr bool

	stats          queue.Stats
	haveStats      bool
	connErr        error // nil: connected (or not known yet, until haveStats or connErr)
	statsScheduled bool

	width, height int
	bodyHeight    int
	id            headerIdentity
	// The active screen's view fitted to the body, kept while the screen
	// draws the same string: measuring every line is not free.
	fitted struct {
		in, out string
		w, h    int
	}
	// The header and tabs change only with the numbers, the connection,
	// the active screen, the size or the theme; staleFrame marks them.
	frame      struct{ header, tabs string }
	staleFrame bool
	// The footer, kept while the keys it shows are the same.
	footerCache struct{ key, view string }
}

// headerIdentity is the part of the header that never changes, sanitised
// once: the consumer name may be an SSH user name.
type headerIdentity struct {
	server, streamGroup, consumer string
}

// poller is a screen that waits for new arrivals and wants fresher numbers.
type poller interface{ Polling() bool }

// New builds the console for one session.
func New(d Deps) *App {
	d = d.withDefaults()
	c := &Common{Deps: d, Theme: styles.New(true), Keys: DefaultKeyMap()}
	a := &App{
		c: c,
		screens: []Screen{
			NewReviewScreen(c), NewComposeScreen(c), NewPendingScreen(c), NewStreamScreen(c), NewDeadScreen(c),
		},
		keyHelp: help.New(),
		quit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		id: headerIdentity{
			server:      Truncate(SanitizeLine(d.Server), 40),
			streamGroup: Truncate(SanitizeLine(d.Stream), 30) + "/" + Truncate(SanitizeLine(d.Group), 30),
			consumer:    Truncate(SanitizeLine(d.Consumer), 30),
		},
	}
	a.keyHelp.Styles = help.DefaultStyles(true)
	if d.Embedded {
		a.status = "Embedded in-memory server with sample messages: nothing is kept after exit."
	}
	return a
}

// Init asks for the terminal background (the theme is dark until it
// answers), loads the header numbers and starts every screen.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, statsCmd(a.c)}
	for _, s := range a.screens {
		cmds = append(cmds, s.Init())
	}
	return tea.Batch(cmds...)
}

// Update handles what belongs to the frame and routes the rest: keys to
// the active screen, every other message to every screen, since async
// results carry no screen id and each screen knows its own.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg.(type) {
	case tea.WindowSizeMsg, tea.BackgroundColorMsg, StatsLoadedMsg, ErrMsg:
		a.staleFrame = true
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.keyHelp.SetWidth(msg.Width)
		a.layout()
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case tea.PasteMsg, tea.PasteStartMsg, tea.PasteEndMsg, tea.KeyReleaseMsg, tea.MouseMsg:
		// Input, like keys, is for the screen in front only.
		a.screens[a.active], cmd = a.screens[a.active].Update(msg)
		return a, cmd
	case tea.BackgroundColorMsg:
		a.c.Theme = styles.New(msg.IsDark())
		a.keyHelp.Styles = help.DefaultStyles(msg.IsDark())
	case SwitchScreenMsg:
		cmd = a.switchTo(msg.Screen - 1)
	case BackMsg:
		cmd = a.switchTo(a.prev)
	case statsTickMsg:
		a.statsScheduled = false
		return a, statsCmd(a.c)
	case StatsLoadedMsg:
		if msg.Err != nil {
			a.connErr = msg.Err // keep the last numbers
		} else {
			a.stats, a.haveStats, a.connErr = msg.Stats, true, nil
		}
		cmd = a.scheduleStats()
	case StatusMsg:
		a.status, a.statusErr = SanitizeLine(msg.Text), msg.Error
	case ErrMsg:
		a.status, a.statusErr = SanitizeLine(msg.Op)+" failed: "+errReason(msg.Err), true
		if isConnection(msg.Err) {
			a.connErr = msg.Err
		}
	}
	cmds := []tea.Cmd{cmd}
	for i, s := range a.screens {
		var c tea.Cmd
		a.screens[i], c = s.Update(msg)
		cmds = append(cmds, c)
	}
	a.layout() // a screen's full help may have grown or shrunk
	return a, tea.Batch(cmds...)
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, a.quit) {
		return tea.Quit
	}
	if !a.screens[a.active].Capturing() {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help):
			a.keyHelp.ShowAll = !a.keyHelp.ShowAll
			a.layout()
			return nil
		case key.Matches(msg, k.NextScreen):
			return a.switchTo((a.active + 1) % len(a.screens))
		case key.Matches(msg, k.PrevScreen):
			return a.switchTo((a.active + len(a.screens) - 1) % len(a.screens))
		case key.Matches(msg, k.Compose):
			return a.switchTo(1)
		}
		for i, b := range []key.Binding{k.Screen1, k.Screen2, k.Screen3, k.Screen4, k.Screen5} {
			if key.Matches(msg, b) {
				return a.switchTo(i)
			}
		}
	}
	var cmd tea.Cmd
	a.screens[a.active], cmd = a.screens[a.active].Update(msg)
	a.layout()
	return cmd
}

// switchTo shows screen i and tells the two screens concerned, so a
// hidden list defers its live reloads until it is looked at again.
func (a *App) switchTo(i int) tea.Cmd {
	if i < 0 || i >= len(a.screens) || i == a.active {
		return nil
	}
	a.prev, a.active = a.active, i
	a.staleFrame = true
	var hidden, shown tea.Cmd
	a.screens[a.prev], hidden = a.screens[a.prev].Update(VisibleMsg{Visible: false})
	a.screens[i], shown = a.screens[i].Update(VisibleMsg{Visible: true})
	a.layout()
	return tea.Batch(hidden, shown)
}

// scheduleStats plans the next header refresh, one at a time: sooner while
// the active screen waits for new arrivals.
func (a *App) scheduleStats() tea.Cmd {
	if a.statsScheduled {
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
	h := max(a.height-headerLines-tabLines-statusLines-strings.Count(a.footer(), "\n")-1, 1)
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
	switch {
	case a.width == 0:
		return v
	case a.width < minWidth || a.height < minHeight:
		v.SetContent(Truncate(fmt.Sprintf("window %d×%d is too small: reviewq needs %d×%d",
			a.width, a.height, minWidth, minHeight), a.width))
		return v
	}
	th := a.c.Theme
	status := th.Status
	if a.statusErr {
		status = th.Error
	}
	if a.staleFrame || a.frame.header == "" {
		a.frame.header, a.frame.tabs, a.staleFrame = a.header(), a.tabs(), false
	}
	v.SetContent(strings.Join([]string{
		a.frame.header,
		a.frame.tabs,
		a.body(),
		status.Render(Truncate(a.status, a.width)),
		a.footer(),
	}, "\n"))
	return v
}

func (a *App) body() string {
	in, f := a.screens[a.active].View(), &a.fitted
	if in != f.in || f.w != a.width || f.h != a.bodyHeight || f.out == "" {
		f.in, f.w, f.h, f.out = in, a.width, a.bodyHeight, block(in, a.width, a.bodyHeight)
	}
	return f.out
}

func (a *App) footer() string {
	s := a.screens[a.active]
	k := a.c.Keys
	keys := footerKeys{short: s.ShortHelp(), full: s.FullHelp()}
	if s.Capturing() {
		keys.short = append(keys.short, a.quit)
		keys.full = append(keys.full, []key.Binding{a.quit})
	} else {
		keys.short = append(keys.short, k.Screen1, k.NextScreen, k.Compose, k.Help, k.Quit)
		keys.full = append(keys.full, []key.Binding{k.Screen1, k.NextScreen, k.PrevScreen, k.Compose}, []key.Binding{k.Help, k.Quit})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%t %d %p", a.keyHelp.ShowAll, a.keyHelp.Width(), a.c.Theme)
	for _, group := range append([][]key.Binding{keys.short}, keys.full...) {
		b.WriteByte('|')
		for _, k := range group {
			if k.Enabled() {
				h := k.Help()
				b.WriteString(h.Key + "\x00" + h.Desc + "\x00")
			}
		}
	}
	if b.String() != a.footerCache.key {
		a.footerCache.key, a.footerCache.view = b.String(), a.keyHelp.View(keys)
	}
	return a.footerCache.view
}

// footerKeys joins the active screen's keys with the global ones.
type footerKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k footerKeys) ShortHelp() []key.Binding  { return k.short }
func (k footerKeys) FullHelp() [][]key.Binding { return k.full }

func (a *App) tabs() string {
	th := a.c.Theme
	parts := make([]string, len(a.screens))
	for i, s := range a.screens {
		label := fmt.Sprintf("%d %s", i+1, s.Title())
		if i == a.active {
			parts[i] = th.ActiveTab.Render(label)
		} else {
			parts[i] = th.Tab.Render(label)
		}
	}
	return Truncate(strings.Join(parts, ""), a.width)
}
