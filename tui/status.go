package tui

import (
	"fmt"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// statusFade is how long a note stays on the status line. Errors stay
// until what caused them clears.
const statusFade = 5 * time.Second

type statusLevel int

const (
	levelInfo statusLevel = iota
	levelOK
	levelWarn
	levelErr
)

// status is the one line under the screen where every action reports.
type status struct {
	text  string
	level statusLevel
	// cond names what failed, for an error ("stream page", "keep-alive"):
	// the next success of the same thing withdraws it.
	cond string
	// conn marks an error that is a lost connection: it is withdrawn once
	// the header reaches the server again.
	conn bool
	// gen changes with every note, so a fade timer of an older note does
	// nothing.
	gen int
}

// note puts a line on the status line that fades after statusFade.
func (c *Common) note(level statusLevel, format string, args ...any) {
	c.setStatus(status{text: fmt.Sprintf(format, args...), level: level})
}

func (c *Common) info(format string, args ...any) { c.note(levelInfo, format, args...) }
func (c *Common) ok(format string, args ...any)   { c.note(levelOK, format, args...) }
func (c *Common) warn(format string, args ...any) { c.note(levelWarn, format, args...) }

// fail reports a failed cond on the status line, "<what> failed: <reason>",
// where it stays until cond succeeds, the connection comes back (when that
// was the reason), or another note replaces it.
func (c *Common) fail(cond, what string, err error) {
	c.failf(cond, isConnection(err), "%s failed: %s", what, errReason(err))
}

// failf is fail with a line of its own.
func (c *Common) failf(cond string, conn bool, format string, args ...any) {
	c.setStatus(status{text: fmt.Sprintf(format, args...), level: levelErr, cond: cond, conn: conn})
}

// succeeded withdraws an error about cond, and an error that was a lost
// connection: a call just went through.
func (c *Common) succeeded(cond string) {
	if c.status.level == levelErr && (c.status.cond == cond || c.status.conn) && c.status.text != "" {
		c.setStatus(status{})
	}
}

// reconnected withdraws an error that was a lost connection.
func (c *Common) reconnected() {
	if c.status.level == levelErr && c.status.conn {
		c.setStatus(status{})
	}
}

func (c *Common) setStatus(s status) {
	s.text = termtext.SanitizeLine(s.text)
	s.gen = c.status.gen + 1
	c.status = s
}

// about names a message for a note, by its sender's name ("Ann's
// message") or, when the entry has none, by its ID: short enough that the
// note fits one line at 80 columns.
func about(id string, e *queue.Entry) string {
	if e != nil {
		if name := termtext.Line(e.Name(), 24); name != "" {
			return name + "'s message"
		}
	}
	return safeID(id)
}
