package sshd

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/reviewq/reviewq/tui"
)

// A hostile or careless client cannot exhaust the desk: whatever one
// session sends, the heap it makes the server hold stays bounded, and the
// other reviewers keep working. Each test measures the heap (after a
// collection) before and after the hostile session; the server and the
// test's SSH clients share the process, so the test keeps its own output
// buffers small (syncBuffer.keep).

// sessionHeapBound is the most one session may grow the heap by, whatever
// it asks for. A session at the clamped size measures about 1.4 MiB, the
// test's SSH client half included, within its 2 MiB budget; one heap
// measurement around a single session also catches what other goroutines
// (the desk, the test before) allocate meanwhile, up to 0.8 MiB here, so
// the bound is twice the budget. TestSessionsAtTheClampStayWithinTheirBudget
// holds ten sessions to the budget itself. One at 1000×1000 would take
// about 200 MiB, and one at 5000×5000 gigabytes.
const sessionHeapBound = 2 * SessionMemory

// recorder keeps what each user's console received, as it received it.
type recorder struct {
	mu      sync.Mutex
	sizes   map[string][]tea.WindowSizeMsg
	pastes  map[string][]int // lengths in bytes
	keys    map[string]int
	warning map[string][]tui.IdleWarningMsg
}

func newRecorder() *recorder {
	return &recorder{sizes: map[string][]tea.WindowSizeMsg{}, pastes: map[string][]int{},
		keys: map[string]int{}, warning: map[string][]tui.IdleWarningMsg{}}
}

func (r *recorder) observe(user string, msg tea.Msg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		r.sizes[user] = append(r.sizes[user], m)
	case tea.PasteMsg:
		r.pastes[user] = append(r.pastes[user], len(m.Content))
	case tea.KeyPressMsg:
		r.keys[user]++
	case tui.IdleWarningMsg:
		r.warning[user] = append(r.warning[user], m)
	}
}

func (r *recorder) lastSize(user string) (tea.WindowSizeMsg, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sizes[user]
	if len(s) == 0 {
		return tea.WindowSizeMsg{}, 0
	}
	return s[len(s)-1], len(s)
}

// everySizeWithin fails unless every size the user's console got is
// within the clamp to most.
func (r *recorder) everySizeWithin(t *testing.T, user string, most Size) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sizes[user] {
		if s.Width < MinWidth || s.Width > most.Width || s.Height < MinHeight || s.Height > most.Height {
			t.Fatalf("%s's console was given %d×%d", user, s.Width, s.Height)
		}
	}
}

func (r *recorder) keysOf(user string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[user]
}

// hostileDesk is a desk for mallory (the hostile client) and bob (everyone
// else), recording what every console receives.
func hostileDesk(t *testing.T, cfg Config) (d *desk, rec *recorder, mallory, bob gossh.Signer) {
	t.Helper()
	mallory, bob = newKey(t), newKey(t)
	rec = newRecorder()
	d = startDeskWith(t, cfg, func(s *Server) { s.observe = rec.observe }, as(mallory, "mallory"), as(bob, "bob"))
	return d, rec, mallory, bob
}

// heapGrowth measures the live heap from before to now.
func heapGrowth(before uint64) int64 { return int64(heapAlloc()) - int64(before) }

func heapAlloc() uint64 { return heapAllocOf() }

// heapAllocOf is the live heap, after a collection.
func heapAllocOf() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// assertBounded fails when the heap grew by more than bound since before.
func assertBounded(t *testing.T, what string, before uint64, bound int64) {
	t.Helper()
	grew := heapGrowth(before)
	t.Logf("%s: the heap grew by %d KiB", what, grew/1024)
	if grew > bound {
		t.Fatalf("%s grew the heap by %d MiB, more than %d MiB", what, grew>>20, bound>>20)
	}
}

// othersStillWork opens bob's console and uses it.
func othersStillWork(t *testing.T, d *desk, bob gossh.Signer) {
	t.Helper()
	tm := openTerm(t, d.addr, "bob", keyAuth(bob))
	tm.waitFor("q quit")
	tm.press("q")
	tm.waitEnded()
}

