// Package sshd serves the reviewq console over SSH: every session that opens
// a terminal gets its own Bubble Tea program, claiming as its SSH user name,
// over the one queue client the process shares.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/statsfeed"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/tui"
)

// Defaults of Config's zero values.
const (
	DefaultMaxSessions        = 50
	DefaultMaxSessionsPerUser = 5
	DefaultIdleTimeout        = 30 * time.Minute
	DefaultShutdownTimeout    = 10 * time.Second
	// SessionMemory is what one session may cost the desk at the default
	// maximum size (120×40), whatever its client asks for (the size clamp
	// in window.go keeps a session within it): SessionMemoryAt that size.
	SessionMemory = sessionBaseMemory + DefaultMaxWidth*DefaultMaxHeight*CellMemory
	// CellMemory is a session's budget for each cell of its window. A cell
	// costs about 150 bytes live: 112 of Bubble Tea's buffer of what the
	// terminal shows, the rest the frame's text on its way out and its
	// share of the frame buffers borrowed while drawing (make bench-ssh,
	// every screen drawn: 0.99 MiB live a session at 120×40, 2.03 MiB at
	// 200×60). The rest of the budget is room for the garbage the
	// collector has yet to take: with it the collector runs seldom enough
	// (once in 30 s of 500 sessions typing) that its marking does not show
	// in the key-to-output times, and the memory limit never goes under
	// 1.25 times the live heap (memoryFloor) at any size.
	CellMemory = 360
	// sessionBaseMemory is the budget for the rest of a session: the
	// console, the SSH connection, Bubble Tea's input decoder and the
	// goroutine stacks (about 0.27 MiB live), with room to spare. It is
	// what makes the budget 2 MiB at 120×40, the size that budget was set
	// for.
	sessionBaseMemory = 2<<20 - DefaultMaxWidth*DefaultMaxHeight*CellMemory
	// handshakeTimeout drops connections that never finish authenticating.
	handshakeTimeout = 30 * time.Second
)

// ShutdownLine is what every live session reads when the server stops.
const ShutdownLine = "reviewq is shutting down; the message you held stays pending and will be offered again"

// Config is everything the server needs; the queue client is dialled once
// by the caller and shared by every session.
type Config struct {
	Client   *queue.Client
	Server   string // shown in each session's header, no password
	Embedded bool

	// ConsumerPrefix is put before the SSH user name to make the consumer
	// name ("desk:" + "alice").
	ConsumerPrefix string
	ReadOnly       bool     // every session browses only
	ReadOnlyUsers  []string // these users browse only (matched exactly)

	// Profile is the settings profile the desk serves, named in each
	// session's header. Theme is the settings file's theme: each session
	// still follows its own terminal's background unless it says dark or
	// light.
	Profile string
	Theme   styles.Options
	// Keymap is the settings file's keys, for every session.
	Keymap tui.Keymap

	// AuthorizedKeys is an OpenSSH authorized_keys file whose line comments
	// name the user each key logs in as (keysfile.go), read at every login.
	// Required unless AllowAnonymous.
	AuthorizedKeys string
	AllowAnonymous bool
	// HostKey is the host key file, created as ed25519 (0600) when missing.
	HostKey string

	// MaxSize is the largest terminal a session renders at, whatever its
	// client asks for (window.go): DefaultMaxSize when zero, else between
	// LeastMaxWidth×LeastMaxHeight and MostMaxWidth×MostMaxHeight. What a
	// session costs grows with it (SessionMemoryAt).
	MaxSize Size

	MaxSessions        int           // DefaultMaxSessions when zero
	MaxSessionsPerUser int           // sessions one user may hold at once; DefaultMaxSessionsPerUser when zero
	IdleTimeout        time.Duration // a session without input this long is closed; DefaultIdleTimeout when zero, <0 never
	ShutdownTimeout    time.Duration // DefaultShutdownTimeout when zero

	Logger *slog.Logger // slog.Default() when nil

	// MemoryPerSession, when above zero, is what one session may make the
	// process hold: the server keeps the Go runtime's soft memory limit
	// (debug.SetMemoryLimit) at what the process held when it began to
	// serve, plus deskMemoryMargin, plus this much per open session, so
	// the collector hands back what sessions let go of before the process
	// grows past that, instead of when the heap has doubled. The limit is
	// the whole process's: leave it at zero when the server shares its
	// process with other work (tests do), or when GOMEMLIMIT is set.
	MemoryPerSession int64

	// Stats reads the queue's numbers once for every session (and for
	// whatever else shows them, such as a metrics exporter); the caller
	// runs it. When nil, the server makes one over Client and runs it
	// while it serves.
	Stats *statsfeed.Poller
}

