package sshd

import (
	"fmt"
	"io"
	"net"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/reviewq/reviewq/tui"
)

// maxUserBytes bounds the SSH user name, which becomes a consumer name.
const maxUserBytes = 64

// deskSession is one SSH session with the console. Its program and
// endLine are guarded by Server.mu.
type deskSession struct {
	user, consumer string
	key, remote    string
	readOnly       bool
	start          time.Time
	idle           *idleClock
	input          *inputGuard
	filter         *inputFilter
	done           chan struct{} // closed when the session's console has ended

	program *tea.Program
	endLine string // told to the user when the program ends: why it ended
}

func (d *deskSession) attrs() []any {
	return []any{"user", d.user, "consumer", d.consumer, "key", d.key, "remote", d.remote, "read_only", d.readOnly}
}

// admit refuses what cannot get a console (a bad user name, a key not
// bound to it, no terminal, a full desk, a user with all their sessions
// open, a server going down) with one line, registers the rest for
// shutdown and the session limits, and logs each session's start and end.
// The console gets the session with its size clamped (clampedSession).
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(raw ssh.Session) {
		sess := clampSession(raw, s.cfg.MaxSize)
		d, refusal := s.register(sess)
		if refusal != "" {
			s.log.Info("refused session", "user", sanitizeUser(sess.User()), "remote", sess.RemoteAddr().String(), "reason", refusal)
			fmt.Fprintln(sess.Stderr(), refusal)
			_ = sess.Exit(1)
			return
		}
		s.log.Info("session start", append(d.attrs(), "sessions", s.Sessions())...)
		if s.cfg.IdleTimeout > 0 {
			go s.watchIdle(d, d.done)
		}

		next(sess)

		close(d.done)
		s.mu.Lock()
		delete(s.live, sess)
		s.budgetMemory()
		line, closing := d.endLine, s.closing
		s.mu.Unlock()
		if line != "" {
			fmt.Fprintln(sess, line)
		}
		end := append(d.attrs(), "duration", time.Since(d.start).Round(time.Second).String())
		if n := d.filter.dropped.Load(); n > 0 {
			end = append(end, "keys_dropped", n)
		}
		s.log.Info("session end", end...)
		if closing {
			// The client may keep the connection after the exit status;
			// close it so the server's shutdown need not wait for it.
			_ = sess.Exit(0)
			if c, ok := sess.Context().Value(ssh.ContextKeyConn).(io.Closer); ok {
				_ = c.Close()
			}
		}
		s.ended.Done()
	}
}