func TestAHugePtyRequestRendersAtTheClampedSize(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	before := heapAlloc()

	tm := openSized(t, d.addr, "mallory", 5000, 5000, keyAuth(mallory))
	tm.waitFor("q quit")
	eventually(t, "the console's size", func() bool {
		s, _ := rec.lastSize("mallory")
		return s == tea.WindowSizeMsg{Width: DefaultMaxWidth, Height: DefaultMaxHeight}
	})
	rec.everySizeWithin(t, "mallory", DefaultMaxSize)
	assertBounded(t, "a 5000×5000 session", before, sessionHeapBound)
	othersStillWork(t, d, bob)
}

func TestHugeWindowChangesAreClamped(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")
	before := heapAlloc()

	// 1000×1000 passes Bubble Tea's own plausibility check (a million
	// cells), 100000×100000 does not; neither may reach the console.
	tm.out.Reset()
	for _, size := range [][2]int{{1000, 1000}, {100000, 100000}} {
		_, n := rec.lastSize("mallory")
		if err := tm.sess.WindowChange(size[1], size[0]); err != nil {
			t.Fatal(err)
		}
		eventually(t, fmt.Sprintf("the console to get the clamped size for %d×%d", size[0], size[1]), func() bool {
			s, m := rec.lastSize("mallory")
			return m > n && s == tea.WindowSizeMsg{Width: DefaultMaxWidth, Height: DefaultMaxHeight}
		})
	}
	tm.waitFor("q quit") // a frame at the new size
	rec.everySizeWithin(t, "mallory", DefaultMaxSize)
	assertBounded(t, "window-changes to 1000×1000 and 100000×100000", before, sessionHeapBound)

	tm.out.Reset()
	if err := tm.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("q quit")
	othersStillWork(t, d, bob)
}

func TestAZeroWindowIsTheSmallest(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")

	if err := tm.sess.WindowChange(0, 0); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the console at the smallest size", func() bool {
		s, _ := rec.lastSize("mallory")
		return s == tea.WindowSizeMsg{Width: MinWidth, Height: MinHeight}
	})
	tm.out.Reset()
	if err := tm.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("q quit") // the session survived, and draws again
	othersStillWork(t, d, bob)

	// A PTY request of 0×0 too.
	zero := openSized(t, d.addr, "bob", 1, 0, keyAuth(bob))
	eventually(t, "bob's 1×0 console", func() bool {
		s, _ := rec.lastSize("bob")
		return s == tea.WindowSizeMsg{Width: 1, Height: MinHeight}
	})
	zero.close()
}

func TestTwoHundredWindowChangesInASecond(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")
	_, first := rec.lastSize("mallory")
	before := heapAlloc()

	start := time.Now()
	for i := range 200 {
		w, h := 5000, 5000
		if i%2 == 1 {
			w, h = 60+i%100, 16+i%50
		}
		if err := tm.sess.WindowChange(h, w); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * 5 * time.Millisecond)))
	}
	tm.out.Reset()
	if err := tm.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the console at the last size", func() bool {
		s, _ := rec.lastSize("mallory")
		return s == tea.WindowSizeMsg{Width: 120, Height: 40}
	})
	_, n := rec.lastSize("mallory")
	t.Logf("201 window-changes in %s reached the console as %d resizes", time.Since(start).Round(time.Millisecond), n-first)
	rec.everySizeWithin(t, "mallory", DefaultMaxSize)
	assertBounded(t, "200 window-changes", before, sessionHeapBound)
	tm.waitFor("q quit")
	othersStillWork(t, d, bob)
}