// SessionMemoryAt is what one session may cost the desk when the largest
// size it renders at is most (Config.MaxSize); serve passes it as
// Config.MemoryPerSession: 2 MiB at 120×40, 4.5 MiB at 200×60, 28 MiB at
// 400×200.
func SessionMemoryAt(most Size) int64 {
	return sessionBaseMemory + int64(most.Width)*int64(most.Height)*CellMemory
}

// Server is the SSH desk.
type Server struct {
	cfg      Config
	log      *slog.Logger
	keys     *authorizedKeys // nil with AllowAnonymous
	readOnly map[string]bool
	srv      *ssh.Server
	stats    *statsfeed.Poller
	ownStats bool // made here, so run by Serve
	counts   deskCounts
	pages    *pageReads // page reads the sessions share

	mu      sync.Mutex
	closing bool
	live    map[ssh.Session]*deskSession
	ended   sync.WaitGroup // one per live session
	memBase int64          // the process's memory when serving began, for MemoryPerSession

	// observe, when set (by tests), sees every message a console gets, as
	// it gets it (after the input filter).
	observe func(user string, msg tea.Msg)
}

// New loads (or creates) the host key and the authorized keys and builds
// the server; Serve runs it.
func New(cfg Config) (*Server, error) {
	if cfg.Client == nil {
		return nil, errors.New("sshd: no queue client")
	}
	if cfg.MaxSize == (Size{}) {
		cfg.MaxSize = DefaultMaxSize
	}
	if err := CheckMaxSize(cfg.MaxSize); err != nil {
		return nil, fmt.Errorf("sshd: maximum size %s: %w", cfg.MaxSize, err)
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxSessionsPerUser <= 0 {
		cfg.MaxSessionsPerUser = DefaultMaxSessionsPerUser
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ConsumerPrefix != "" && !validUser(cfg.ConsumerPrefix) {
		return nil, fmt.Errorf("sshd: consumer prefix %q: use printable characters, no spaces, at most %d bytes", cfg.ConsumerPrefix, maxUserBytes)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, readOnly: map[string]bool{}, live: map[ssh.Session]*deskSession{}, stats: cfg.Stats}
	if s.stats == nil {
		s.stats, s.ownStats = statsfeed.New(cfg.Client, statsfeed.Options{Timeout: cfg.Client.Config().Timeout}), true
	}
	s.pages = newPageReads(pageShareWindow, func() uint64 {
		snap, _ := s.stats.Latest()
		return snap.Version
	})
	for _, u := range cfg.ReadOnlyUsers {
		if u = strings.TrimSpace(u); u != "" {
			s.readOnly[u] = true
		}
	}

	signer, created, err := loadOrCreateHostKey(cfg.HostKey)
	if err != nil {
		return nil, err
	}
	if created {
		s.log.Info("created host key", "file", cfg.HostKey, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()))
	} else {
		s.log.Info("host key", "file", cfg.HostKey, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()))
	}

	opts := []ssh.Option{
		// Before anything else: wish.NewServer writes an id_ed25519 into the
		// working directory when no host key is set yet.
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithVersion("reviewq"),
		wish.WithMiddleware(bubbletea.MiddlewareWithProgramHandler(s.newProgram), s.admit),
	}
	// The connection-level timeout is a backstop for connections that go
	// silent both ways; the session's own input timer (watchIdle) is what
	// closes a reviewer who walked away, since the console keeps writing.
	if cfg.IdleTimeout > 0 {
		opts = append(opts, wish.WithIdleTimeout(cfg.IdleTimeout+time.Minute))
	}
	if cfg.AllowAnonymous {
		msg := "anonymous access: anyone who can reach this port gets the console (--allow-anonymous)"
		s.log.Warn(msg)
		opts = append(opts,
			wish.WithPublicKeyAuth(func(ssh.Context, ssh.PublicKey) bool { return true }),
			wish.WithKeyboardInteractiveAuth(func(ssh.Context, gossh.KeyboardInteractiveChallenge) bool { return true }),
		)
	} else {
		if s.keys, err = loadAuthorizedKeys(cfg.AuthorizedKeys, s.log); err != nil {
			return nil, err
		}
		opts = append(opts, wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
			ok, boundTo := s.keys.bound(ctx.User(), key)
			if !ok {
				// The client is told only that the key was refused; the
				// log says why.
				reason := "unknown key"
				if len(boundTo) > 0 {
					reason = "the key logs in as " + strings.Join(boundTo, ", ") + " only"
				}
				s.log.Info("refused key", "user", sanitizeUser(ctx.User()), "key", gossh.FingerprintSHA256(key),
					"remote", ctx.RemoteAddr().String(), "reason", reason)
			}
			return ok
		}))
		s.checkReadOnlyUsers()
	}
	if s.srv, err = wish.NewServer(opts...); err != nil {
		return nil, fmt.Errorf("sshd: %w", err)
	}
	s.srv.HandshakeTimeout = handshakeTimeout
	return s, nil
}

