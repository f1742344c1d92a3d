package sshd

import (
	"charm.land/ssh"
)

// The terminal size a session renders at. Bubble Tea keeps two cell
// buffers for the whole window (the frame and what the terminal shows), at
// 112 bytes a cell each, so a session's memory grows with its area and the
// size a client asks for is memory it makes the desk hold: one 5000×5000
// request alone would cost gigabytes. A session's budget is 2 MiB
// (SessionMemory): at 120×40 it holds about 1.5 MiB live (1.05 MiB of it
// the cell buffers, the rest the console, the SSH connection, Bubble
// Tea's input decoder and the goroutine stacks) and stays under 2 MiB of
// RSS; at the former clamp of 240×80 the cell buffers alone took 4.1 MiB.
// A larger terminal gets the console at 120×40 and the rest of its screen
// stays blank (BenchmarkSessionHeapBySize and make bench-ssh measure it).
const (
	MaxWidth  = 120
	MaxHeight = 40
	// Zero and negative sizes (a client without a terminal sends 0×0)
	// render at the smallest window there is.
	MinWidth  = 1
	MinHeight = 1
)

// clampSize is the size a session renders at for the size its client says.
func clampSize(width, height int) (int, int) {
	return min(max(width, MinWidth), MaxWidth), min(max(height, MinHeight), MaxHeight)
}

// clampedSession is the session as its console sees it: the PTY's size and
// every window-change clamped, and window-changes coalesced. The console
// (wish's bubbletea middleware and MakeOptions) reads the size only through
// Pty, so it never sees the client's own numbers.
type clampedSession struct {
	ssh.Session
	pty     ssh.Pty
	ok      bool
	windows chan ssh.Window
}

// clampSession wraps sess. Window-changes are read from the session as they
// come, so the SSH connection is never held up by a slow console, and only
// the latest size waits for the console: 200 changes in a second make it
// redraw as often as it can, at the last size, not 200 times.
func clampSession(sess ssh.Session) *clampedSession {
	pty, changes, ok := sess.Pty()
	c := &clampedSession{Session: sess, ok: ok, windows: make(chan ssh.Window, 1)}
	if !ok {
		close(c.windows)
		return c
	}
	pty.Window = clampWindow(pty.Window)
	c.pty = pty
	go c.coalesce(changes)
	return c
}

// Pty is the session's PTY at the clamped size, and its clamped size
// changes.
func (c *clampedSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	return c.pty, c.windows, c.ok
}

// coalesce forwards each size change, clamped, replacing one the console
// has not taken yet. It ends when the session's requests end.
func (c *clampedSession) coalesce(changes <-chan ssh.Window) {
	defer close(c.windows)
	for w := range changes {
		w = clampWindow(w)
		select {
		case c.windows <- w:
			continue
		default:
		}
		select { // full: the console has not taken the last one; drop it
		case <-c.windows:
		default:
		}
		c.windows <- w // the only sender, and the buffer has room now
	}
}

func clampWindow(w ssh.Window) ssh.Window {
	w.Width, w.Height = clampSize(w.Width, w.Height)
	return w
}
