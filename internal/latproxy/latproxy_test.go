package latproxy

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// target is a server for the proxy to forward to: each accepted connection
// is handed to the test.
func target(t testing.TB) (addr string, accepted <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-conns:
				c.Close()
			default:
				return
			}
		}
	})
	return ln.Addr().String(), conns
}

func start(t testing.TB, addr string, oneWay time.Duration) *Proxy {
	t.Helper()
	p, err := Start(addr, oneWay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// connect dials the proxy and returns both ends: the client's and the
// target's.
func connect(t testing.TB, p *Proxy, accepted <-chan net.Conn) (client, server net.Conn) {
	t.Helper()
	client, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server = <-accepted
	t.Cleanup(func() { server.Close() })
	return client, server
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeInPieces writes b in pieces of random sizes, so the proxy sees many
// reads of many sizes, then closes the write side.
func writeInPieces(c net.Conn, b []byte, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 1))
	for len(b) > 0 {
		n := min(len(b), 1+r.IntN(9000))
		if _, err := c.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return c.(*net.TCPConn).CloseWrite()
}

// Both directions at once, each a megabyte written in pieces of random
// sizes, arrive whole and in order, and each end sees the other's end of
// stream after the last byte.
func TestBytesAndOrderBothWays(t *testing.T) {
	for _, oneWay := range []time.Duration{0, 2 * time.Millisecond} {
		t.Run(oneWay.String(), func(t *testing.T) {
			addr, accepted := target(t)
			client, server := connect(t, start(t, addr, oneWay), accepted)
			up, down := randomBytes(1, 1<<20), randomBytes(2, 1<<20)

			var wg sync.WaitGroup
			errs := make(chan error, 2)
			var gotUp, gotDown []byte
			wg.Add(4)
			go func() { defer wg.Done(); errs <- writeInPieces(client, up, 3) }()
			go func() { defer wg.Done(); errs <- writeInPieces(server, down, 4) }()
			go func() { defer wg.Done(); gotUp, _ = io.ReadAll(server) }()
			go func() { defer wg.Done(); gotDown, _ = io.ReadAll(client) }()
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(gotUp, up) {
				t.Errorf("client to server: got %d bytes, want the %d written, in order", len(gotUp), len(up))
			}
			if !bytes.Equal(gotDown, down) {
				t.Errorf("server to client: got %d bytes, want the %d written, in order", len(gotDown), len(down))
			}
		})
	}
}

// readMessage reads one n-byte message and says when it was complete.
func readMessage(t *testing.T, c net.Conn, n int) ([]byte, time.Time) {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b, time.Now()
}

// Each direction holds bytes for at least the delay: a request reaches the
// server no sooner than the delay after the client sent it, and the reply
// reaches the client no sooner than the delay after the server sent it.
func TestEachDirectionIsDelayed(t *testing.T) {
	const oneWay = 30 * time.Millisecond
	addr, accepted := target(t)
	client, server := connect(t, start(t, addr, oneWay), accepted)
	for i := range 3 {
		sent := time.Now()
		if _, err := client.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		req, arrived := readMessage(t, server, 4)
		if string(req) != "ping" {
			t.Fatalf("server read %q", req)
		}
		if up := arrived.Sub(sent); up < oneWay {
			t.Errorf("round %d: the request took %v, less than the %v delay", i, up, oneWay)
		}

		replied := time.Now()
		if _, err := server.Write([]byte("pong")); err != nil {
			t.Fatal(err)
		}
		rep, back := readMessage(t, client, 4)
		if string(rep) != "pong" {
			t.Fatalf("client read %q", rep)
		}
		if down := back.Sub(replied); down < oneWay {
			t.Errorf("round %d: the reply took %v, less than the %v delay", i, down, oneWay)
		}
		if rt := back.Sub(sent); rt < 2*oneWay {
			t.Errorf("round %d: the round trip took %v, less than twice the %v delay", i, rt, oneWay)
		}
	}
}

// Every write is held, not only a connection's first bytes: a second write
// made while the first waits in the line arrives at least the delay after
// it was written, and so does the end of the stream (a half close).
func TestLaterBytesAreDelayedFromTheirOwnWrite(t *testing.T) {
	const oneWay = 30 * time.Millisecond
	addr, accepted := target(t)
	client, server := connect(t, start(t, addr, oneWay), accepted)
	if _, err := client.Write([]byte("first ")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(oneWay / 3) // the second write happens while the first waits
	second := time.Now()
	if _, err := client.Write([]byte("second")); err != nil {
		t.Fatal(err)
	}
	if err := client.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(server)
	ended := time.Now()
	if err != nil || string(got) != "first second" {
		t.Fatalf("server read %q, %v", got, err)
	}
	if d := ended.Sub(second); d < oneWay {
		t.Errorf("the second write and the end of the stream took %v, less than the %v delay", d, oneWay)
	}
}

// Closing the proxy drops its open connections: the client's read ends.
func TestCloseDropsConnections(t *testing.T) {
	addr, accepted := target(t)
	p := start(t, addr, time.Millisecond)
	client, _ := connect(t, p, accepted)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes from a closed proxy, want an error or EOF", n)
	}
	if _, err := net.Dial("tcp", p.Addr()); err == nil {
		t.Fatal("a closed proxy still accepts connections")
	}
}

// A target that refuses the connection shows as a connection the proxy
// closes, as a refused one would be.
func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := start(t, addr, time.Millisecond)
	client, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if n, err := client.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes through a proxy whose target is down, want an error or EOF", n)
	}
}

