package sshd

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestAuthorizedKeyGetsTheConsoleAndClaims(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"))
	d.add(t, "hello-from-ada")

	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("alice")
	tm.waitFor("Review")
	tm.waitFor("q quit")
	tm.press("c")
	tm.waitFor("hello-from-ada")

	if got := d.pending(t, "alice"); len(got) != 1 {
		t.Fatalf("alice holds %v, want one message", got)
	}
	log := d.log.String()
	if !strings.Contains(log, "session start") || !strings.Contains(log, "user=alice") ||
		!strings.Contains(log, gossh.FingerprintSHA256(alice.PublicKey())) || !strings.Contains(log, "read_only=false") {
		t.Fatalf("no start line with user and key fingerprint in the log:\n%s", log)
	}
	tm.press("q")
	tm.waitFor("stays pending") // quitting while holding a message asks first
	tm.press("y")
	tm.waitEnded()
	eventually(t, "the session's end in the log", func() bool { return strings.Contains(d.log.String(), "session end") })
	if !strings.Contains(d.log.String(), "duration=") {
		t.Fatalf("no duration in the end line:\n%s", d.log.String())
	}
}

func TestUnknownKeyAndKeylessClientsAreRefused(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"))

	if c, err := dial(d.addr, "mallory", keyAuth(newKey(t))); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("an unknown key: %v", err)
	}
	challenge := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })
	if c, err := dial(d.addr, "alice", gossh.Password("secret"), challenge); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("a client without a key: %v", err)
	}
	if !strings.Contains(d.log.String(), "refused key") {
		t.Fatalf("the refused key is not in the log:\n%s", d.log.String())
	}
}

func TestAuthorizedKeysAreReadAgainWhenTheFileChanges(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeAuthorized(t, path, as(alice, "alice"))
	d := startDesk(t, Config{AuthorizedKeys: path})

	if _, err := dial(d.addr, "bob", keyAuth(bob)); !refused(err) {
		t.Fatalf("bob before his key was added: %v", err)
	}
	writeAuthorized(t, path, as(alice, "alice"), as(bob, "bob"))
	c, err := dial(d.addr, "bob", keyAuth(bob))
	if err != nil {
		t.Fatalf("bob after his key was added, without a restart: %v", err)
	}
	c.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(d.addr, "alice", keyAuth(alice)); !refused(err) {
		t.Fatalf("alice after the file was removed: %v", err)
	}
}

func TestKeysWithOptionsAndBadLinesAreSkipped(t *testing.T) {
	alice, bob, carol, dave := newKey(t), newKey(t), newKey(t), newKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	bare := func(k gossh.Signer) string {
		return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
	}
	content := "# the desk\n\nnot a key\n" +
		`from="10.0.0.1" ` + bare(bob) + " bob\n" + // line 4: options are not enforced
		bare(carol) + "\n" + // line 5: no user
		bare(dave) + " dave laptop\n" + // line 6: not a user name
		authorizedLine(alice, "alice")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDesk(t, Config{AuthorizedKeys: path})
	c, err := dial(d.addr, "alice", keyAuth(alice))
	if err != nil {
		t.Fatalf("alice: %v", err)
	}
	c.Close()
	for user, key := range map[string]gossh.Signer{"bob": bob, "carol": carol, "dave": dave} {
		if _, err := dial(d.addr, user, keyAuth(key)); !refused(err) {
			t.Fatalf("%s's key from a skipped line got in: %v", user, err)
		}
	}
	log := d.log.String()
	for _, want := range []string{"line=3", "line=4", "line=5 reason=\"no user name", "line=6 reason=\"\\\"dave laptop\\\" is not a user name"} {
		if !strings.Contains(log, want) {
			t.Fatalf("%s is not in the log:\n%s", want, log)
		}
	}
	if strings.Contains(log, "line=7") || strings.Count(log, "skipped a line") != 4 {
		t.Fatalf("want exactly lines 3 to 6 skipped, once each:\n%s", log)
	}
}

