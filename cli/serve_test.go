package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/reviewq/reviewq/sshd"
)

// lockedBuffer is written by the server's goroutines while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeRefusesToStartWithoutKeys(t *testing.T) {
	dir := t.TempDir()
	r := run(t, "", "serve", "--ssh", "127.0.0.1:0",
		"--authorized-keys", filepath.Join(dir, "missing"), "--host-key", filepath.Join(dir, "host"))
	if r.code != 1 || !strings.Contains(r.stderr, "authorized-keys file") || !strings.Contains(r.stderr, "--allow-anonymous") ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("serve without an authorized-keys file: %+v", r)
	}
	if r := run(t, "", "serve", "--allow-anonymous", "--max-sessions", "0"); r.code != 1 {
		t.Fatalf("--max-sessions 0: %+v", r)
	}
}

// startedDesk is a reviewq serve a test started on the test server.
type startedDesk struct {
	stderr *lockedBuffer
	cancel context.CancelFunc
	code   chan int
}

// startServe runs reviewq --url (the test server) --stream st serve args in
// the background, until the test stops it.
func startServe(t *testing.T, st string, args ...string) *startedDesk {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := &startedDesk{stderr: &lockedBuffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() {
		d.code <- Run(ctx, append([]string{"--url", "redis://" + srv.Addr, "--stream", st, "serve"}, args...),
			strings.NewReader(""), &lockedBuffer{}, d.stderr)
	}()
	return d
}

// stop cancels the desk as SIGINT does, and fails the test unless it
// exits 0 within 20 s.
func (d *startedDesk) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case got := <-d.code:
		if got != 0 {
			t.Fatalf("serve exited %d:\n%s", got, d.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeAnonymousDemo runs `reviewq serve --allow-anonymous` end to end:
// a client without a key gets the console, and cancelling the command's
// context (what SIGINT does) stops it cleanly with exit code 0.
func TestServeAnonymousDemo(t *testing.T) {
	d := startServe(t, stream(t), "--ssh", "127.0.0.1:0", "--allow-anonymous", "--host-key", filepath.Join(t.TempDir(), "host"),
		"--consumer-prefix", "desk:")
	stderr := d.stderr
	listening := regexp.MustCompile(`serving the console over SSH" addr=(\S+)`)
	var addr string
	waitUntil(t, "the server to listen", func() bool {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	if !strings.Contains(stderr.String(), "warning: --allow-anonymous") {
		t.Fatalf("no anonymous warning on stderr:\n%s", stderr.String())
	}

	screen, _, _ := anonymousTerm(t, addr, "guest")
	waitUntil(t, "the console as desk:guest", func() bool { return strings.Contains(ansi.Strip(screen.String()), "desk:guest") })

	d.stop(t)
	if !strings.Contains(ansi.Strip(screen.String()), "reviewq is shutting down") {
		t.Fatalf("the session was not told:\n%s", ansi.Strip(screen.String()))
	}
}

// anonymousTerm logs in to an anonymous desk as user, without a key, with
// a 120×40 terminal and a shell: the screen is what the session wrote,
// keys what the test types; closing conn ends the connection.
func anonymousTerm(t *testing.T, addr, user string) (screen *lockedBuffer, keys io.Writer, conn *gossh.Client) {
	t.Helper()
	noKey := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: user, Auth: []gossh.AuthMethod{noKey},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("anonymous login: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	screen = &lockedBuffer{}
	sess.Stdout, sess.Stderr = screen, screen
	if keys, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return screen, keys, c
}

// TestServeAnonymousListensOnLoopbackUnlessToldOtherwise: a demo desk is
// for this machine until --ssh says otherwise.
func TestServeAnonymousListensOnLoopbackUnlessToldOtherwise(t *testing.T) {
	serveUntilListening := func(args ...string) (addr, stderr string) {
		t.Helper()
		d := startServe(t, stream(t), append([]string{"--allow-anonymous", "--host-key", filepath.Join(t.TempDir(), "host")}, args...)...)
		errOut := d.stderr
		failed := regexp.MustCompile(`listen on (\S+):`)
		waitUntil(t, "the server to listen or fail to", func() bool {
			if m := servingAt.FindStringSubmatch(errOut.String()); m != nil {
				addr = m[1]
			} else if m := failed.FindStringSubmatch(errOut.String()); m != nil {
				addr = m[1] // the default port is taken here; the address is what counts
			}
			return addr != ""
		})
		d.cancel() // the default port may be taken here: how it ends does not count
		<-d.code
		return addr, errOut.String()
	}

	addr, stderr := serveUntilListening()
	if addr != "127.0.0.1:23234" || !strings.Contains(stderr, "anyone on this machine gets the console, as any name, on 127.0.0.1:23234 (--ssh :23234 opens it to the network)") {
		t.Fatalf("an anonymous desk without --ssh listens on %s:\n%s", addr, stderr)
	}
	addr, stderr = serveUntilListening("--ssh", ":0")
	if host, _, _ := net.SplitHostPort(addr); host == "127.0.0.1" || !strings.Contains(stderr, "anyone who can reach :0 gets the console") {
		t.Fatalf("an anonymous desk with --ssh :0 listens on %s:\n%s", addr, stderr)
	}
}

func TestServeRefusesABadPerUserLimit(t *testing.T) {
	r := run(t, "", "serve", "--allow-anonymous", "--max-sessions-per-user", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "--max-sessions-per-user must be at least 1") {
		t.Fatalf("--max-sessions-per-user 0: %+v", r)
	}
}

func TestServeMaxSize(t *testing.T) {
	for _, v := range []string{"abc", "120x", "59x16", "60x15", "401x40", "120x201", "0x0", "-1x40"} {
		r := run(t, "", "serve", "--allow-anonymous", "--ssh", "127.0.0.1:0", "--host-key", filepath.Join(t.TempDir(), "host"), "--max-size", v)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "reviewq: --max-size "+v+": ") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("--max-size %s: %+v", v, r)
		}
	}

	d := startServe(t, stream(t), "--ssh", "127.0.0.1:0", "--allow-anonymous", "--host-key", filepath.Join(t.TempDir(), "host"),
		"--max-size", "200x60")
	listenAddr(t, d.stderr)
	if !strings.Contains(d.stderr.String(), "max_size=200x60") {
		t.Fatalf("the desk does not say it renders up to 200x60:\n%s", d.stderr.String())
	}
	d.stop(t)
	if got, want := memoryPerSession(sshd.Size{Width: 200, Height: 60}), sshd.SessionMemoryAt(sshd.Size{Width: 200, Height: 60}); got != want && os.Getenv("GOMEMLIMIT") == "" {
		t.Fatalf("the budget per session at 200x60 is %d, want %d", got, want)
	}
}
