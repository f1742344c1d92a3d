package tui

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reviewq/reviewq/queue"
)

// countingFeed is a shared stats feed that only counts the refreshes
// asked of it; the numbers are sent in by the test, as the desk would.
type countingFeed struct{ refreshes atomic.Int64 }

func (f *countingFeed) Refresh() { f.refreshes.Add(1) }

func (f *fakeQueue) statsCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == "stats" {
			n++
		}
	}
	return n
}

// With a shared feed (the SSH desk's one poller) the console never reads
// the numbers itself: it shows what is sent in, plans no poll of its own,
// and asks the feed for a refresh after an action that changed them.
func TestSharedStatsFeedReplacesTheConsolesOwnPoll(t *testing.T) {
	q := newFakeQueue(contact("1-0", "Ann", "ann@example.org", "hello"))
	feed := &countingFeed{}
	d := testDeps(q)
	d.Stats = feed
	a := newTestApp(t, d)
	requireContains(t, a, "connecting")

	_, cmd := a.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 1, Group: queue.GroupInfo{Lag: 1}}})
	run(t, a, cmd)
	requireContains(t, a, "connected", "1 new message waiting")
	if a.statsScheduled {
		t.Fatal("the console planned a poll of its own")
	}

	press(t, a, "c")
	requireContains(t, a, "hello")
	if n := feed.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes after a claim, want 1", n)
	}
	press(t, a, "a")
	if n := feed.refreshes.Load(); n != 2 {
		t.Fatalf("%d refreshes after claim and ack, want 2", n)
	}
	if n := q.statsCalls(); n != 0 {
		t.Fatalf("the console read the stats %d times itself", n)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !slices.ContainsFunc(q.calls, func(c string) bool { return strings.HasPrefix(c, "ack") }) {
		t.Fatalf("no ack reached the queue: %v", q.calls)
	}
}

// Without one, the console polls on its own, as the local console does.
func TestWithoutAFeedTheConsolePollsItself(t *testing.T) {
	q := newFakeQueue(contact("1-0", "Ann", "ann@example.org", "hello"))
	a := newTestApp(t, testDeps(q))
	requireContains(t, a, "connected")
	if q.statsCalls() == 0 || !a.statsScheduled {
		t.Fatalf("stats calls %d, next poll planned %t", q.statsCalls(), a.statsScheduled)
	}
}
