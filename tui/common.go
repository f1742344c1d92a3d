package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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
	// Now is the clock; fixed in golden tests.
	Now func() time.Time
	// Timeout is every server call's deadline.
	Timeout time.Duration
	// StatsEvery is how often the header refreshes; PollEvery how often an
	// empty Review screen looks for new arrivals.
	StatsEvery time.Duration
	PollEvery  time.Duration
}

func (d Deps) withDefaults() Deps {
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
// dependencies, theme, keys and size.
type Common struct {
	Deps
	Theme  *styles.Theme
	Keys   KeyMap
	Width  int // of the screen's body
	Height int // of the screen's body
}

// call runs one server call with the session's deadline, off the Update
// loop: the returned Cmd is executed by Bubble Tea in its own goroutine.
func (c *Common) call(f func(ctx context.Context) tea.Msg) tea.Cmd {
	timeout := c.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return f(ctx)
	}
}

// Screen is one page of the console. Only the root returns a tea.View;
// screens return strings and are told their size.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	// Title is the tab label.
	Title() string
	// ShortHelp and FullHelp are the screen's own keys for the footer.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing is true while the screen takes typed text (a filter, a
	// reason, the compose form), so the root leaves letters and digits to
	// it instead of treating them as global keys.
	Capturing() bool
}
