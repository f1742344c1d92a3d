package tui

import (
	"fmt"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// How long a note stays on the status line: a warning says more, and
// gets longer to be read. Errors stay until what caused them clears, or
// esc dismisses them.
const (
	noteFade = 5 * time.Second
	warnFade = 10 * time.Second
)

type statusLevel int

const (
	levelInfo statusLevel = iota
	levelOK
	levelWarn
	levelErr
)

// status is the line under the screen where every action reports. Each
// screen has its own (what it says is about that screen, and shows while
// it is in front), and the session has one ("") for what concerns all
// (the desk's notes, the embedded server).
type status struct {
	text  string
	level statusLevel
	// cond names what failed, for an error ("stream page", "keep-alive"):
	// the next success of the same thing withdraws it.
	cond string
	// conn marks an error that is a lost connection: it is withdrawn once
	// the header reaches the server again.
	conn bool
	// gen is the note's place in the session's order of notes: a fade
	// timer of an older note does nothing, and of the screen's and the
	// session's, the later shows.
	gen int
}

// fade is how long s stays; 0 for an error, which stays.
func (s status) fade() time.Duration {
	switch {
	case s.text == "" || s.level == levelErr:
		return 0
	case s.level == levelWarn:
		return warnFade
	}
	return noteFade
}

// note puts a line on the status line that fades.
func (c *Common) note(level statusLevel, format string, args ...any) {
	c.setStatus(status{text: fmt.Sprintf(format, args...), level: level})
}

func (c *Common) info(format string, args ...any) { c.note(levelInfo, format, args...) }
func (c *Common) ok(format string, args ...any)   { c.note(levelOK, format, args...) }
func (c *Common) warn(format string, args ...any) { c.note(levelWarn, format, args...) }

// fail reports a failed cond on the status line, "<what> failed:
// <reason>", and advice when there is some ("it stays here, try again"):
// it stays until cond succeeds, the connection comes back (when that was
// the reason), esc dismisses it, or another note replaces it.
func (c *Common) fail(cond, what string, err error, advice ...string) {
	text := fmt.Sprintf("%s failed: %s", what, errReason(err))
	for _, a := range advice {
		text += " — " + a
	}
	c.setStatus(status{text: text, level: levelErr, cond: cond, conn: isConnection(err)})
}

// failf is fail with a line of its own.
func (c *Common) failf(cond string, conn bool, format string, args ...any) {
	c.setStatus(status{text: fmt.Sprintf(format, args...), level: levelErr, cond: cond, conn: conn})
}

// succeeded withdraws the current screen's error about cond, or one that
// was a lost connection: a call just went through.
func (c *Common) succeeded(cond string) {
	if st := c.notes[c.current]; st.level == levelErr && (st.cond == cond || st.conn) {
		delete(c.notes, c.current)
	}
}

// reconnected withdraws every error that was a lost connection.
func (c *Common) reconnected() {
	for id, st := range c.notes {
		if st.level == levelErr && st.conn {
			delete(c.notes, id)
		}
	}
}

// setStatus replaces the current screen's note.
func (c *Common) setStatus(s status) {
	if c.notes == nil {
		c.notes = map[ScreenID]status{}
	}
	s.text = termtext.SanitizeLine(s.text)
	if s.text == "" {
		delete(c.notes, c.current)
		return
	}
	c.noteGen++
	s.gen = c.noteGen
	c.notes[c.current] = s
	if s.fade() > 0 {
		c.fresh = append(c.fresh, c.current)
	}
}

// status is the current screen's note.
func (c *Common) status() status { return c.notes[c.current] }

// shownStatus is the note the status line shows while screen id is in
// front: its own or the session's, the later of the two.
func (c *Common) shownStatus(id ScreenID) status {
	own, session := c.notes[id], c.notes[""]
	if session.gen > own.gen {
		return session
	}
	return own
}

// dismiss takes the note off the line while screen id is in front (esc).
func (c *Common) dismiss(id ScreenID) {
	delete(c.notes, id)
	delete(c.notes, "")
}

// faded clears the note of screen id if it is still note gen.
func (c *Common) faded(id ScreenID, gen int) {
	if st, ok := c.notes[id]; ok && st.gen == gen && st.level != levelErr {
		delete(c.notes, id)
	}
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