func (s *Server) register(sess ssh.Session) (*deskSession, string) {
	user := sess.User()
	if !validUser(user) {
		return nil, fmt.Sprintf("reviewq: the SSH user name is your consumer name: 1 to %d bytes of printable characters, no spaces (ssh -l NAME …)", maxUserBytes)
	}
	if s.keys != nil {
		// Authentication checked this already; check again against the
		// file as it is now, in case it changed since.
		if k := sess.PublicKey(); k == nil {
			return nil, "reviewq: log in with your key"
		} else if ok, _ := s.keys.bound(user, k); !ok {
			return nil, fmt.Sprintf("reviewq: this key does not log in as %s", user)
		}
	}
	if _, _, ok := sess.Pty(); !ok {
		return nil, fmt.Sprintf("reviewq needs a terminal: ssh -t -p %s %s@HOST", port(sess.LocalAddr()), user)
	}
	key := "none"
	if k := sess.PublicKey(); k != nil {
		key = gossh.FingerprintSHA256(k)
	}
	d := &deskSession{
		user: user, consumer: s.cfg.ConsumerPrefix + user,
		key: key, remote: sess.RemoteAddr().String(),
		readOnly: s.cfg.ReadOnly || s.readOnly[user],
		start:    time.Now(),
		idle:     newIdleClock(),
		done:     make(chan struct{}),
	}
	d.filter = newInputFilter(s, d)
	d.input = newInputGuard(sess, func(pasted int) {
		s.log.Warn("cut a paste", append(d.attrs(), "pasted_bytes", pasted, "passed_bytes", MaxPasteBytes)...)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return nil, "reviewq is shutting down; try again later"
	case s.sessionsOf(user) >= s.cfg.MaxSessionsPerUser:
		return nil, fmt.Sprintf("reviewq: %s already has %d sessions open", user, s.cfg.MaxSessionsPerUser)
	case len(s.live) >= s.cfg.MaxSessions:
		return nil, fmt.Sprintf("reviewq: the desk is full (%d sessions); try again later", s.cfg.MaxSessions)
	}
	s.live[sess] = d
	s.budgetMemory()
	s.ended.Add(1)
	return d, ""
}

// newProgram builds the session's console: its own consumer over the
// shared client, its own size, resize events and color profile (from the
// session's TERM, through MakeOptions).
func (s *Server) newProgram(sess ssh.Session) *tea.Program {
	s.mu.Lock()
	d := s.live[sess]
	s.mu.Unlock()
	if d == nil {
		return nil
	}
	cfg := s.cfg.Client.Config()
	model := tui.New(tui.Deps{
		// What the desk did, for metrics; pages read once for every
		// session that asks for them at about the same time.
		Queue:  sharedQueue{countingQueue{s.cfg.Client.WithConsumer(d.consumer), &s.counts}, s.pages},
		Server: s.cfg.Server, Embedded: s.cfg.Embedded,
		Stream: cfg.Stream, Group: cfg.Group, Consumer: d.consumer,
		ReclaimAfter: cfg.ReclaimAfter, Timeout: cfg.Timeout, ReadOnly: d.readOnly,
		Profile: s.cfg.Profile, ThemeOptions: s.cfg.Theme, Keymap: s.cfg.Keymap,
		// A closed session cancels its calls at once rather than at their
		// deadline.
		Context:  sess.Context(),
		Location: sessionZone(sess.Environ()),
		Stats:    s.stats, // read once for the desk, sent in by relayStats
		Now:      cfg.Now, // the queue's clock: one clock for what is read and what is drawn
	})
	opts := append(bubbletea.MakeOptions(sess), // sess is clamped: so is the size it gives
		tea.WithInput(d.input),          // the same session input, pastes cut and paced
		tea.WithFilter(d.filter.filter), // replaces MakeOptions's filter, and does what it did
		tea.WithoutSignalHandler(),      // the server's signals are the server's, not every session's
	)
	p := tea.NewProgram(model, opts...)

	s.mu.Lock()
	defer s.mu.Unlock()
	if d.endLine != "" { // ended (shutdown) while the console was being built
		return nil
	}
	d.program = p
	go s.relayStats(p, d.done)
	return p
}

// relayStats hands the desk's numbers to the session's console: the
// latest at once, then each change. A console that is busy gets only the
// newest numbers when it is ready, never a backlog; an idle desk sends
// nothing, so an idle console does nothing.
func (s *Server) relayStats(p *tea.Program, done <-chan struct{}) {
	sub := s.stats.Subscribe()
	defer sub.Close()
	for {
		select {
		case <-done:
			return
		case <-sub.C():
		}
		if snap, ok := s.stats.Latest(); ok {
			// Returns when the console takes it or has ended (wish's
			// middleware kills the program before done is closed).
			p.Send(tui.StatsLoadedMsg{Stats: snap.Stats, Err: snap.Err, At: snap.StatsAt})
		}
	}
}

// end tells the session why it ends and stops its program; the first
// reason wins.
func (s *Server) end(d *deskSession, line string) {
	s.mu.Lock()
	if d.endLine == "" {
		d.endLine = line
	}
	p := d.program
	s.mu.Unlock()
	if p != nil {
		go p.Quit() // blocks until the program's loop runs, if it has not yet
	}
}

// sessionsOf counts the user's open sessions; s.mu is held.
func (s *Server) sessionsOf(user string) int {
	n := 0
	for _, d := range s.live {
		if d.user == user {
			n++
		}
	}
	return n
}

// send hands msg to the session's console, once it has one; it waits
// while the console is busy, and gives up when the console ends.
func (s *Server) send(d *deskSession, msg tea.Msg) {
	s.mu.Lock()
	p := d.program
	s.mu.Unlock()
	if p != nil {
		p.Send(msg)
	}
}

// validUser accepts user names that make a readable consumer name: valid
// UTF-8, printable, no spaces or control or format characters (bidi
// overrides included), at most maxUserBytes.
func validUser(name string) bool {
	if name == "" || len(name) > maxUserBytes || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r == ' ' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// sanitizeUser shortens a refused user name for the log (the text handler
// quotes control characters itself).
func sanitizeUser(name string) string {
	if len(name) > maxUserBytes {
		name = name[:maxUserBytes] + "…"
	}
	return name
}

func port(a net.Addr) string {
	if _, p, err := net.SplitHostPort(a.String()); err == nil {
		return p
	}
	return "PORT"
}

// shortDuration prints 30m rather than 30m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// sessionZone is the viewer's time zone when the client sends TZ (OpenSSH:
// SendEnv TZ), else nil: the server's local zone. time.LoadLocation refuses
// names that would reach outside the zoneinfo database ("..", absolute
// paths), so the client's value cannot name an arbitrary file.
func sessionZone(environ []string) *time.Location {
	for _, kv := range environ {
		name, ok := strings.CutPrefix(kv, "TZ=")
		if !ok {
			continue
		}
		name = strings.TrimPrefix(name, ":") // POSIX ":Area/City"
		if name == "" || len(name) > 64 {
			return nil
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
		return nil
	}
	return nil
}