func TestNoAuthorizedKeysFileRefusesToStart(t *testing.T) {
	_, err := New(Config{
		Client:         queueClient(t, "reviewq"),
		AuthorizedKeys: filepath.Join(t.TempDir(), "missing"),
		HostKey:        filepath.Join(t.TempDir(), "host"),
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err == nil || !strings.Contains(err.Error(), "authorized keys") {
		t.Fatalf("New without an authorized-keys file: %v", err)
	}
}

func TestHostKeyIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_ed25519")
	first, created, err := loadOrCreateHostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	if first.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", first.PublicKey().Type())
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key file mode: %v %v", st.Mode(), err)
	}
	again, created, err := loadOrCreateHostKey(path)
	if err != nil || created || gossh.FingerprintSHA256(again.PublicKey()) != gossh.FingerprintSHA256(first.PublicKey()) {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
}

func TestTwoReviewersClaimUnderTheirOwnNames(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	d := startDesk(t, Config{ConsumerPrefix: "desk:"}, as(alice, "alice"), as(bob, "bob"))
	d.add(t, "first-message", "second-message")

	ta := openTerm(t, d.addr, "alice", keyAuth(alice))
	tb := openTerm(t, d.addr, "bob", keyAuth(bob))
	ta.waitFor("desk:alice")
	tb.waitFor("desk:bob")
	ta.waitFor("q quit")
	tb.waitFor("q quit")
	ta.press("c")
	ta.waitFor("first-message")
	tb.press("c")
	tb.waitFor("second-message")

	pa, pb := d.pending(t, "desk:alice"), d.pending(t, "desk:bob")
	if len(pa) != 1 || len(pb) != 1 || pa[0] == pb[0] {
		t.Fatalf("pending: alice %v, bob %v; want one each, different", pa, pb)
	}
}

func TestReadOnlyUserCannotClaim(t *testing.T) {
	carol := newKey(t)
	d := startDesk(t, Config{ReadOnlyUsers: []string{"carol"}}, as(carol, "carol"))
	d.add(t, "not-for-carol")

	tm := openTerm(t, d.addr, "carol", keyAuth(carol))
	tm.waitFor("READ-ONLY")
	tm.waitFor("Reviewing is not available")
	tm.press("c")
	// The marker: once Stream (4, a key handled after c) is in front, a
	// message added now reaches carol's screen by a read her console sends
	// after c was handled: a claim c started would be on the server before.
	tm.press("4")
	tm.waitFor("not-for-carol")
	d.add(t, "marker-message")
	tm.waitFor("marker-message")
	if got := d.pending(t, "carol"); len(got) != 0 {
		t.Fatalf("a read-only user claimed %v", got)
	}
	if !strings.Contains(d.log.String(), "read_only=true") {
		t.Fatalf("the log does not say read-only:\n%s", d.log.String())
	}
}

func TestWindowResizeReachesTheProgram(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"))
	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("q quit")

	if err := tm.sess.WindowChange(10, 50); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("50×10") // the too-small line names the new size
	tm.out.Reset()
	if err := tm.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("q quit")
}

func TestSessionsWithoutATerminalOrWithABadNameAreTurnedAway(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"))

	tm := openSession(t, d.addr, "alice", false, keyAuth(alice))
	tm.waitFor("reviewq needs a terminal: ssh -t")
	tm.waitEnded()

	// With keys, a name no key logs in as is refused at authentication;
	// an anonymous desk lets any name that far, and turns it away there.
	if _, err := dial(d.addr, "bad name", keyAuth(alice)); !refused(err) {
		t.Fatalf("a bad name with keys: %v", err)
	}
	anon := startDesk(t, Config{AllowAnonymous: true})
	tm = openTerm(t, anon.addr, "bad name", keyAuth(alice))
	tm.waitFor("SSH user name is your consumer name")
	tm.waitEnded()

	tm = openTerm(t, anon.addr, "evil\x1b[2J", keyAuth(alice))
	tm.waitFor("SSH user name is your consumer name")
	tm.waitEnded()
}

func TestTheSessionOverTheLimitIsTurnedAway(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{MaxSessions: 1}, as(alice, "alice"))
	first := openTerm(t, d.addr, "alice", keyAuth(alice))
	first.waitFor("q quit")

	second := openTerm(t, d.addr, "alice", keyAuth(alice))
	second.waitFor("reviewq: the desk is full (1 sessions); try again later")
	second.waitEnded()

	first.press("q")
	first.waitEnded()
	eventually(t, "the first session to end", func() bool { return d.srv.Sessions() == 0 })
	third := openTerm(t, d.addr, "alice", keyAuth(alice))
	third.waitFor("q quit")
}

