package statsfeed

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// The poller's own behaviour: when it reads and whom it tells. The reads
// themselves are queue.Client.Stats, proven against a real server in
// package queue; the desk's use of one poller for every session is proven
// end to end in package sshd.

// source hands out the numbers the test sets and counts the reads.
type source struct {
	mu    sync.Mutex
	st    queue.Stats
	err   error
	reads atomic.Int64
	gate  chan struct{} // when set, each read waits for a value
	// started, when set, hears when each read starts.
	started chan time.Time
}

func (s *source) Stats(ctx context.Context) (queue.Stats, error) {
	s.reads.Add(1)
	if s.started != nil {
		s.started <- time.Now()
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return queue.Stats{}, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Consumers = append([]queue.ConsumerInfo(nil), s.st.Consumers...)
	return st, s.err
}

func (s *source) set(f func(st *queue.Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.st)
}

func run(t *testing.T, p *Poller) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// notified reports whether s has a notice waiting, and takes it.
func notified(s *Subscription) bool {
	select {
	case <-s.C():
		return true
	default:
		return false
	}
}

func TestOneReadTellsEverySubscriber(t *testing.T) {
	src := &source{st: queue.Stats{Length: 7}}
	p := New(src, Options{Every: time.Hour})
	subs := make([]*Subscription, 100)
	for i := range subs {
		subs[i] = p.Subscribe()
	}
	run(t, p)
	eventually(t, "the first read", func() bool { _, ok := p.Latest(); return ok })
	for i, s := range subs {
		select {
		case <-s.C():
		case <-time.After(5 * time.Second):
			t.Fatalf("subscriber %d was not told", i)
		}
	}
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("%d reads for 100 subscribers, want 1", n)
	}
	if snap, _ := p.Latest(); snap.Stats.Length != 7 || snap.Version != 1 || snap.Err != nil {
		t.Fatalf("latest = %+v", snap)
	}
}

func TestALateSubscriberIsToldAtOnce(t *testing.T) {
	src := &source{st: queue.Stats{Length: 3}}
	p := New(src, Options{Every: time.Hour})
	run(t, p)
	eventually(t, "the first read", func() bool { _, ok := p.Latest(); return ok })
	s := p.Subscribe()
	if !notified(s) {
		t.Fatal("a subscriber that came after the first read has no notice: it would show no numbers until they change")
	}
}

func TestReadsThatChangeNothingTellNobody(t *testing.T) {
	src := &source{st: queue.Stats{Length: 5, Consumers: []queue.ConsumerInfo{{Name: "alice", Pending: 1, Idle: time.Second}}}}
	p := New(src, Options{Every: 10 * time.Millisecond})
	s := p.Subscribe()
	run(t, p)
	eventually(t, "the first notice", func() bool { return notified(s) })
	// Idle times move on every read; nothing a subscriber shows does.
	for i := range 5 {
		before := src.reads.Load()
		src.set(func(st *queue.Stats) { st.Consumers[0].Idle = time.Duration(i+2) * time.Second })
		eventually(t, "two more reads", func() bool { return src.reads.Load() >= before+2 })
	}
	if notified(s) {
		t.Fatal("reads that changed only idle times told the subscriber: every idle session would redraw for nothing")
	}
	if snap, _ := p.Latest(); snap.Version != 1 || snap.Stats.Consumers[0].Idle < 2*time.Second {
		t.Fatalf("latest = %+v: want version 1 with the newest idle time", snap)
	}

	src.set(func(st *queue.Stats) { st.Consumers[0].Pending = 2 })
	eventually(t, "a notice of the change", func() bool { return notified(s) })
	if snap, _ := p.Latest(); snap.Version != 2 || snap.Stats.Consumers[0].Pending != 2 {
		t.Fatalf("latest = %+v", snap)
	}
}

func TestAFailedReadKeepsTheNumbersAndTellsTheError(t *testing.T) {
	src := &source{st: queue.Stats{Length: 9}}
	p := New(src, Options{Every: 10 * time.Millisecond})
	s := p.Subscribe()
	run(t, p)
	eventually(t, "the first notice", func() bool { return notified(s) })
	good, _ := p.Latest()
	if good.StatsAt.IsZero() || !good.StatsAt.Equal(good.At) {
		t.Fatalf("after a read that succeeded: %+v", good)
	}

	down := errors.New("connection refused")
	src.mu.Lock()
	src.err = down
	src.mu.Unlock()
	eventually(t, "a notice of the error", func() bool { return notified(s) })
	snap, _ := p.Latest()
	if !errors.Is(snap.Err, down) || snap.Stats.Length != 9 {
		t.Fatalf("latest = %+v: want the error with the last numbers", snap)
	}
	// The numbers are as old as the last read that succeeded, whenever
	// the failed one ran.
	if snap.StatsAt.Before(good.At) || !snap.At.After(snap.StatsAt) {
		t.Fatalf("after a failed read the numbers are from %v (the failed read at %v, the first good one at %v)", snap.StatsAt, snap.At, good.At)
	}
	// The same error again is not news.
	before := src.reads.Load()
	eventually(t, "two more reads", func() bool { return src.reads.Load() >= before+2 })
	if notified(s) {
		t.Fatal("the same error again told the subscriber")
	}

	src.mu.Lock()
	src.err = nil
	src.mu.Unlock()
	eventually(t, "a notice of the recovery", func() bool { return notified(s) })
	if snap, _ := p.Latest(); snap.Err != nil || !snap.StatsAt.Equal(snap.At) {
		t.Fatalf("latest = %+v after recovery", snap)
	}
}

