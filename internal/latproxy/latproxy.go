// Package latproxy is a TCP proxy that holds every byte for a set time in
// each direction, the way a network between a client and a distant server
// does, so that a benchmark on loopback can show what a user of a managed
// server in a cloud region feels.
//
// Each direction of a connection is a delay line: bytes read at time t are
// stamped t+delay and written on at that time, in order. Reading goes on
// while earlier bytes wait, so pipelined requests overlap their delays as
// they would on a network, and the proxy adds the delay once per trip, not
// once per chunk read.
package latproxy

import (
	"errors"
	"net"
	"sync"
	"time"
)

// dialTimeout bounds connecting to the target for each accepted connection.
const dialTimeout = 5 * time.Second

// lineChunks is how many chunks a direction holds in flight before its
// reader waits for the writer: back pressure, as a TCP window gives. At
// up to readSize bytes a chunk that is megabytes per delay, far more than a
// benchmark's requests.
const lineChunks = 1024

// readSize is the most one read takes from a connection.
const readSize = 32 << 10

// Proxy accepts connections on a loopback port and forwards each to the
// target through two delay lines, one per direction.
type Proxy struct {
	target string
	delay  time.Duration
	ln     net.Listener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start listens on a free loopback port and forwards every connection to
// target (host:port), delaying each direction by oneWay: a round trip
// through the proxy costs at least 2×oneWay more than one straight to the
// target (its own hop adds tens of microseconds; see BenchmarkRoundTrip).
func Start(target string, oneWay time.Duration) (*Proxy, error) {
	if oneWay < 0 {
		return nil, errors.New("latproxy: negative delay")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, delay: oneWay, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port, to connect to instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, drops every open connection and waits for the
// proxy's goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Add(1)
		go p.serve(client)
	}
}

// track adds c to the open connections, or closes it and says false when
// the proxy is closing.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.DialTimeout("tcp", p.target, dialTimeout)
	if err != nil {
		return // the client sees its connection closed, as with a refused one
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	noDelay(client)
	noDelay(server)

	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); p.forward(server, client) }()
	go func() { defer both.Done(); p.forward(client, server) }()
	both.Wait()
}

// noDelay turns Nagle's algorithm off (Go's default for TCP, said here
// because a delayed small write would add its own wait to the line's).
func noDelay(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
}

// chunk is what one read returned and when it is due at the other end.
type chunk struct {
	data []byte
	due  time.Time
}

// forward copies src to dst through a delay line. When src ends, what is
// still in the line is delivered on time and then dst's write side is
// closed, so the other end sees the end of the stream as late as the last
// byte. When dst fails, both connections are closed so the peer's reader
// stops too.
func (p *Proxy) forward(dst, src net.Conn) {
	line := make(chan chunk, lineChunks)
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		deliver(dst, src, line)
	}()
	buf := make([]byte, readSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			due := time.Now().Add(p.delay)
			line <- chunk{data: append([]byte(nil), buf[:n]...), due: due}
		}
		if err != nil {
			break
		}
	}
	close(line)
	<-delivered
}

// deliver writes each chunk of the line to dst when it is due.
func deliver(dst, src net.Conn, line <-chan chunk) {
	for c := range line {
		waitUntil(c.due)
		if _, err := dst.Write(c.data); err != nil {
			dst.Close()
			src.Close()
			for range line { // let the reader finish
			}
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	dst.Close()
}

// waitUntil returns at due, within about a microsecond when the machine is
// not too busy to run the spin: it sleeps until sleepMargin before, then
// spins. Spinning all the way would be as exact, but takes a core for the
// whole delay, and a spinner the kernel preempts on a busy machine is later
// than one that sleeps most of the way.
func waitUntil(due time.Time) {
	for {
		left := time.Until(due) - sleepMargin
		if left <= 0 {
			break
		}
		sleep(left)
	}
	for time.Now().Before(due) {
	}
}
