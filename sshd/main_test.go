package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
)

// The end-to-end tests run real SSH clients against the desk, over a real
// server started once for the package.
var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

// waitTimeout bounds every wait, so a hang fails instead of hanging CI.
const waitTimeout = 10 * time.Second

// syncBuffer is a log or terminal output written from several goroutines.
// With keep set it holds only about the last keep bytes, so a session
// drawn large or long does not grow the test's own heap.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	keep int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keep > 0 && s.b.Len()+len(p) > 2*s.keep {
		tail := s.b.Bytes()[max(0, s.b.Len()-s.keep):]
		s.b = *bytes.NewBuffer(append(make([]byte, 0, 2*s.keep+len(p)), tail...))
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

func (s *syncBuffer) Cap() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Cap()
}

// eventually polls cond until it holds or waitTimeout passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", waitTimeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queueClient is a client on the test's own stream, with the group made.
func queueClient(t testing.TB, consumer string) *queue.Client {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	// Unique per run too, so -count=N starts each run on an empty stream.
	stream := fmt.Sprintf("sshd:%s:%d", strings.ReplaceAll(t.Name(), "/", ":"), time.Now().UnixNano())
	c, err := queue.New(vk, queue.Config{Stream: stream, Consumer: consumer})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// newKey is a client key pair.
func newKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// grant lets key in as each of users.
type grant struct {
	key   gossh.Signer
	users []string
}

func as(key gossh.Signer, users ...string) grant { return grant{key, users} }

// authorizedLine is an authorized_keys line binding key to user.
func authorizedLine(key gossh.Signer, user string) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key.PublicKey()))) + " " + user + "\n"
}

// writeAuthorized writes an authorized_keys file with a line per key and
// user.
func writeAuthorized(t testing.TB, path string, grants ...grant) {
	t.Helper()
	var b strings.Builder
	for _, g := range grants {
		for _, u := range g.users {
			b.WriteString(authorizedLine(g.key, u))
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// desk is a running SSH server on 127.0.0.1:0.
type desk struct {
	addr   string
	srv    *Server
	q      *queue.Client // the test's own view of the queue
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startDesk serves cfg; Client, HostKey and Logger are filled in when
// empty, and authorized keys are written when given.
func startDesk(t testing.TB, cfg Config, authorized ...grant) *desk {
	t.Helper()
	return startDeskWith(t, cfg, nil, authorized...)
}

// startDeskWith is startDesk with setup run on the server before it serves.
func startDeskWith(t testing.TB, cfg Config, setup func(*Server), authorized ...grant) *desk {
	t.Helper()
	dir := t.TempDir()
	d := &desk{log: &syncBuffer{}, done: make(chan error, 1)}
	if cfg.Client == nil {
		cfg.Client = queueClient(t, "reviewq")
	}
	d.q = cfg.Client.WithConsumer("test")
	if cfg.HostKey == "" {
		cfg.HostKey = filepath.Join(dir, "host_ed25519")
	}
	if !cfg.AllowAnonymous && cfg.AuthorizedKeys == "" {
		cfg.AuthorizedKeys = filepath.Join(dir, "authorized_keys")
		writeAuthorized(t, cfg.AuthorizedKeys, authorized...)
	}
	cfg.Server = srv.Addr
	cfg.Logger = slog.New(slog.NewTextHandler(d.log, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("id_ed25519"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a stray host key was written into the working directory (%v)", err)
	}
	d.srv = s
	if setup != nil {
		setup(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.addr = l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.done <- s.Serve(ctx, l) }()
	t.Cleanup(func() {
		d.stop(t)
		if t.Failed() {
			t.Logf("server log:\n%s", d.log.String())
		}
	})
	return d
}

// stop shuts the desk down and waits for Serve to return.
func (d *desk) stop(t testing.TB) {
	t.Helper()
	d.cancel()
	d.once.Do(func() {
		select {
		case err := <-d.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(waitTimeout + DefaultShutdownTimeout):
			t.Error("the server did not shut down")
		}
	})
}

// add puts n contact messages on the stream, each with a unique one-word
// text (the renderer may skip over spaces, so tests match single words).
func (d *desk) add(t testing.TB, words ...string) []string {
	t.Helper()
	ids := make([]string, len(words))
	for i, w := range words {
		a, err := d.q.AddContact(context.Background(), "Ada", "ada@example.org", w)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	return ids
}

// pending lists what consumer holds, by the server's account.
func (d *desk) pending(t testing.TB, consumer string) []string {
	t.Helper()
	page, err := d.q.PendingPage(context.Background(), queue.PendingQuery{Consumer: consumer, Count: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(page.Entries))
	for i, e := range page.Entries {
		ids[i] = e.ID
	}
	return ids
}

// term is an SSH client with a terminal on the desk.
type term struct {
	t      testing.TB
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.Writer
	out    *syncBuffer
	ended  chan struct{}
}

func keyAuth(k gossh.Signer) gossh.AuthMethod { return gossh.PublicKeys(k) }

// dial opens an SSH connection as user.
func dial(addr, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: user, Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         waitTimeout,
	})
}

// openTerm logs in as user, asks for a 120×40 terminal and a shell.
func openTerm(t testing.TB, addr, user string, auth ...gossh.AuthMethod) *term {
	t.Helper()
	return openSession(t, addr, user, true, auth...)
}

func openSession(t testing.TB, addr, user string, pty bool, auth ...gossh.AuthMethod) *term {
	t.Helper()
	if !pty {
		return openSized(t, addr, user, 0, 0, auth...)
	}
	return openSized(t, addr, user, 120, 40, auth...)
}

// openSized logs in as user and asks for a width×height terminal (none
// when both are 0) and a shell.
func openSized(t testing.TB, addr, user string, width, height int, auth ...gossh.AuthMethod) *term {
	t.Helper()
	c, err := dial(addr, user, auth...)
	if err != nil {
		t.Fatalf("ssh %s@%s: %v", user, addr, err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, client: c, sess: sess, out: &syncBuffer{keep: 1 << 20}, ended: make(chan struct{})}
	t.Cleanup(tm.close)
	sess.Stdout, sess.Stderr = tm.out, tm.out
	if tm.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if width != 0 || height != 0 {
		if err := sess.RequestPty("xterm-256color", height, width, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = sess.Wait(); close(tm.ended) }()
	return tm
}

func (tm *term) close() {
	_ = tm.sess.Close()
	_ = tm.client.Close()
}

// screen is everything the session wrote, escape sequences removed.
func (tm *term) screen() string { return ansi.Strip(tm.out.String()) }

func (tm *term) waitFor(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(tm.screen(), want) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %q; the session showed:\n%s", want, tm.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tm *term) press(keys string) {
	tm.t.Helper()
	if _, err := tm.stdin.Write([]byte(keys)); err != nil {
		tm.t.Fatalf("typing %q: %v", keys, err)
	}
}

// waitEnded waits for the server to close the session.
func (tm *term) waitEnded() {
	tm.t.Helper()
	select {
	case <-tm.ended:
	case <-time.After(waitTimeout):
		tm.t.Fatalf("the session was not closed; it showed:\n%s", tm.screen())
	}
}

// refused tells whether err is an authentication failure at the handshake.
func refused(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}