func TestIdleSessionIsClosed(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{IdleTimeout: 700 * time.Millisecond}, as(alice, "alice"))
	d.add(t, "held-then-left")
	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("q quit")
	tm.press("c")
	tm.waitFor("held-then-left")
	tm.waitFor("no key pressed for 700ms; closing this session")
	tm.waitEnded()
	if got := d.pending(t, "alice"); len(got) != 1 {
		t.Fatalf("after the idle close alice holds %v; want the message still pending", got)
	}
}

func TestShutdownLeavesTheHeldMessagePending(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"), as(bob, "bob"))
	ids := d.add(t, "held-at-shutdown")

	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	idle := openTerm(t, d.addr, "bob", keyAuth(bob))
	tm.waitFor("q quit")
	idle.waitFor("q quit")
	tm.press("c")
	tm.waitFor("held-at-shutdown")

	d.stop(t)
	tm.waitFor(ShutdownLine)
	idle.waitFor(ShutdownLine)
	tm.waitEnded()
	idle.waitEnded()

	if got := d.pending(t, "alice"); !slices.Equal(got, ids) {
		t.Fatalf("after shutdown alice holds %v, want %v", got, ids)
	}
	log := d.log.String()
	if !strings.Contains(log, "left pending at shutdown") || !strings.Contains(log, ids[0]) ||
		!strings.Contains(log, `msg="held nothing at shutdown" user=bob`) {
		t.Fatalf("the log does not say who held what:\n%s", log)
	}
}

// TestFiftyReviewersClaimAndAckEachOnce is the desk at its default limit:
// 50 sessions at once, each claiming and acking one message, no message
// held twice. It also checks the heap each open session costs against its
// budget (make bench-ssh is the 500-session run).
func TestFiftyReviewersClaimAndAckEachOnce(t *testing.T) {
	const n = DefaultMaxSessions
	key := newKey(t)
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("reviewer%02d", i)
	}
	d := startDesk(t, Config{}, as(key, users...))
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("message-%02d", i)
	}
	d.add(t, words...)

	before := heapInUse()
	terms := make([]*term, n)
	var wg sync.WaitGroup
	for i := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			terms[i] = openTerm(t, d.addr, fmt.Sprintf("reviewer%02d", i), keyAuth(key))
		}()
	}
	wg.Wait()
	for _, tm := range terms {
		tm.waitFor("q quit")
	}
	var buffers int
	for _, tm := range terms {
		buffers += tm.out.Cap()
	}
	during := heapInUse()
	perSession := (int64(during) - int64(before) - int64(buffers)) / n
	t.Logf("heap in use: %d KiB before, %d KiB with %d sessions open (%d KiB of it the test's output buffers): %d KiB per session (server and the test's SSH client together)",
		before/1024, during/1024, n, buffers/1024, perSession/1024)
	if perSession > SessionMemory {
		t.Fatalf("%d KiB of heap per session, over the budget of %d KiB", perSession/1024, SessionMemory/1024)
	}

	for _, tm := range terms {
		tm.press("c")
	}
	for _, tm := range terms {
		tm.waitFor("message-")
	}
	held := map[string]string{}
	for i := range terms {
		consumer := fmt.Sprintf("reviewer%02d", i)
		ids := d.pending(t, consumer)
		if len(ids) != 1 {
			t.Fatalf("%s holds %v, want exactly one", consumer, ids)
		}
		if other, dup := held[ids[0]]; dup {
			t.Fatalf("%s and %s both hold %s", other, consumer, ids[0])
		}
		held[ids[0]] = consumer
	}
	for _, tm := range terms {
		tm.press("a")
	}
	for _, tm := range terms {
		tm.waitFor("acked")
	}
	st, err := d.q.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Group.Pending != 0 || len(held) != n {
		t.Fatalf("after every ack: %d pending, %d distinct messages held", st.Group.Pending, len(held))
	}
	for _, tm := range terms {
		if strings.Contains(tm.screen(), "no longer pending") {
			t.Fatalf("an ack found its message gone, acked elsewhere:\n%s", tm.screen())
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
