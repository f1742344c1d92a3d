package tui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// Deps is everything one console session needs. The local console and each
// SSH session build their own; nothing per session lives in globals.
type Deps struct {
	Queue        Queue
	Server       string // shown in the header, no password
	Embedded     bool   // the in-memory server: say so plainly
	Stream       string
	Group        string
	Consumer     string
	ReclaimAfter time.Duration
	ReadOnly     bool // browsing only: no claim, ack, release, dead-letter or compose
	// Profile is the settings file's profile the session works on, named
	// in the header; "" for none.
	Profile string
	// ThemeOptions are the settings file's theme: dark, light or the
	// terminal's background, and colour overrides.
	ThemeOptions styles.Options
	// Context is the session's: every server call derives its own from it,
	// so a closed SSH session cancels what it has in flight at once rather
	// than at the deadline. nil is context.Background().
	Context context.Context
	// Location is the viewer's time zone, the one every time on screen is
	// written in. nil is time.Local (TZ).
	Location *time.Location
	// Now is the clock; fixed in golden tests.
	Now func() time.Time
	// Timeout is every server call's deadline.
	Timeout time.Duration
	// StatsEvery is how often the header refreshes; PollEvery how often an
	// empty Review screen looks for new arrivals.
	StatsEvery time.Duration
	PollEvery  time.Duration
	// Stats, when set, is a poller of the numbers shared with other
	// consoles (the SSH desk reads them once for all its sessions): the
	// console then never reads them itself. Whoever runs the program
	// sends them in as StatsLoadedMsg (p.Send) when they change, the
	// first time as soon as the program starts; after an action of its
	// own that changes them, the console asks Stats for a refresh.
	Stats StatsFeed
	// Keymap is the keys of the console's actions; the zero Keymap is
	// the defaults.
	Keymap Keymap
}

// StatsFeed is a poller of the queue's numbers that several consoles
// share (*statsfeed.Poller is one).
type StatsFeed interface {
	// Refresh asks for a fresh read soon; it must not block. The numbers
	// come back as a StatsLoadedMsg, when they changed.
	Refresh()
}

func (d Deps) withDefaults() Deps {
	if d.Context == nil {
		d.Context = context.Background()
	}
	if d.Location == nil {
		d.Location = time.Local
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Timeout <= 0 {
		d.Timeout = 5 * time.Second
	}
	if d.ReclaimAfter <= 0 {
		d.ReclaimAfter = 60 * time.Second
	}
	if d.StatsEvery <= 0 {
		d.StatsEvery = 3 * time.Second
	}
	if d.PollEvery <= 0 {
		d.PollEvery = 2 * time.Second
	}
	return d
}

// Common is shared by the root and every screen of one session: its
// dependencies, theme, keys, the body's size and the status line. Screens
// read the theme when they draw and never keep it: it changes when the
// terminal says its background is light.
type Common struct {
	Deps
	Theme  *styles.Theme
	keys   *keyset
	Width  int // of the screen's body
	Height int // of the screen's body

	// The status line: a note per screen, and one for the session (""),
	// see status.go. current is the screen whose message or key is being
	// handled: what it reports is its own.
	notes   map[ScreenID]status
	current ScreenID
	fresh   []ScreenID // notes set since the root last planned their fading
	noteGen int
	// holder is the screen that holds a claimed message for review; the
	// root and Pending ask before they make it give the message up.
	holder holder
	// timer, when set, stands in for tea.Tick (see after).
	timer func(time.Duration, tea.Msg) tea.Cmd
	// tabs is the screens' tab labels ("3 Pending"), of those a
	// read-only session can use in readOnlyTabs.
	tabs, readOnlyTabs []string
}

// browsing is the tabs a read-only session can use, as the tab bar
// labels them: "3 Pending, 4 Stream and 5 Dead letters".
func (c *Common) browsing() string {
	tabs := c.readOnlyTabs
	if len(tabs) < 2 {
		return strings.Join(tabs, "")
	}
	return strings.Join(tabs[:len(tabs)-1], ", ") + " and " + tabs[len(tabs)-1]
}

// key is how the footer writes the keys of the action name, for a text
// that tells the reviewer what to press.
func (c *Common) key(name string) string { return c.keys.label(name, ModeNormal) }

// held is the message this session holds for review, nil when none.
func (c *Common) held() *queue.Claimed {
	if c.holder == nil {
		return nil
	}
	return c.holder.Held()
}
