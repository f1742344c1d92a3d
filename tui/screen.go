package tui

import (
	"context"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// ScreenID names a screen for good: replies find their way back by it,
// and keys are remapped by it ("screen-pending"). It is not its place in
// the list.
type ScreenID string

// screenList is the console's screens, in tab order. The tabs, the digit
// keys ("screen-<id>"), the help's "1-N" and the texts that name screens
// all come from it: adding a screen is one file with its constructor and
// its table of actions, and one line here.
var screenList = []screenEntry{
	{reviewID, NewReviewScreen},
	{composeID, NewComposeScreen},
	{pendingID, NewPendingScreen},
	{streamID, NewStreamScreen},
	{deadID, NewDeadScreen},
	{activityID, NewActivityScreen},
}

// screenEntry is one line of screenList.
type screenEntry struct {
	ID  ScreenID
	New func(*Common) Screen
}

// Screen is one page of the console. Only the root returns a tea.View;
// screens return strings and are told their size.
//
// A screen receives the keys of its actions (the root reads its table),
// the keys its mode takes as text, paste and mouse input while it is in
// front; every reply to what it returned (whether in front or not: the
// root addresses every Cmd a screen returns to it, component Cmds
// included); and the session-wide messages: tea.BackgroundColorMsg,
// StatsLoadedMsg and VisibleMsg.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	// Title is the tab label.
	Title() string
	// Actions is the screen's key table, built once: every key the
	// screen answers, with its hint and when it applies.
	Actions() []Action
	// Mode is what the screen listens for now. Outside ModeNormal it
	// captures: the global keys (but force-quit) give way, and keys that
	// none of its actions in that mode take go to it as text.
	Mode() Mode
}

// ScreenMsg is a reply on its way back to the screen whose Cmd produced
// it: the root hands Msg to that screen alone, whichever is in front.
type ScreenMsg struct {
	ID  ScreenID
	Msg tea.Msg
}

// sessionMsg marks the messages that are for the root, not a reply to the
// screen whose Cmd produced them (the numbers, a hand-over, a note).
type sessionMsg interface{ sessionWide() }

// teaPackage is Bubble Tea's own: its messages (quit, the clipboard, a
// batch) are for the program, whoever returned them.
var teaPackage = reflect.TypeFor[tea.QuitMsg]().PkgPath()

var cmdType = reflect.TypeFor[tea.Cmd]()

// addressTo makes every message cmd produces a reply to screen id: it
// runs cmd and wraps its message, walking batches and sequences so the
// Cmds inside come back to id as well. Session messages and Bubble Tea's
// own stay as they are.
func addressTo(id ScreenID, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg { return address(id, cmd()) }
}

func address(id ScreenID, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		out := make(tea.BatchMsg, len(m))
		for i, c := range m {
			out[i] = addressTo(id, c)
		}
		return out
	case sessionMsg:
		return msg
	}
	t := reflect.TypeOf(msg)
	if t.Kind() == reflect.Slice && t.Elem() == cmdType {
		// tea.Sequence's message, whose type is not exported: the same
		// type, its Cmds addressed.
		v := reflect.ValueOf(msg)
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			if c, _ := v.Index(i).Interface().(tea.Cmd); c != nil {
				out.Index(i).Set(reflect.ValueOf(addressTo(id, c)))
			}
		}
		return out.Interface()
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == teaPackage {
		return msg
	}
	return ScreenMsg{ID: id, Msg: msg}
}

// call runs a server call off the Update loop, with a context derived from
// the session's and the session's deadline.
func (c *Common) call(f func(ctx context.Context) tea.Msg) tea.Cmd {
	parent, timeout := c.Context, c.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		return f(ctx)
	}
}

// after sends msg once d has passed: every timer of the console goes
// through here, so screen tests can see them without waiting.
func (c *Common) after(d time.Duration, msg tea.Msg) tea.Cmd {
	if c.timer != nil {
		return c.timer(d, msg)
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// Optional parts of a screen, found by the root with a type assertion.
type (
	// poller is a screen that waits for new arrivals and wants fresher
	// numbers while it is in front.
	poller interface{ Polling() bool }

	// holder is the screen that holds a claimed message for review. It
	// takes a HandOverMsg (a message claimed elsewhere, to review here)
	// and a HeldDoneMsg (its message finished elsewhere).
	holder interface{ Held() *queue.Claimed }

	// shortcut is a screen with a global key of its own, from any screen
	// but itself (n: Compose): its action's name and hint.
	shortcut interface{ Shortcut() (name, desc string) }

	// writer is a screen that has nothing to offer a read-only session
	// (Review, Compose): the texts that point such a session elsewhere
	// leave it out.
	writer interface{ writes() }
)
