package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// screenList is the console's screens, in tab order. The tab labels, the
// digit keys and the help's "1-N" all come from it, and a screen's
// replies find their way back by its place here: adding a screen is one
// file with its constructor, and one line in this list.
var screenList = []func(*Common, ScreenID) Screen{
	NewReviewScreen,
	NewComposeScreen,
	NewPendingScreen,
	NewStreamScreen,
	NewDeadScreen,
	NewActivityScreen,
}

// Screen is one page of the console. Only the root returns a tea.View;
// screens return strings and are told their size.
//
// A screen receives the keys, paste and mouse input while it is in front,
// the replies to what it asked for (whether in front or not), and the
// session-wide messages: tea.BackgroundColorMsg, StatsLoadedMsg and
// VisibleMsg.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	// Title is the tab label.
	Title() string
	// ShortHelp and FullHelp are the keys that work on the screen right
	// now, most important first; the footer adds the global ones.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing is true while the screen takes typed text or an answer
	// (a filter, a reason, a y/n question, the compose form), so the root
	// leaves letters and digits to it instead of treating them as global
	// keys.
	Capturing() bool
}

// ScreenID is a screen's place in screenList.
type ScreenID int

// ScreenMsg is a reply on its way back to the screen that asked for it:
// the root hands Msg to that screen alone, whichever is in front.
type ScreenMsg struct {
	ID  ScreenID
	Msg tea.Msg
}

// replyTo is how a screen asks for something that answers later (a
// server call, a timer): the answer comes back wrapped in a ScreenMsg
// with the screen's id.
type replyTo struct {
	c  *Common
	id ScreenID
}

// call runs a server call with the session's context and deadline; its
// result comes back to the screen.
func (r replyTo) call(f func(ctx context.Context) tea.Msg) tea.Cmd {
	return r.wrap(r.c.call(f))
}

// after sends msg back to the screen once d has passed.
func (r replyTo) after(d time.Duration, msg tea.Msg) tea.Cmd {
	id := r.id
	return tea.Tick(d, func(time.Time) tea.Msg { return ScreenMsg{ID: id, Msg: msg} })
}

func (r replyTo) wrap(cmd tea.Cmd) tea.Cmd {
	id := r.id
	return func() tea.Msg {
		if msg := cmd(); msg != nil {
			return ScreenMsg{ID: id, Msg: msg}
		}
		return nil
	}
}

// Optional parts of a screen, found by the root with a type assertion.
type (
	// poller is a screen that waits for new arrivals and wants fresher
	// numbers while it is in front.
	poller interface{ Polling() bool }

	// holder is the screen that holds a claimed message for review.
	holder interface {
		Held() *queue.Claimed
		// Adopt takes over a message claimed on another screen.
		Adopt(m *queue.Claimed) tea.Cmd
		// Forget drops the held message id, finished on another screen.
		Forget(id string)
	}

	// shortcut is a screen with a global key of its own (n: Compose).
	shortcut interface{ Shortcut() key.Binding }
)
