// Package testserver starts a real Valkey-compatible server (valkey-server or
// redis-server) on a free loopback port with a fresh data directory, for
// tests. It never skips: without a server binary the tests fail and say how
// to install one.
package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one running server process.
type Server struct {
	Bin  string
	Addr string // 127.0.0.1:port
	Dir  string
	Port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	args []string
	done chan struct{}
}

// Binary finds the server binary: $REVIEWQ_TEST_SERVER, then valkey-server,
// then redis-server.
func Binary() (string, error) {
	if b := os.Getenv("REVIEWQ_TEST_SERVER"); b != "" {
		return b, nil
	}
	for _, name := range Kinds {
		if p, ok := Find(name); ok {
			return p, nil
		}
	}
	return "", errors.New("no valkey-server or redis-server on the PATH: install one " +
		"(apt-get install -y valkey-server redis-server) or set REVIEWQ_TEST_SERVER")
}

// Kinds are the servers reviewq is tested on, by binary name: the contract
// suite runs on each.
var Kinds = []string{"valkey-server", "redis-server"}

// Find looks for a server binary by name on the PATH and where Debian
// puts it.
func Find(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/usr/local/bin"} {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, true
		}
	}
	return "", false
}

// Need finds a server binary by name for a test that runs on each kind:
// without it the test fails in CI (CI=true installs every kind) and is
// skipped elsewhere, saying how to install it.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, ok := Find(name)
	switch {
	case ok:
		return p
	case os.Getenv("CI") == "true":
		t.Fatalf("testserver: no %s on the PATH: CI must install it (.ci/run)", name)
	default:
		t.Skipf("testserver: no %s on the PATH (apt-get install -y %s); CI runs this on it", name, name)
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start starts a server in a new temporary directory. Extra arguments are
// passed to the server ("--appendonly", "yes" …).
func Start(extra ...string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	return StartWith(bin, extra...)
}

// StartWith is Start with a given server binary.
func StartWith(bin string, extra ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "reviewq-server-*")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ { // a free port can be taken before we bind it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Bin: bin, Dir: dir, Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		s.args = append([]string{
			"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
			"--save", "", "--appendonly", "no", "--protected-mode", "no",
			"--daemonize", "no", "--logfile", filepath.Join(dir, "server.log"),
		}, extra...)
		if lastErr = s.launch(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// StartT starts a server for one test and stops it when the test ends.
func StartT(t testing.TB, extra ...string) *Server {
	t.Helper()
	s, err := Start(extra...)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Main runs a test package against one shared server and exits, failing
// the whole package when no server can be started. The cleanups run after
// the tests (servers of their own that tests started lazily).
func Main(m *testing.M, srv **Server, cleanup ...func()) {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
	*srv = s
	code := m.Run()
	for _, f := range cleanup {
		f()
	}
	s.Stop()
	os.Exit(code)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) launch() error {
	cmd := exec.Command(s.Bin, s.args...)
	cmd.Dir = s.Dir
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("%s exited at start: %s", s.Bin, s.logTail())
		default:
		}
		if s.ping() == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Kill()
	return fmt.Errorf("%s did not answer on %s: %s", s.Bin, s.Addr, s.logTail())
}

// ping sends a raw PING, so the helper needs no client library.
func (s *Server) ping() error {
	_, err := s.Command("PING")
	if err != nil && strings.HasPrefix(err.Error(), "NOAUTH") {
		return nil // up, and asking for a password
	}
	return err
}

// Command sends one command over a fresh raw connection and returns the
// first line of the reply; for test setup and checks.
func (s *Server) Command(args ...string) (string, error) {
	line, _, done, err := s.send(args...)
	if err != nil {
		return "", err
	}
	done()
	return line, nil
}

// send sends one command over a fresh raw connection and reads the first
// line of its reply (an error reply is returned as the error), leaving the
// rest in r; done closes the connection.
func (s *Server) send(args ...string) (line string, r *bufio.Reader, done func(), err error) {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return "", nil, nil, err
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(Encode(args...)); err != nil {
		c.Close()
		return "", nil, nil, err
	}
	r = bufio.NewReader(c)
	line, err = r.ReadString('\n')
	if err != nil {
		c.Close()
		return "", nil, nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "-") {
		c.Close()
		return "", nil, nil, errors.New(line[1:])
	}
	return line, r, func() { c.Close() }, nil
}

// Int sends one command whose reply is an integer (":N") and returns it.
func (s *Server) Int(args ...string) (int64, error) {
	r, err := s.Command(args...)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(r, ":"), 10, 64)
	if err != nil || !strings.HasPrefix(r, ":") {
		return 0, fmt.Errorf("%s: %q is not an integer reply", args[0], r)
	}
	return n, nil
}

