package queue

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
)

func TestServerRestartMidReview(t *testing.T) {
	s := startServer(t, "--appendonly", "yes", "--appendfsync", "always")
	c := newClientOn(t, dial(t, s.Addr), Config{})
	ids := mustAdd(t, c, 2)
	held := mustClaim(t, c)

	s.Kill()
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err := c.Ack(short, held.ID)
	cancel()
	if err == nil || !IsServerSide(err) {
		t.Fatalf("ack while the server is down: %v, want a server-side error", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	// The client reconnects by itself: a call may still meet a connection
	// that died with the server (a server-side error, nothing lost), and a
	// later one goes through.
	var p PendingPage
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err = c.PendingPage(ctx(t), PendingQuery{})
		if err == nil {
			break
		}
		if !IsServerSide(err) || time.Now().After(deadline) {
			t.Fatalf("client did not reconnect: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(p.Entries) != 1 || p.Entries[0].ID != held.ID || p.Entries[0].Consumer != "alice" {
		t.Fatalf("pending after restart %+v, want %s held by alice", p.Entries, held.ID)
	}
	if n, err := c.Ack(ctx(t), held.ID); err != nil || n != 1 {
		t.Fatalf("ack after restart: %d %v", n, err)
	}
	// Scripts are gone from the restarted server; the claim loads them
	// again. A claim is never resent by the client (it is not idempotent),
	// so one may still meet a dead connection and say so; the next works.
	for attempt := 1; ; attempt++ {
		r, err := c.Claim(ctx(t))
		if err != nil && IsServerSide(err) && attempt < 5 {
			continue
		}
		if err != nil || r.Message == nil || r.Message.ID != ids[1] {
			t.Fatalf("claim after restart: %+v %v, want %s", r.Message, err, ids[1])
		}
		break
	}
}

// A server restarted without persistence comes back empty under a reviewer
// holding a message: the keep-alive says the message is lost (nobody took
// it), the group is there again, and claiming goes on without restarting
// anything.
func TestServerRestartedEmptyMidReview(t *testing.T) {
	s := startServer(t) // no persistence
	c := newClientOn(t, dial(t, s.Addr), Config{})
	mustAdd(t, c, 1)
	held := mustClaim(t, c)

	s.Kill()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	// The first calls may still meet connections that died with the
	// server; keep-alives are resent, so one soon answers.
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err = c.KeepAlive(ctx(t), held.ID); err == nil || !IsServerSide(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !errors.Is(err, ErrLost) || !errors.Is(err, errGroupGone) || errors.Is(err, ErrNotHeld) {
		t.Fatalf("keep-alive on a server that came back empty: %v, want ErrLost (group gone)", err)
	}
	if err := c.Release(ctx(t), held.ID); !errors.Is(err, ErrLost) {
		t.Fatalf("release: %v, want ErrLost", err)
	}
	var a Added
	for attempt := 1; ; attempt++ {
		if a, err = c.AddContact(ctx(t), "Jo", "jo@example.org", "after the restart"); err == nil {
			break
		}
		if !IsServerSide(err) || attempt == 5 {
			t.Fatal(err) // an add is never resent either
		}
	}
	for attempt := 1; ; attempt++ {
		r, err := c.Claim(ctx(t))
		if err != nil && IsServerSide(err) && attempt < 5 {
			continue // a claim is never resent; a reviewer presses c again
		}
		if err != nil || r.Message == nil || r.Message.ID != a.ID || r.Message.Deliveries != 1 {
			t.Fatalf("claim after the restart: %+v %v, want %s", r.Message, err, a.ID)
		}
		break
	}
}

// Sixteen reviewers work 5,000 messages at once: every message is acked
// exactly once and none is handed to two reviewers.
func TestConcurrentReviewers(t *testing.T) {
	const reviewers, messages = 16, 5000
	c := newClient(t, Config{})
	addBulk(t, c, messages)

	var (
		mu      sync.Mutex
		claimed = make(map[string]string, messages)
		acked   atomic.Int64
		wg      sync.WaitGroup
		errs    = make(chan error, reviewers)
	)
	for i := 0; i < reviewers; i++ {
		r := c.WithConsumer("reviewer-" + strconv.Itoa(i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				res, err := r.Claim(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if res.Message == nil {
					return
				}
				mu.Lock()
				prev, dup := claimed[res.Message.ID]
				claimed[res.Message.ID] = r.Consumer()
				mu.Unlock()
				if dup {
					errs <- errors.New(res.Message.ID + " handed to " + prev + " and " + r.Consumer())
					return
				}
				n, err := r.Ack(context.Background(), res.Message.ID)
				if err != nil {
					errs <- err
					return
				}
				acked.Add(n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(claimed) != messages || acked.Load() != messages {
		t.Fatalf("claimed %d, acked %d, want %d each", len(claimed), acked.Load(), messages)
	}
	assertDrained(t, c, messages)
}

// Reviewers who walk away mid-review: their messages are reclaimed by
// others after the threshold, and still every message is acked once.
func TestConcurrentReviewersWithAbandonedClaims(t *testing.T) {
	const reviewers, messages = 16, 1000
	c := newClient(t, Config{ReclaimAfter: 30 * time.Millisecond, MaxDeliveries: -1})
	addBulk(t, c, messages)

	var (
		ackCount sync.Map // id → *atomic.Int64
		claims   atomic.Int64
		wg       sync.WaitGroup
		errs     = make(chan error, reviewers)
	)
	for i := 0; i < reviewers; i++ {
		r := c.WithConsumer("reviewer-" + strconv.Itoa(i))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			empty := 0
			for n := 0; ; n++ {
				res, err := r.Claim(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if res.Message == nil {
					// Abandoned messages become claimable after the
					// threshold; wait for them before giving up.
					if empty++; empty > 10 {
						return
					}
					time.Sleep(20 * time.Millisecond)
					continue
				}
				empty = 0
				claims.Add(1)
				if (n+i)%17 == 0 && res.Message.Deliveries == 1 {
					continue // walk away without acking
				}
				if res.Message.Deliveries > 1 && !res.Message.Reclaimed {
					errs <- errors.New(res.Message.ID + ": a second delivery not marked reclaimed")
					return
				}
				n, err := r.Ack(context.Background(), res.Message.ID)
				if err != nil {
					errs <- err
					return
				}
				v, _ := ackCount.LoadOrStore(res.Message.ID, new(atomic.Int64))
				v.(*atomic.Int64).Add(n)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	ackCount.Range(func(k, v any) bool {
		if n := v.(*atomic.Int64).Load(); n != 1 {
			t.Errorf("%s acked %d times", k, n)
		}
		total++
		return true
	})
	if total != messages {
		t.Fatalf("%d messages acked, want %d", total, messages)
	}
	if claims.Load() <= messages {
		t.Fatalf("no message was abandoned and reclaimed (%d claims)", claims.Load())
	}
	assertDrained(t, c, messages)
}

func addBulk(t testing.TB, c *Client, n int) {
	t.Helper()
	const batch = 500
	for done := 0; done < n; done += batch {
		var b [][]Field
		for i := done; i < n && i < done+batch; i++ {
			b = append(b, c.ContactFields("Reviewer test", "load@example.org", "message "+strconv.Itoa(i)))
		}
		for _, r := range c.AddMany(ctx(t), b) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
}

func assertDrained(t *testing.T, c *Client, length int64) {
	t.Helper()
	st, err := c.Stats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Group.Pending != 0 || st.Length != length || st.DeadLength != 0 {
		t.Fatalf("after the run: %d pending, %d in stream, %d dead; want 0, %d, 0",
			st.Group.Pending, st.Length, st.DeadLength, length)
	}
}

// Entries written exactly as the web example writes them are claimed and
// acked, and what reviewq adds the web example's processing can claim.
func TestInteropWithTheWebExample(t *testing.T) {
	c := newClient(t, Config{})
	ts := "2024-11-24T18:35:14.890Z"
	id, err := do(t, c, "XADD", c.cfg.Stream, "*", "name", "Jane", "email", "jane@example.com",
		"message", "Hi from the web form", "timestamp", ts).ToString()
	if err != nil {
		t.Fatal(err)
	}
	m := mustClaim(t, c)
	if m.ID != id || !m.IsContact() || m.Message() != "Hi from the web form" || m.Timestamp() != ts {
		t.Fatalf("claimed %+v", m)
	}
	if n, _ := c.Ack(ctx(t), id); n != 1 {
		t.Fatal("ack of a web-example entry failed")
	}

	// The web example's processing page: XREADGROUP COUNT 1 > then XACK.
	a, err := c.AddContact(ctx(t), "Ada", "ada@example.org", "from the terminal")
	if err != nil {
		t.Fatal(err)
	}
	r, err := do(t, c, "XREADGROUP", "GROUP", c.cfg.Group, "web-processor", "COUNT", "1", "STREAMS", c.cfg.Stream, ">").AsXRead()
	if err != nil || len(r[c.cfg.Stream]) != 1 || r[c.cfg.Stream][0].ID != a.ID {
		t.Fatalf("web example read %+v %v", r, err)
	}
	fv := r[c.cfg.Stream][0].FieldValues
	if len(fv) != 4 || fv["name"] != "Ada" || fv["email"] != "ada@example.org" || fv["message"] != "from the terminal" || fv["timestamp"] != a.Timestamp {
		t.Fatalf("web example sees fields %v", fv)
	}
	if n, err := do(t, c, "XACK", c.cfg.Stream, c.cfg.Group, a.ID).AsInt64(); err != nil || n != 1 {
		t.Fatalf("web example ack: %d %v", n, err)
	}
}

// A steady-state claim is one command on the wire.
func TestClaimIsOneRoundTrip(t *testing.T) {
	s := startServer(t)
	c := newClientOn(t, dial(t, s.Addr), Config{})
	mustAdd(t, c, 3)
	mustClaim(t, c) // loads the script
	assertOneEvalsha(t, s, "claim", func() { mustClaim(t, c) })
}

// Ack and claim the next is one command on the wire too.
func TestAckAndClaimIsOneRoundTrip(t *testing.T) {
	s := startServer(t)
	c := newClientOn(t, dial(t, s.Addr), Config{})
	mustAdd(t, c, 3)
	m := mustClaim(t, c) // loads the script
	assertOneEvalsha(t, s, "ack and claim", func() {
		n, r, err := c.AckAndClaim(ctx(t), m.ID)
		if err != nil || n != 1 || r.Message == nil {
			t.Fatalf("ack and claim: %d %+v %v", n, r, err)
		}
	})
}

// assertOneEvalsha watches the server with MONITOR while f runs and fails
// unless f sent exactly one command, an EVALSHA.
func assertOneEvalsha(t *testing.T, s *testserver.Server, what string, f func()) {
	t.Helper()
	if cmds := s.Monitor(t, f); len(cmds) != 1 || cmds[0].Name != "EVALSHA" {
		t.Fatalf("%s sent %d commands, want one EVALSHA: %q", what, len(cmds), cmds)
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestCerts(t, dir)
	tlsPort := strconv.Itoa(freePortT(t))
	s := startServer(t, "--tls-port", tlsPort, "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "no")
	url := "rediss://127.0.0.1:" + tlsPort
	vk, err := Dial(ctx(t), ServerOptions{URL: url, CAFile: caFile})
	if err != nil {
		t.Fatalf("TLS with the CA: %v", err)
	}
	defer vk.Close()
	c := newClientOn(t, vk, Config{})
	mustAdd(t, c, 1)
	mustClaim(t, c)
	_ = s

	_, err = Dial(ctx(t), ServerOptions{URL: url, DialTimeout: 2 * time.Second})
	if !errors.Is(err, ErrTLS) {
		t.Fatalf("TLS without trusting the CA: %v, want ErrTLS", err)
	}
}

func freePortT(t *testing.T) int {
	addr := testserverFreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return p
}

func writeTestCerts(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reviewq test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}
