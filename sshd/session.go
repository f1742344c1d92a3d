package sshd

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
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
	input          *inputClock

	program *tea.Program
	endLine string // told to the user when the program ends: why it ended
}

func (d *deskSession) attrs() []any {
	return []any{"user", d.user, "consumer", d.consumer, "key", d.key, "remote", d.remote, "read_only", d.readOnly}
}

// admit refuses what cannot get a console (a bad user name, no terminal, a
// full desk, a server going down) with one line, registers the rest for
// shutdown and the session limit, and logs each session's start and end.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		d, refusal := s.register(sess)
		if refusal != "" {
			s.log.Info("refused session", "user", sanitizeUser(sess.User()), "remote", sess.RemoteAddr().String(), "reason", refusal)
			fmt.Fprintln(sess.Stderr(), refusal)
			_ = sess.Exit(1)
			return
		}
		s.log.Info("session start", append(d.attrs(), "sessions", s.Sessions())...)
		done := make(chan struct{})
		if s.cfg.IdleTimeout > 0 {
			go s.watchIdle(d, done)
		}

		next(sess)

		close(done)
		s.mu.Lock()
		delete(s.live, sess)
		line, closing := d.endLine, s.closing
		s.mu.Unlock()
		if line != "" {
			fmt.Fprintln(sess, line)
		}
		s.log.Info("session end", append(d.attrs(), "duration", time.Since(d.start).Round(time.Second).String())...)
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
		input:    newInputClock(sess),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return nil, "reviewq is shutting down; try again later"
	case len(s.live) >= s.cfg.MaxSessions:
		return nil, fmt.Sprintf("reviewq: the desk is full (%d sessions); try again later", s.cfg.MaxSessions)
	}
	s.live[sess] = d
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
		Queue: s.cfg.Client.WithConsumer(d.consumer), Server: s.cfg.Server, Embedded: s.cfg.Embedded,
		Stream: cfg.Stream, Group: cfg.Group, Consumer: d.consumer,
		ReclaimAfter: cfg.ReclaimAfter, Timeout: cfg.Timeout, ReadOnly: d.readOnly,
	})
	opts := append(bubbletea.MakeOptions(sess),
		tea.WithInput(d.input),     // the same session input, timed for the idle limit
		tea.WithoutSignalHandler(), // the server's signals are the server's, not every session's
	)
	p := tea.NewProgram(model, opts...)

	s.mu.Lock()
	defer s.mu.Unlock()
	if d.endLine != "" { // ended (shutdown) while the console was being built
		return nil
	}
	d.program = p
	return p
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

// watchIdle ends the session after IdleTimeout without a key press. The
// connection's own idle timeout cannot do it: the console writes every few
// seconds (header numbers, the held message's countdown), and a held
// message would be kept alive for as long as the reviewer is away.
func (s *Server) watchIdle(d *deskSession, done <-chan struct{}) {
	limit := s.cfg.IdleTimeout
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if since := time.Since(d.input.last()); since < limit {
			t.Reset(limit - since)
			continue
		}
		s.log.Info("session idle", "user", d.user, "consumer", d.consumer, "idle_timeout", limit.String())
		s.end(d, fmt.Sprintf("reviewq: no key pressed for %s; closing this session (a message you held stays pending and will be offered again)", shortDuration(limit)))
		return
	}
}

// inputClock is the session's input, noting when the user last typed.
type inputClock struct {
	r  io.Reader
	at atomic.Int64 // unix nanoseconds
}

func newInputClock(r io.Reader) *inputClock {
	c := &inputClock{r: r}
	c.at.Store(time.Now().UnixNano())
	return c
}

func (c *inputClock) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.at.Store(time.Now().UnixNano())
	}
	return n, err
}

func (c *inputClock) last() time.Time { return time.Unix(0, c.at.Load()) }

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