func TestASizeReportedAsInputIsClamped(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")
	before := heapAlloc()

	// CSI 8;rows;cols t is a terminal's size report; Bubble Tea takes it
	// from the input as a resize.
	tm.out.Reset()
	tm.press("\x1b[8;1000;1000t")
	eventually(t, "the console at the clamped size", func() bool {
		s, _ := rec.lastSize("mallory")
		return s == tea.WindowSizeMsg{Width: DefaultMaxWidth, Height: DefaultMaxHeight}
	})
	tm.waitFor("q quit") // a frame at the new size
	rec.everySizeWithin(t, "mallory", DefaultMaxSize)
	assertBounded(t, "an in-band size report of 1000×1000", before, sessionHeapBound)
	othersStillWork(t, d, bob)
}

func TestAOneMiBPasteIsCutAt64KiB(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")
	before := heapAlloc()

	tm.press("\x1b[200~" + strings.Repeat("a", 1<<20) + "\x1b[201~")
	eventually(t, "the paste to reach the console", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.pastes["mallory"]) == 1
	})
	// Still over Compose's 10,000 characters, so Compose refuses it as too
	// long rather than taking the first 10,000 as the whole message.
	if got := rec.pastes["mallory"][0]; got != MaxPasteBytes {
		t.Fatalf("the console got a paste of %d bytes, want %d", got, MaxPasteBytes)
	}
	eventually(t, "the cut in the log", func() bool {
		return strings.Contains(d.log.String(), `msg="cut a paste" user=mallory`) &&
			strings.Contains(d.log.String(), fmt.Sprintf("pasted_bytes=%d passed_bytes=%d", 1<<20, MaxPasteBytes))
	})
	assertBounded(t, "a 1 MiB paste", before, sessionHeapBound)

	// A paste that never ends holds no more.
	before = heapAlloc()
	// press returns once the SSH channel took it all: the desk has read all
	// but the channel's window of it (2 MiB in x/crypto/ssh, within the
	// bound); a desk that kept the paste would hold 6 MiB of it by then.
	tm.press("\x1b[200~" + strings.Repeat("b", 8<<20))
	assertBounded(t, "8 MiB of a paste that never ends", before, 4<<20)
	othersStillWork(t, d, bob)
}

func TestAKeyFloodIsDroppedAndLogged(t *testing.T) {
	d, rec, mallory, bob := hostileDesk(t, Config{})
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")
	before := heapAlloc()
	keysBefore := rec.keysOf("mallory")

	start := time.Now()
	tm.press(strings.Repeat("j", 20000))
	eventually(t, "the flood to be dropped", func() bool {
		return strings.Contains(d.log.String(), `msg="dropping key presses: more than the session's input rate" user=mallory`)
	})
	// Let the flood drain: the keys that get through stop growing.
	var n int
	for n = rec.keysOf("mallory"); ; {
		time.Sleep(300 * time.Millisecond)
		if m := rec.keysOf("mallory"); m == n {
			break
		} else {
			n = m
		}
	}
	elapsed := time.Since(start)
	passed := n - keysBefore
	if limit := inputEventBurst + int(inputEventsPerSecond*elapsed.Seconds()) + 10; passed > limit {
		t.Fatalf("%d of 20000 keys reached the console in %s; the rate allows %d", passed, elapsed.Round(time.Millisecond), limit)
	}
	t.Logf("%d of 20000 keys reached the console in %s", passed, elapsed.Round(time.Millisecond))
	if c := strings.Count(d.log.String(), "dropping key presses"); c > 1+int(elapsed/dropLogEvery) {
		t.Fatalf("%d log lines about dropped keys in %s", c, elapsed)
	}
	assertBounded(t, "20000 keys at once", before, sessionHeapBound)

	time.Sleep(time.Second) // the rate refills
	tm.press("q")
	tm.waitEnded()
	eventually(t, "the end line", func() bool { return strings.Contains(d.log.String(), "keys_dropped=") })
	othersStillWork(t, d, bob)
}

