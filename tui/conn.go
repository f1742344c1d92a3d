package tui

import (
	"context"
	"errors"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The header's connection state tells the truth at once: the first call
// that could not reach the server puts it offline, whatever call it was,
// and the next call that reached it puts it back, without waiting for the
// next read of the numbers. While offline, or back but not yet read again,
// the numbers are marked stale with their age.

// probeEvery is how often the console asks the server whether it answers
// (a PING): often enough that a lost server shows within two seconds while
// nobody does anything, and that its return shows as soon. A desk's
// sessions leave it to the desk's one poller (Deps.Stats) while they are
// connected.
const probeEvery = time.Second

// pinger is a Queue that can be asked cheaply whether the server answers
// (*queue.Client is one).
type pinger interface {
	Ping(ctx context.Context) error
}

// connTickMsg plans the next probe, and redraws the age of the numbers
// while they are stale.
type connTickMsg struct{}

// probedMsg is a probe's outcome.
type probedMsg struct{ Err error }

// connUpdate is where every call's outcome passes on its way to the screen
// that asked; handled is true for the connection's own messages.
func (a *App) connUpdate(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case connTickMsg:
		a.connTicking = false
		if a.numbersStale {
			a.staleHeader = true // the age moves on
		}
		if p, ok := a.c.Queue.(pinger); ok && a.wantsProbe() {
			// With the session's deadline, not a tighter one: a busy
			// server is slow, not gone, and a killed one refuses at once.
			return a.c.call(func(ctx context.Context) tea.Msg {
				return probedMsg{Err: p.Ping(ctx)}
			}), true
		}
		return a.connTick(), true
	case probedMsg:
		return tea.Batch(a.reached(msg.Err), a.connTick()), true
	case StatsLoadedMsg:
		if msg.Err != nil {
			// The header's own read: any failure is shown there, as
			// before, not only a lost connection.
			return a.offline(msg.Err), false
		}
		a.statsAt = msg.At
		if a.statsAt.IsZero() {
			a.statsAt = a.c.Now()
		}
		a.numbersStale = false
		a.staleHeader = true
		return a.online(false), false
	case ScreenMsg:
		if err, ok := callErr(msg.Msg); ok {
			return a.reached(err), false
		}
	}
	return nil, false
}

// callErr is the error a call's reply carries. Every reply of a server call
// carries its own Err (cmds.go), so the root reads that one field rather
// than a list of reply types that a new call could be missing from.
func callErr(msg tea.Msg) (error, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Struct {
		return nil, false
	}
	f := v.FieldByName("Err")
	if !f.IsValid() || f.Type() != errorType {
		return nil, false
	}
	err, _ := f.Interface().(error)
	return err, true
}

var errorType = reflect.TypeFor[error]()

// reached notes a call's outcome: a lost connection puts the header
// offline, an answer of any kind (an ack of an entry no longer pending is
// an answer too) puts it back. A call stopped on purpose (esc on a search)
// says nothing either way.
func (a *App) reached(err error) tea.Cmd {
	switch {
	case errors.Is(err, context.Canceled):
		return nil
	case err != nil && isConnection(err):
		return a.offline(err)
	}
	return a.online(true)
}

func (a *App) offline(err error) tea.Cmd {
	was := a.connErr
	a.connErr, a.staleHeader = err, true
	if a.haveStats {
		a.numbersStale = true
	}
	if was != nil {
		return nil
	}
	if feed := a.c.Stats; feed != nil && isConnection(err) {
		// The desk's poller learns it now rather than at its next read,
		// so every session and the metrics say the same.
		feed.Refresh()
	}
	return a.connTick()
}

// online clears a lost connection; byCall is true when a call other than
// the header's read of the numbers got through, which clears only a lost
// connection (the read's own errors stay until the next read), and then
// reads the stale numbers again at once.
func (a *App) online(byCall bool) tea.Cmd {
	if a.connErr == nil || (byCall && !isConnection(a.connErr)) {
		return nil
	}
	a.connErr, a.staleHeader = nil, true
	a.c.reconnected()
	if !byCall {
		return nil
	}
	return statsCmd(a.c)
}

// wantsProbe: the local console probes all the time; a desk's session,
// whose numbers and connection come from the desk's poller, only while it
// is offline, to see the server back as soon as it answers.
func (a *App) wantsProbe() bool { return a.c.Stats == nil || a.connErr != nil }

// connTick plans the next probe (or, without one, the next redraw of the
// numbers' age), one at a time, while there is a reason for it.
func (a *App) connTick() tea.Cmd {
	_, canProbe := a.c.Queue.(pinger)
	if a.connTicking || !(canProbe && a.wantsProbe() || a.numbersStale) {
		return nil
	}
	a.connTicking = true
	return a.c.after(probeEvery, connTickMsg{})
}
