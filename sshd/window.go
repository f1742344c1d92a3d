package sshd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/ssh"
)

// The terminal size a session renders at is clamped to Config.MaxSize.
// Bubble Tea keeps a cell buffer of what the terminal shows for the whole
// window, at 112 bytes a cell, and borrows one as large for each frame it
// draws (third_party/bubbletea), so a session's memory grows with its area
// and the size a client asks for is memory it makes the desk hold: one
// 5000×5000 request alone would cost gigabytes. At the default of 120×40 a
// session holds about 1.0 MiB live (0.52 MiB of it the cell buffer, the
// rest the console, the SSH connection, Bubble Tea's input decoder and the
// goroutine stacks) and stays within its 2 MiB budget (SessionMemory). A
// larger terminal gets the console at the maximum and the rest of its
// screen stays blank. An operator who wants more room trades memory for it
// (SessionMemoryAt): at 200×60 a session holds about 2.0 MiB live, of a
// 4.5 MiB budget (BenchmarkSessionHeapBySize and make bench-ssh measure
// it).
const (
	DefaultMaxWidth  = 120
	DefaultMaxHeight = 40
	// The least maximum is the console's smallest window (tui's minimum
	// size): below it every session would show only "too small".
	LeastMaxWidth  = 60
	LeastMaxHeight = 16
	// The most, where one session's budget reaches 28 MiB: one such
	// session costs what fourteen at 120×40 do.
	MostMaxWidth  = 400
	MostMaxHeight = 200
	// Zero and negative sizes (a client without a terminal sends 0×0)
	// render at the smallest window there is.
	MinWidth  = 1
	MinHeight = 1
)

// Size is a terminal size in cells.
type Size struct{ Width, Height int }

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Width, s.Height) }

// DefaultMaxSize is Config.MaxSize's zero value.
var DefaultMaxSize = Size{DefaultMaxWidth, DefaultMaxHeight}

// ParseSize reads WIDTHxHEIGHT ("200x60"; × and X also separate).
func ParseSize(v string) (Size, error) {
	w, h, ok := strings.Cut(strings.NewReplacer("×", "x", "X", "x").Replace(strings.TrimSpace(v)), "x")
	width, werr := strconv.Atoi(w)
	height, herr := strconv.Atoi(h)
	if !ok || werr != nil || herr != nil {
		return Size{}, errors.New("not WIDTHxHEIGHT (e.g. 200x60)")
	}
	return Size{width, height}, nil
}

// CheckMaxSize refuses a maximum size (Config.MaxSize) the console cannot
// draw in, or one that would let a session hold more than a desk should
// give it.
func CheckMaxSize(s Size) error {
	if s.Width < LeastMaxWidth || s.Height < LeastMaxHeight {
		return fmt.Errorf("at least %dx%d, the console's smallest window", LeastMaxWidth, LeastMaxHeight)
	}
	if s.Width > MostMaxWidth || s.Height > MostMaxHeight {
		return fmt.Errorf("at most %dx%d (%d MiB a session)", MostMaxWidth, MostMaxHeight,
			SessionMemoryAt(Size{MostMaxWidth, MostMaxHeight})>>20)
	}
	return nil
}

// clampSize is the size a session renders at for the size its client says.
func clampSize(width, height int, most Size) (int, int) {
	return min(max(width, MinWidth), most.Width), min(max(height, MinHeight), most.Height)
}

// clampedSession is the session as its console sees it: the PTY's size and
// every window-change clamped, and window-changes coalesced. The console
// (wish's bubbletea middleware and MakeOptions) reads the size only through
// Pty, so it never sees the client's own numbers.
type clampedSession struct {
	ssh.Session
	most    Size
	pty     ssh.Pty
	ok      bool
	windows chan ssh.Window
}

// clampSession wraps sess. Window-changes are read from the session as they
// come, so the SSH connection is never held up by a slow console, and only
// the latest size waits for the console: 200 changes in a second make it
// redraw as often as it can, at the last size, not 200 times.
func clampSession(sess ssh.Session, most Size) *clampedSession {
	pty, changes, ok := sess.Pty()
	c := &clampedSession{Session: sess, most: most, ok: ok, windows: make(chan ssh.Window, 1)}
	if !ok {
		close(c.windows)
		return c
	}
	pty.Window = c.clampWindow(pty.Window)
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
		w = c.clampWindow(w)
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

func (c *clampedSession) clampWindow(w ssh.Window) ssh.Window {
	w.Width, w.Height = clampSize(w.Width, w.Height, c.most)
	return w
}