// TestInputThatKeepsTheDecoderWaitingIsPaced streams bytes after an
// escape the decoder waits on, or a byte that is not UTF-8, without a
// pause. Unpaced, the decoder would keep all of it, rescanning it at every
// read, and the console would get none of it while the stream lasts.
func TestInputThatKeepsTheDecoderWaitingIsPaced(t *testing.T) {
	for name, prefix := range map[string]string{"unterminated OSC": "\x1b]", "ESC x": "\x1bx", "not UTF-8": "\xff"} {
		t.Run(name, func(t *testing.T) {
			d, rec, mallory, bob := hostileDesk(t, Config{})
			tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
			tm.waitFor("q quit")
			before, keys := heapAlloc(), rec.keysOf("mallory")

			chunk := []byte(strings.Repeat("a", 4096))
			stop := make(chan struct{})
			sent := make(chan int)
			go func() {
				n, _ := tm.stdin.Write([]byte(prefix))
				for {
					select {
					case <-stop:
						sent <- n
						return
					default:
					}
					m, err := tm.stdin.Write(chunk)
					n += m
					if err != nil {
						<-stop
						sent <- n
						return
					}
				}
			}()
			// Keys keep coming from the stream while it lasts: more than the
			// first burst the input rate lets through at once, so the decoder
			// gave up waiting more than once.
			eventually(t, "keys from the stream while it lasts (a stuck decoder passes none)", func() bool {
				return rec.keysOf("mallory") > keys+inputEventBurst+30
			})
			// What the client sent and the desk has not read yet waits in
			// the SSH channel's window (2 MiB in x/crypto/ssh): bounded by the
			// protocol. The decoder holds at most escapeBurst of the rest.
			assertBounded(t, "a stream after "+name, before, 8<<20)
			close(stop)
			othersStillWork(t, d, bob)
			tm.close()
			t.Logf("sent %d KiB", <-sent/1024)
		})
	}
}

func TestOneUserHoldsAtMostMaxSessionsPerUser(t *testing.T) {
	d, _, mallory, bob := hostileDesk(t, Config{})
	var held []*term
	for range DefaultMaxSessionsPerUser {
		tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
		tm.waitFor("q quit")
		held = append(held, tm)
	}
	before := heapAlloc()
	extra := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	extra.waitFor("reviewq: mallory already has 5 sessions open")
	extra.waitEnded()
	if !strings.Contains(d.log.String(), `reason="reviewq: mallory already has 5 sessions open"`) {
		t.Fatalf("no log line for the refused session:\n%s", d.log.String())
	}
	assertBounded(t, "a refused sixth session", before, sessionHeapBound)

	othersStillWork(t, d, bob) // another user is unaffected

	held[0].press("q")
	held[0].waitEnded()
	eventually(t, "a seat to free up", func() bool { return d.srv.Sessions() == DefaultMaxSessionsPerUser-1 })
	openTerm(t, d.addr, "mallory", keyAuth(mallory)).waitFor("q quit")
}

func TestMaxSessionsPerUserIsConfigurable(t *testing.T) {
	d, _, mallory, _ := hostileDesk(t, Config{MaxSessionsPerUser: 1})
	openTerm(t, d.addr, "mallory", keyAuth(mallory)).waitFor("q quit")
	second := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	second.waitFor("reviewq: mallory already has 1 sessions open")
	second.waitEnded()
}

// TestIdleHandshakesAreDroppedAndAReviewerStillGetsIn holds 1,000 TCP
// connections that never finish the handshake.
func TestIdleHandshakesAreDroppedAndAReviewerStillGetsIn(t *testing.T) {
	const timeout = 2 * time.Second
	alice := newKey(t)
	d := startDeskWith(t, Config{}, func(s *Server) { s.srv.HandshakeTimeout = timeout }, as(alice, "alice"))

	conns := make([]net.Conn, 1000)
	for i := range conns {
		c, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns[i] = c
		defer c.Close()
	}
	start := time.Now()
	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("q quit")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("with 1,000 idle handshakes open, a reviewer took %s to get in", took)
	}

	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(timeout + waitTimeout))
			_, err := io.Copy(io.Discard, c) // the server's banner, then its close
			if err != nil {
				t.Errorf("an idle handshake was not closed by the server: %v", err)
			}
		}()
	}
	wg.Wait()
	t.Logf("1,000 idle handshakes closed %s after they opened", time.Since(start).Round(100*time.Millisecond))
}
