package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// movingClock is a Deps.Now a test moves by hand.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *movingClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var errUnreachable = &queue.Error{Op: "claim", Kind: queue.ErrUnreachable, Cause: errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")}

// The first call that cannot reach the server puts the header offline at
// once, without waiting for the next read of the numbers; the numbers stay,
// marked stale with their age; the next call that gets through puts it
// back and reads the numbers again.
func TestHeaderOfflineAtTheFirstFailedCall(t *testing.T) {
	t.Parallel()
	q := annQueue()
	clock := &movingClock{now: fixedNow}
	d := testDeps(q)
	d.Now = clock.Now
	a := newTestApp(t, d)
	requireContains(t, a, "● connected", "length 1")
	requireLacks(t, a, "stale")

	q.setFail(errUnreachable)
	press(t, a, "c")
	requireContains(t, a, "○ offline: server unreachable", "length 1", "stale · 0s")
	requireLacks(t, a, "● connected")

	clock.add(12 * time.Second)
	a.Update(connTickMsg{})
	requireContains(t, a, "○ offline: server unreachable", "stale · 12s")

	q.setFail(nil)
	press(t, a, "c")
	requireContains(t, a, "● connected", "length 1  pending 1")
	requireLacks(t, a, "offline", "stale")
}

// An answer that refuses the action is still an answer: the header stays
// connected; a search stopped on purpose says nothing either way.
func TestHeaderStaysConnectedOnAnAnswer(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	notPending := &queue.Error{Op: "ack", Kind: queue.ErrNotPending}
	a.Update(ScreenMsg{ID: reviewID, Msg: AckedMsg{ID: "1-0", Err: notPending}})
	requireContains(t, a, "● connected")

	stopped := &queue.Error{Op: "search", Kind: queue.ErrTimeout, Cause: context.Canceled}
	a.Update(ScreenMsg{ID: streamID, Msg: SearchedMsg{Seq: -1, Err: stopped}})
	requireContains(t, a, "● connected")
	requireLacks(t, a, "offline")

	a.Update(ScreenMsg{ID: streamID, Msg: StreamLoadedMsg{Seq: -1, Err: errUnreachable}})
	requireContains(t, a, "○ offline: server unreachable")
	a.Update(ScreenMsg{ID: reviewID, Msg: AckedMsg{ID: "1-0", Err: notPending}})
	requireContains(t, a, "● connected")
}

// The header's own read keeps showing whatever made it fail, as before;
// only a read that works clears an error that was not a lost connection.
func TestHeaderReadErrorStaysUntilARead(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(annQueue()))
	wrongType := &queue.Error{Op: "stats", Kind: queue.ErrWrongType}
	a.Update(StatsLoadedMsg{Err: wrongType})
	requireContains(t, a, "○ offline: key holds another type than a stream")
	a.Update(ScreenMsg{ID: reviewID, Msg: AckedMsg{ID: "1-0", N: 1}})
	requireContains(t, a, "○ offline: key holds another type than a stream")
	a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 1}})
	requireContains(t, a, "● connected")
}

// pingQueue is a fake that answers the console's probe.
type pingQueue struct {
	*fakeQueue
	mu    sync.Mutex
	err   error
	pings int
}

func (p *pingQueue) Ping(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pings++
	return p.err
}

func (p *pingQueue) set(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

// While nobody does anything, the probe notices a lost server, and its
// return.
func TestHeaderProbeNoticesALostServer(t *testing.T) {
	t.Parallel()
	q := &pingQueue{fakeQueue: annQueue()}
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "● connected")

	q.set(errUnreachable)
	_, cmd := a.Update(connTickMsg{})
	run(t, a, cmd)
	requireContains(t, a, "○ offline: server unreachable", "stale · 0s")

	q.set(nil)
	_, cmd = a.Update(connTickMsg{})
	run(t, a, cmd)
	requireContains(t, a, "● connected")
	requireLacks(t, a, "offline", "stale")
}

// A desk's session gets its numbers and their time from the desk's poller:
// their age is the poller's, a session that loses the connection tells
// the poller at once, and only an offline session probes.
func TestHeaderOnADeskFeed(t *testing.T) {
	t.Parallel()
	q := &pingQueue{fakeQueue: annQueue()}
	feed := &countingFeed{}
	d := testDeps(q)
	d.Stats = feed
	a := newTestApp(t, d)
	a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 1}, At: fixedNow.Add(-5 * time.Second)})
	requireContains(t, a, "● connected", "length 1")
	_, cmd := a.Update(connTickMsg{})
	run(t, a, cmd)
	if q.pings != 0 {
		t.Fatalf("a connected desk session probed %d times; the poller does that", q.pings)
	}

	before := feed.refreshes.Load()
	a.Update(ScreenMsg{ID: streamID, Msg: StreamLoadedMsg{Seq: -1, Err: errUnreachable}})
	requireContains(t, a, "○ offline: server unreachable", "stale · 5s")
	if feed.refreshes.Load() == before {
		t.Fatal("the poller was not told of the lost connection")
	}
	_, cmd = a.Update(connTickMsg{})
	run(t, a, cmd)
	if q.pings == 0 {
		t.Fatal("an offline desk session did not probe")
	}
	requireContains(t, a, "● connected", "stale · 5s") // back, numbers not read again yet
	a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 2}})
	requireContains(t, a, "length 2")
	requireLacks(t, a, "stale")
}

// notSafeQueue answers Compose's add as a server with --wait-replicas
// whose replica did not confirm: the entry is on the primary.
type notSafeQueue struct{ *fakeQueue }

func (q notSafeQueue) AddContactLater(ctx context.Context, key, name, email, message string, notBefore time.Time) (queue.Added, error) {
	a, err := q.fakeQueue.AddContactLater(ctx, key, name, email, message, notBefore)
	if err != nil {
		return a, err
	}
	return a, &queue.Error{Op: "add", Kind: queue.ErrNotReplicated, Cause: &queue.ReplicationError{ID: a.ID, Want: 1}}
}

// Compose names the entry that is on the primary but not yet safe, keeps
// the text for a retry (its draft key adds nothing twice), and the header
// stays connected: the server answered.
func TestComposeSaysWhenNotYetSafe(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(notSafeQueue{newFakeQueue()}))
	press(t, a, "n")
	fillForm(t, a, "Quinn", "quinn@example.com", "hello")
	press(t, a, "ctrl+s")
	requireContains(t, a, "1795426200000-1 is on the primary but not yet on 1 replica", "● connected")
}

// At 60 columns, offline, the header keeps who you are and drops the
// reason instead (the failed call's note says it).
func TestHeaderOfflineAt60KeepsWhoYouAre(t *testing.T) {
	t.Parallel()
	q := annQueue()
	d := testDeps(q)
	d.Server = "redis://127.0.0.1:16391"
	a := newTestApp(t, d)
	a.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	q.setFail(errUnreachable)
	press(t, a, "c")
	head := strings.SplitN(screenText(a), "\n", 2)[0]
	for _, want := range []string{"as alice", "redis://127.0.0.1:16391", "○ offline"} {
		if !strings.Contains(head, want) {
			t.Fatalf("the header lacks %q: %q", want, head)
		}
	}
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	requireContains(t, a, "as alice  redis://127.0.0.1:16391", "○ offline: server unreachable")
}