// checkReadOnlyUsers warns about read-only names no key logs in as, above
// all those that differ from one that does only in case: the match is
// exact, so that user would not be read-only.
func (s *Server) checkReadOnlyUsers() {
	for u := range s.readOnly {
		if s.keys.has(u) {
			continue
		}
		if like := s.keys.usersLike(u); len(like) > 0 {
			s.log.Warn("a read-only user differs only in case from a user in the authorized-keys file: names are matched exactly, so those users are NOT read-only",
				"read_only_user", u, "authorized_users", like)
			continue
		}
		s.log.Warn("no key in the authorized-keys file logs in as this read-only user", "read_only_user", u)
	}
}

// Serve accepts sessions on l until ctx is done, then shuts down: every
// live session is told and closed, nothing is acked, and the log says which
// messages each consumer still holds.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.log.Info("serving the console over SSH", "addr", l.Addr().String(), "max_sessions", s.cfg.MaxSessions,
		"max_sessions_per_user", s.cfg.MaxSessionsPerUser, "idle_timeout", s.cfg.IdleTimeout.String(),
		"max_size", s.cfg.MaxSize.String(), "read_only", s.cfg.ReadOnly, "embedded", s.cfg.Embedded)
	if s.ownStats {
		statsCtx, stopStats := context.WithCancel(context.Background())
		defer stopStats()
		go s.stats.Run(statsCtx)
	}
	if s.cfg.MemoryPerSession > 0 {
		s.mu.Lock()
		s.memBase = goMemory() + deskMemoryMargin
		before := debug.SetMemoryLimit(s.memBase)
		s.mu.Unlock()
		defer debug.SetMemoryLimit(before)
		budgetCtx, stopBudget := context.WithCancel(context.Background())
		defer stopBudget()
		go s.keepMemoryBudget(budgetCtx)
	}
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(l) }()
	select {
	case err := <-served:
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("sshd: %w", err)
	case <-ctx.Done():
	}
	// Stop accepting, and let Serve return, before the library's Shutdown:
	// Shutdown waits on a WaitGroup that Serve adds to as it starts, and the
	// two must not run at once (the race detector caught them on a desk
	// stopped just after it started, and a Serve that started after
	// Shutdown would accept on a listener nobody closes).
	_ = l.Close()
	<-served
	return s.shutdown()
}