// Encode writes a command in RESP.
func Encode(args ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return []byte(b.String())
}

// Kill stops the server the hard way (SIGKILL), as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts the server again on the same port and data directory.
func (s *Server) Restart() error {
	var err error
	for i := 0; i < 50; i++ { // the old socket may linger a moment
		if err = s.launch(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Stop stops the server and removes its data directory.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.Kill()
		}
	}
	_ = os.RemoveAll(s.Dir)
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " | ")
}

// Cluster is a real Valkey/Redis cluster of primaries on loopback, for
// tests: every node a --cluster-enabled server of its own, the 16384 slots
// split evenly between them in order, and the nodes introduced with
// CLUSTER MEET.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts n nodes and waits until every one of them reports
// cluster_state:ok and knows all the others.
func StartCluster(n int) (*Cluster, error) {
	if n < 1 {
		return nil, errors.New("a cluster needs at least one node")
	}
	c := &Cluster{}
	for i := 0; i < n; i++ {
		bus, err := freePort()
		if err != nil {
			c.Stop()
			return nil, err
		}
		s, err := Start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(bus), "--cluster-node-timeout", "5000")
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("cluster node %d: %w", i, err)
		}
		c.Nodes = append(c.Nodes, s)
		first, last := i*16384/n, (i+1)*16384/n-1
		if _, err := s.Command("CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(first), strconv.Itoa(last)); err != nil {
			c.Stop()
			return nil, fmt.Errorf("cluster node %d: ADDSLOTSRANGE: %w", i, err)
		}
	}
	for i, s := range c.Nodes[1:] {
		if _, err := c.Nodes[0].Command("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(s.Port), strconv.Itoa(s.busPort())); err != nil {
			c.Stop()
			return nil, fmt.Errorf("cluster node %d: MEET: %w", i+1, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range c.Nodes {
		for {
			info, err := s.Info("CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)+"\r") &&
				strings.Contains(info, "cluster_slots_ok:16384") {
				break
			}
			if time.Now().After(deadline) {
				c.Stop()
				return nil, fmt.Errorf("cluster did not come up on %s: %v %s", s.Addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c, nil
}

// StartClusterT starts a cluster for one test and stops it when the test
// ends.
func StartClusterT(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := StartCluster(n)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// NodeFor is the node that serves slot.
func (c *Cluster) NodeFor(slot int) *Server {
	return c.Nodes[slot*len(c.Nodes)/16384]
}

// NodeForKey is the node that serves key, by the server's own CLUSTER
// KEYSLOT.
func (c *Cluster) NodeForKey(key string) (*Server, error) {
	r, err := c.Nodes[0].Command("CLUSTER", "KEYSLOT", key)
	if err != nil {
		return nil, err
	}
	slot, err := strconv.Atoi(strings.TrimPrefix(r, ":"))
	if err != nil {
		return nil, fmt.Errorf("CLUSTER KEYSLOT %q: %q", key, r)
	}
	return c.NodeFor(slot), nil
}

// Stop stops every node.
func (c *Cluster) Stop() {
	for _, s := range c.Nodes {
		s.Stop()
	}
}

func (s *Server) busPort() int {
	for i, a := range s.args {
		if a == "--cluster-port" && i+1 < len(s.args) {
			p, _ := strconv.Atoi(s.args[i+1])
			return p
		}
	}
	return s.Port + 10000
}

// Info sends a command whose reply is one bulk string (INFO, CLUSTER INFO,
// CLUSTER NODES) and returns it in full.
func (s *Server) Info(args ...string) (string, error) {
	head, r, done, err := s.send(args...)
	if err != nil {
		return "", err
	}
	defer done()
	if !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("not a bulk reply: %q", head)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 {
		return "", fmt.Errorf("bad bulk length %q", head)
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// StartWithT is StartT with a given server binary.
func StartWithT(t testing.TB, bin string, extra ...string) *Server {
	t.Helper()
	s, err := StartWith(bin, extra...)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}
