package testserver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Replication for tests: a replica that replicates through a Link (so a
// test can hold back what the primary sends it, as a slow or cut network
// would, without touching either process), and Sentinels that watch the
// primary and fail over to the replica when it dies.

// Link forwards TCP connections on loopback to a target. Hold stops what
// the target sends from reaching the other side; Close drops whatever was
// held back, as if it had been lost on the way.
type Link struct {
	Addr   string
	target string
	l      net.Listener

	mu     sync.Mutex
	open   *sync.Cond
	held   bool
	closed bool
	conns  []net.Conn
}

// NewLink listens on a free loopback port and forwards to target.
func NewLink(target string) (*Link, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &Link{Addr: l.Addr().String(), target: target, l: l}
	k.open = sync.NewCond(&k.mu)
	go k.accept()
	return k, nil
}

func (k *Link) accept() {
	for {
		down, err := k.l.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", k.target, time.Second)
		if err != nil {
			down.Close()
			continue
		}
		k.mu.Lock()
		if k.closed {
			k.mu.Unlock()
			down.Close()
			up.Close()
			return
		}
		k.conns = append(k.conns, down, up)
		k.mu.Unlock()
		go func() { _, _ = io.Copy(up, down); up.Close() }()
		go k.forward(down, up)
	}
}

// forward copies what the target sends, waiting while the link is held:
// what it read meanwhile stays here, and Close drops it.
func (k *Link) forward(down, up net.Conn) {
	defer down.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			if !k.waitOpen() {
				return
			}
			if _, werr := down.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (k *Link) waitOpen() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for k.held && !k.closed {
		k.open.Wait()
	}
	return !k.closed
}

// Hold stops forwarding what the target sends.
func (k *Link) Hold() {
	k.mu.Lock()
	k.held = true
	k.mu.Unlock()
}

// Release forwards again, what was held first.
func (k *Link) Release() {
	k.mu.Lock()
	k.held = false
	k.open.Broadcast()
	k.mu.Unlock()
}

// Close stops listening and closes every connection, dropping what was
// held.
func (k *Link) Close() {
	k.mu.Lock()
	k.closed = true
	conns := k.conns
	k.conns = nil
	k.open.Broadcast()
	k.mu.Unlock()
	k.l.Close()
	for _, c := range conns {
		c.Close()
	}
}

// StartReplica starts a replica of primary, from the same binary, that
// replicates through a Link, and waits until the primary counts it online.
func StartReplica(primary *Server) (*Server, *Link, error) {
	// The first sync would wait five seconds for more replicas to come.
	if _, err := primary.Command("CONFIG", "SET", "repl-diskless-sync-delay", "0"); err != nil {
		return nil, nil, err
	}
	link, err := NewLink(primary.Addr)
	if err != nil {
		return nil, nil, err
	}
	host, port, _ := net.SplitHostPort(link.Addr)
	r, err := StartWith(primary.Bin, "--replicaof", host, port)
	if err != nil {
		link.Close()
		return nil, nil, err
	}
	if err := primary.WaitReplicas(1, 10*time.Second); err != nil {
		r.Stop()
		link.Close()
		return nil, nil, err
	}
	return r, link, nil
}

// WaitReplicas waits until the server counts n replicas online.
func (s *Server) WaitReplicas(n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		info, err := s.Info("INFO", "replication")
		if err == nil && strings.Count(info, ",state=online,") >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: fewer than %d replicas online: %v %s", s.Addr, n, err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MasterSet is the name the Sentinels watch the primary by.
const MasterSet = "mymaster"

// Sentinels watch a primary (MasterSet) and fail over to a replica when it
// is down for DownAfter.
type Sentinels struct {
	Nodes []*Server
}

// SentinelOptions tune StartSentinels.
type SentinelOptions struct {
	// DownAfter is how long the primary must not answer before a sentinel
	// deems it down (down-after-milliseconds).
	DownAfter time.Duration
	// FailoverTimeout is failover-timeout. Long, a sentinel leaves a
	// replica that replicates through a Link alone: past it, it would
	// point the replica at the primary's own address.
	FailoverTimeout time.Duration
}

// StartSentinels starts n sentinels (quorum n/2+1) watching primary, from
// the sentinel binary beside its server binary (valkey-sentinel), else
// the server binary with --sentinel, and waits until each knows the
// others and the primary's replicas.
func StartSentinels(primary *Server, n, replicas int, o SentinelOptions) (*Sentinels, error) {
	bin, args := primary.Bin, []string{"--sentinel"}
	if p, ok := Find(strings.Replace(filepath.Base(primary.Bin), "-server", "-sentinel", 1)); ok {
		bin, args = p, nil
	}
	ss := &Sentinels{}
	_, primaryPort, _ := net.SplitHostPort(primary.Addr)
	for i := 0; i < n; i++ {
		s, err := startSentinel(bin, args, fmt.Sprintf(
			"sentinel monitor %s 127.0.0.1 %s %d\nsentinel down-after-milliseconds %s %d\nsentinel failover-timeout %s %d\n",
			MasterSet, primaryPort, n/2+1, MasterSet, o.DownAfter.Milliseconds(), MasterSet, o.FailoverTimeout.Milliseconds()))
		if err != nil {
			ss.Stop()
			return nil, fmt.Errorf("sentinel %d: %w", i, err)
		}
		ss.Nodes = append(ss.Nodes, s)
	}
	want := fmt.Sprintf(",slaves=%d,sentinels=%d", replicas, n)
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range ss.Nodes {
		for {
			info, err := s.Info("INFO", "sentinel")
			if err == nil && strings.Contains(info, "status=ok") && strings.Contains(info, want) {
				break
			}
			if time.Now().After(deadline) {
				ss.Stop()
				return nil, fmt.Errorf("sentinel %s did not see the primary, %d replicas and %d sentinels: %v %s", s.Addr, replicas, n, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return ss, nil
}

func startSentinel(bin string, args []string, monitor string) (*Server, error) {
	dir, err := os.MkdirTemp("", "reviewq-sentinel-*")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, "sentinel.conf")
		// A sentinel rewrites its file: it must be its own and writable.
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\ndaemonize no\n%s",
			port, dir, filepath.Join(dir, "server.log"), monitor)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		s := &Server{Bin: bin, Dir: dir, Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			args: append([]string{conf}, args...)}
		if lastErr = s.launch(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// Addrs are the sentinels' addresses.
func (ss *Sentinels) Addrs() []string {
	out := make([]string, len(ss.Nodes))
	for i, s := range ss.Nodes {
		out[i] = s.Addr
	}
	return out
}

// URL is the valkey-go URL that reaches the primary through the sentinels.
func (ss *Sentinels) URL() string {
	u := "redis://" + ss.Nodes[0].Addr + "?master_set=" + MasterSet
	for _, s := range ss.Nodes[1:] {
		u += "&addr=" + s.Addr
	}
	return u
}

// Primary is the primary's address as the first sentinel that answers
// sees it.
func (ss *Sentinels) Primary() (string, error) {
	var lastErr error = errors.New("no sentinel")
	for _, s := range ss.Nodes {
		info, err := s.Info("INFO", "sentinel")
		if err != nil {
			lastErr = err
			continue
		}
		_, rest, ok := strings.Cut(info, ",address=")
		if !ok {
			return "", fmt.Errorf("no address in %q", info)
		}
		addr, _, _ := strings.Cut(rest, ",")
		return addr, nil
	}
	return "", lastErr
}

// Stop stops every sentinel.
func (ss *Sentinels) Stop() {
	for _, s := range ss.Nodes {
		s.Stop()
	}
}

// StartSentinelsT starts sentinels for one test and stops them when it
// ends.
func StartSentinelsT(t testing.TB, primary *Server, n, replicas int, o SentinelOptions) *Sentinels {
	t.Helper()
	ss, err := StartSentinels(primary, n, replicas, o)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(ss.Stop)
	return ss
}

// StartReplicaT starts a replica for one test and stops it, and its link,
// when it ends.
func StartReplicaT(t testing.TB, primary *Server) (*Server, *Link) {
	t.Helper()
	r, link, err := StartReplica(primary)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(func() { r.Stop(); link.Close() })
	return r, link
}