func (s *Server) shutdown() error {
	deadline, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	s.mu.Lock()
	s.closing = true
	live := make([]*deskSession, 0, len(s.live))
	for _, d := range s.live {
		live = append(live, d)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "live_sessions", len(live))

	for _, d := range live {
		s.end(d, ShutdownLine)
	}
	ended := make(chan struct{})
	go func() { s.ended.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-deadline.Done():
		s.log.Warn("sessions did not end in time; closing their connections", "timeout", s.cfg.ShutdownTimeout.String())
	}

	held, cancelHeld := context.WithTimeout(context.Background(), s.cfg.Client.Config().Timeout)
	s.logHeld(held, live)
	cancelHeld()

	err := s.srv.Shutdown(deadline)
	if err != nil {
		// Connections that never opened a session, or clients that keep
		// theirs open after the exit status: cut them.
		_ = s.srv.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
	}
	s.log.Info("stopped")
	return err
}

// logHeld asks the server, not the sessions, what each consumer of a live
// session still holds: that is what will be offered again.
func (s *Server) logHeld(ctx context.Context, live []*deskSession) {
	seen := map[string]bool{}
	for _, d := range live {
		if seen[d.consumer] {
			continue
		}
		seen[d.consumer] = true
		page, err := s.cfg.Client.PendingPage(ctx, queue.PendingQuery{Consumer: d.consumer, Count: 100})
		if err != nil {
			s.log.Warn("could not list what was held at shutdown", "consumer", d.consumer, "err", err)
			continue
		}
		ids := make([]string, len(page.Entries))
		for i, e := range page.Entries {
			ids[i] = e.ID
		}
		if len(ids) == 0 {
			s.log.Info("held nothing at shutdown", "user", d.user, "consumer", d.consumer)
			continue
		}
		s.log.Info("left pending at shutdown", "user", d.user, "consumer", d.consumer, "ids", ids, "more", page.Next != "")
	}
}

// deskMemoryMargin is room for what the desk holds besides its sessions:
// the queue client's buffers, the stats, connections still in their
// handshake. It is small because it is shared by all sessions and counts
// in each one's share on a small desk (16 MiB made a 50-session desk
// 2.2 MiB of RSS a session).
const deskMemoryMargin = 4 << 20

// goMemory is the memory the Go runtime holds from the system, which is
// what its memory limit bounds.
func goMemory() int64 {
	m := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(m)
	return int64(m[0].Value.Uint64()) - int64(m[1].Value.Uint64())
}

// memoryFloor is the least limit that leaves the collector room to work:
// what the runtime holds besides the heap, plus the heap that was live at
// the last collection and a quarter of it again for new garbage. A limit
// under what is live would have the collector run without pause (up to
// half the CPU) and free nothing.
func memoryFloor() int64 {
	m := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(m)
	v := func(i int) int64 { return int64(m[i].Value.Uint64()) }
	besidesHeap := v(0) - v(1) - v(2) - v(3) - v(4)
	return besidesHeap + v(5)*5/4
}

// budgetMemory sets the process's memory limit for the sessions open now
// (Config.MemoryPerSession), never under memoryFloor; s.mu is held.
func (s *Server) budgetMemory() {
	if s.cfg.MemoryPerSession > 0 && s.memBase > 0 {
		debug.SetMemoryLimit(max(s.memBase+int64(len(s.live))*s.cfg.MemoryPerSession, memoryFloor()))
	}
}

// keepMemoryBudget sets the limit again now and then, between session
// changes, so it follows the floor when what sessions hold grows.
func (s *Server) keepMemoryBudget(ctx context.Context) {
	t := time.NewTicker(memoryBudgetEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		s.budgetMemory()
		s.mu.Unlock()
	}
}

// memoryBudgetEvery is how often keepMemoryBudget looks.
const memoryBudgetEvery = 10 * time.Second

// Sessions is how many sessions are open now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}