func TestRefreshesThatComeTogetherMakeOneRead(t *testing.T) {
	src := &source{gate: make(chan struct{})}
	p := New(src, Options{Every: time.Hour, MinGap: 50 * time.Millisecond})
	run(t, p)
	eventually(t, "the first read to start", func() bool { return src.reads.Load() == 1 })

	// Fifty reviewers ack at the same moment, while a read is under way.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(p.Refresh)
	}
	wg.Wait()
	src.gate <- struct{}{} // the first read ends
	eventually(t, "the refreshes' read to start", func() bool { return src.reads.Load() == 2 })
	// Nobody refreshes now: a refresh still waiting would start a third
	// read when this one ends. None is: the fifty made this one read.
	if n := len(p.refresh); n != 0 {
		t.Fatalf("%d refreshes still wait after the read they asked for started", n)
	}
	src.gate <- struct{}{}
	eventually(t, "the refreshes' read", func() bool { return p.Reads() == 2 })
}

func TestRefreshWaitsOutTheGap(t *testing.T) {
	src := &source{started: make(chan time.Time, 2)}
	const gap = 300 * time.Millisecond
	p := New(src, Options{Every: time.Hour, MinGap: gap})
	run(t, p)
	first := <-src.started
	p.Refresh()
	second := <-src.started
	// The gap runs from when the poller noted the first read, a statement
	// before it asked the source: the starts can be closer than the gap by
	// that much (the slack). A slow machine only makes them further apart.
	if d := second.Sub(first); d < gap-50*time.Millisecond {
		t.Fatalf("the refresh read %s after the last read; the gap is %s", d, gap)
	}
}

func TestClosedSubscriptionIsNotTold(t *testing.T) {
	src := &source{st: queue.Stats{Length: 1}}
	p := New(src, Options{Every: 10 * time.Millisecond})
	s := p.Subscribe()
	run(t, p)
	eventually(t, "the first notice", func() bool { return notified(s) })
	s.Close()
	if n := p.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers after Close", n)
	}
	src.set(func(st *queue.Stats) { st.Length = 2 })
	eventually(t, "the change read", func() bool { snap, _ := p.Latest(); return snap.Stats.Length == 2 })
	if notified(s) {
		t.Fatal("a closed subscription was told")
	}
}

// pingSource is a source that answers probes; its reads hang until their
// deadline while the server is gone, as a client that retries reads does.
type pingSource struct {
	source
	down atomic.Bool
}

var errGone = errors.New("connection refused")

func (s *pingSource) Ping(context.Context) error {
	if s.down.Load() {
		return errGone
	}
	return nil
}

func (s *pingSource) Stats(ctx context.Context) (queue.Stats, error) {
	if s.down.Load() {
		<-ctx.Done()
		return queue.Stats{}, ctx.Err()
	}
	return s.source.Stats(ctx)
}

// A lost server is news at the next probe, not when a read that hangs
// until its deadline gives up; the numbers stay, with the time they were
// read; the server back, a read follows at once and clears the error.
func TestProbeTellsALostServerAtOnce(t *testing.T) {
	src := &pingSource{source: source{st: queue.Stats{Length: 3}}}
	p := New(src, Options{Every: time.Hour, Timeout: time.Hour, ProbeEvery: 10 * time.Millisecond})
	sub := p.Subscribe()
	defer sub.Close()
	run(t, p)
	eventually(t, "the first read", func() bool { s, ok := p.Latest(); return ok && s.Err == nil })
	first, _ := p.Latest()

	src.down.Store(true)
	eventually(t, "the lost server", func() bool { s, _ := p.Latest(); return errors.Is(s.Err, errGone) })
	lost, _ := p.Latest()
	if lost.Stats.Length != 3 || !lost.StatsAt.Equal(first.StatsAt) || lost.Version == first.Version {
		t.Fatalf("after the failed probe: %+v, want the numbers of %v, and news", lost, first.StatsAt)
	}
	if !notified(sub) {
		t.Fatal("subscribers were not told")
	}

	src.down.Store(false)
	src.set(func(st *queue.Stats) { st.Length = 4 })
	eventually(t, "the server back", func() bool { s, _ := p.Latest(); return s.Err == nil && s.Stats.Length == 4 })
}
