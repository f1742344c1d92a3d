package tui

import (
	"time"

	"github.com/reviewq/reviewq/queue"
)

// Session-wide messages. Everything a screen's Cmds produce comes back
// to it alone inside a ScreenMsg; these go to the root instead, which
// hands the ones screens care about (stats, visibility, the terminal's
// background) to every screen concerned.

// StatsLoadedMsg refreshes the header and every screen that shows live
// numbers. It is the one stats message: the root's own poll sends it, and
// so may a poller outside the program (p.Send).
type StatsLoadedMsg struct {
	Stats queue.Stats
	Err   error // the connection state: nil is connected
	// At is when Stats were read (a shared poller's read may be older
	// than its message); zero is now.
	At time.Time
}

// StatusMsg is a one-line note for the status line, from inside or from
// outside the program (the SSH desk sends them with p.Send). A note fades
// after a few seconds; an error stays until another note replaces it or
// esc dismisses it.
type StatusMsg struct {
	Text  string
	Error bool
}

func (StatsLoadedMsg) sessionWide() {}
func (StatusMsg) sessionWide()      {}

// VisibleMsg tells a screen it was brought to the front or sent behind
// another; only the two screens concerned receive it.
type VisibleMsg struct{ Visible bool }

// Requests a screen makes of the root: they come to it addressed from
// the screen, so it knows who asks.

// BackMsg asks the root to go back to the screen shown before the current
// one (esc in Compose).
type BackMsg struct{}

// HandOverMsg gives a message claimed on another screen (Pending) to the
// screen that holds messages for review, and brings that screen to the
// front. The holder receives it too, to take the message over.
type HandOverMsg struct{ Message *queue.Claimed }

// HeldDoneMsg tells the holding screen that its message was finished
// elsewhere in this session (acked from Pending), so it lets go quietly.
type HeldDoneMsg struct{ ID string }

func (BackMsg) toRoot()     {}
func (HandOverMsg) toRoot() {}
func (HeldDoneMsg) toRoot() {}

// statsTickMsg asks the root to refresh the header.
type statsTickMsg struct{}

// statusFadeMsg clears screen's note if it is still note gen.
type statusFadeMsg struct {
	screen ScreenID
	gen    int
}

// idleTickMsg redraws the idle warning's countdown.
type idleTickMsg struct{ gen int }

func (statsTickMsg) sessionWide()  {}
func (statusFadeMsg) sessionWide() {}
func (idleTickMsg) sessionWide()   {}