func TestNegativeDelay(t *testing.T) {
	if _, err := Start("127.0.0.1:1", -time.Millisecond); err == nil {
		t.Fatal("Start accepted a negative delay")
	}
}

// echo serves every accepted connection by writing back what it reads.
func echo(t testing.TB) string {
	addr, accepted := target(t)
	go func() {
		for c := range accepted {
			go func() {
				_, _ = io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	return addr
}

func pingPong(b *testing.B, c net.Conn, msg []byte) {
	if _, err := c.Write(msg); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(c, msg); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRoundTrip measures what the proxy really adds: a 64-byte ping
// to an echo server straight and through the proxy, in turn, and reports
// the proxied round trip's excess over the straight one plus twice the
// delay ("added-ns/rt": the proxy's own hop and its lateness, both ways),
// as a mean and as a median ("added-p50-ns/rt"), which a busy machine's
// late wake-ups move less.
func BenchmarkRoundTrip(b *testing.B) {
	for _, oneWay := range []time.Duration{0, 250 * time.Microsecond, time.Millisecond} {
		b.Run("oneWay="+oneWay.String(), func(b *testing.B) {
			addr := echo(b)
			direct, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer direct.Close()
			proxied, err := net.Dial("tcp", start(b, addr, oneWay).Addr())
			if err != nil {
				b.Fatal(err)
			}
			defer proxied.Close()
			msg := make([]byte, 64)
			var straight, through time.Duration
			var added []time.Duration
			for b.Loop() {
				s := time.Now()
				pingPong(b, direct, msg)
				m := time.Now()
				pingPong(b, proxied, msg)
				e := time.Now()
				straight += m.Sub(s)
				through += e.Sub(m)
				added = append(added, e.Sub(m)-m.Sub(s)-2*oneWay)
			}
			n := float64(b.N)
			b.ReportMetric(float64(straight.Nanoseconds())/n, "direct-ns/rt")
			b.ReportMetric(float64(through.Nanoseconds())/n, "proxied-ns/rt")
			b.ReportMetric(float64((through-straight).Nanoseconds())/n-float64(2*oneWay), "added-ns/rt")
			slices.Sort(added)
			b.ReportMetric(float64(added[len(added)/2].Nanoseconds()), "added-p50-ns/rt")
		})
	}
}

// BenchmarkPipelined sends 100 pings back to back through a 1 ms proxy and
// then reads the 100 replies: with a delay line per direction a batch (an
// op) costs about one round trip, 2 ms, not a hundred.
func BenchmarkPipelined(b *testing.B) {
	const batch = 100
	c, err := net.Dial("tcp", start(b, echo(b), time.Millisecond).Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 64)
	replies := make([]byte, batch*len(msg))
	for b.Loop() {
		for range batch {
			if _, err := c.Write(msg); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := io.ReadFull(c, replies); err != nil {
			b.Fatal(err)
		}
	}
}
