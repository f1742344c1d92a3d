// Package statsfeed reads the queue's numbers (queue.Stats) on a schedule,
// once for everyone who shows them, and tells each subscriber when they
// change. The SSH desk runs one Poller for all its sessions instead of one
// poll per session; anything else that wants the same numbers (a metrics
// exporter) reads Latest or subscribes to the same Poller.
//
// A subscriber is told that something changed, not what: it reads Latest
// when it gets round to it. So a slow subscriber never holds up the poller
// or the others, and it never works through a backlog of stale snapshots,
// only the newest.
package statsfeed

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// Defaults of Options' zero values.
const (
	DefaultEvery = 2 * time.Second
	// DefaultMinGap is a second because every read that changes the
	// numbers redraws the header of every session: on a busy desk, where
	// someone acks every few milliseconds, 500 sessions then redraw at
	// most once a second each.
	DefaultMinGap  = time.Second
	DefaultTimeout = 5 * time.Second
	// DefaultProbeEvery is how often a Source that can be pinged is asked
	// whether it answers, between reads: a read against a lost server can
	// take its whole deadline (the client retries reads), and every session
	// and the metrics should say the server is gone within a second or
	// two, and that it is back as soon.
	DefaultProbeEvery = time.Second
)

// Pinger is a Source that can be asked cheaply whether the server answers
// (*queue.Client is one).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Source is where the numbers come from; *queue.Client is one.
type Source interface {
	Stats(ctx context.Context) (queue.Stats, error)
}

// Snapshot is the result of one read.
type Snapshot struct {
	// Stats are the numbers of the latest read that succeeded; after a
	// failed read they are kept, with Err set.
	Stats queue.Stats
	// Err is the latest read's error; nil when it succeeded.
	Err error
	// At is when the latest read finished.
	At time.Time
	// StatsAt is when Stats were read: At after a read that succeeded,
	// the last success's At after one that failed, zero before any. Its
	// age is how stale the numbers are, which a failing or stuck server
	// makes grow (a metrics scrape shows it).
	StatsAt time.Time
	// Version counts the changes subscribers were told about: it moves
	// when the numbers or the error change, not on every read.
	Version uint64
}

// Options tune a Poller.
type Options struct {
	// Every is the time between two reads (DefaultEvery).
	Every time.Duration
	// MinGap is the least time between two reads, however many Refresh
	// calls come in between (DefaultMinGap): a desk where everyone acks
	// at once reads once, not once per ack.
	MinGap time.Duration
	// Timeout is one read's deadline (DefaultTimeout).
	Timeout time.Duration
	// ProbeEvery is the time between two probes of a Source that is a
	// Pinger (DefaultProbeEvery), one at a time, each with Timeout as its
	// deadline: a busy server is slow, not gone, and a killed one refuses
	// at once.
	ProbeEvery time.Duration
}

// Poller reads a Source on a schedule and fans the result out. The zero
// value is not usable; make one with New and run it with Run.
type Poller struct {
	src  Source
	opts Options

	refresh chan struct{} // a read is asked for; holds one

	mu     sync.Mutex
	latest Snapshot
	have   bool
	reads  uint64
	subs   map[*Subscription]struct{}
}

// New makes a Poller of src; Run starts it.
func New(src Source, o Options) *Poller {
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.MinGap <= 0 {
		o.MinGap = DefaultMinGap
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = DefaultProbeEvery
	}
	return &Poller{src: src, opts: o, refresh: make(chan struct{}, 1), subs: map[*Subscription]struct{}{}}
}

// Run reads at once, then every Options.Every, and sooner when Refresh
// asks (but never sooner than Options.MinGap after the last read), until
// ctx is done.
func (p *Poller) Run(ctx context.Context) {
	if pinger, ok := p.src.(Pinger); ok {
		go p.probe(ctx, pinger)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-p.refresh:
			timer.Stop()
			if gap := p.opts.MinGap - time.Since(last); gap > 0 {
				// Too soon after the last read: wait out the gap; the
				// Refresh calls that come meanwhile are this read's too.
				timer.Reset(gap)
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
		}
		drain(p.refresh) // answered by this read
		last = time.Now()
		p.read(ctx)
		timer.Reset(p.opts.Every)
	}
}

func drain(c chan struct{}) {
	select {
	case <-c:
	default:
	}
}

func (p *Poller) read(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	st, err := p.src.Stats(rctx)
	cancel()
	if ctx.Err() != nil {
		return // the poller is stopping: not news
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reads++
	next := Snapshot{Stats: st, Err: err, At: time.Now(), Version: p.latest.Version}
	next.StatsAt = next.At
	if err != nil {
		next.Stats, next.StatsAt = p.latest.Stats, p.latest.StatsAt
	}
	p.publish(next)
}

// publish makes next the latest snapshot and tells the subscribers when it
// is news; p.mu is held.
func (p *Poller) publish(next Snapshot) {
	news := !p.have || !sameNews(p.latest, next)
	if news {
		next.Version++
	}
	p.latest, p.have = next, true
	if !news {
		return
	}
	for s := range p.subs {
		s.poke()
	}
}

// probe pings the source every Options.ProbeEvery until ctx is done. A
// failed probe is news at once: the snapshot keeps its numbers and takes
// the probe's error. A probe that gets through after a failure asks for a
// read, whose success clears the error.
func (p *Poller) probe(ctx context.Context, src Pinger) {
	tick := time.NewTicker(p.opts.ProbeEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
		err := src.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		failing := p.latest.Err != nil
		if err != nil && p.have {
			next := p.latest
			next.Err, next.At = err, time.Now()
			p.publish(next)
		}
		p.mu.Unlock()
		if err == nil && failing {
			p.Refresh()
		}
	}
}

// sameNews reports whether b tells a subscriber nothing a has not: the
// same error (or none) and the same numbers. The consumers' idle times
// are left out: they move on every read, and a screen that shows them
// counts them on by itself.
func sameNews(a, b Snapshot) bool {
	if (a.Err == nil) != (b.Err == nil) || (a.Err != nil && a.Err.Error() != b.Err.Error()) {
		return false
	}
	x, y := a.Stats, b.Stats
	if x.Stream != y.Stream || x.Length != y.Length || x.Group != y.Group || x.DeadStream != y.DeadStream ||
		x.DeadLength != y.DeadLength || x.GroupRecreated != y.GroupRecreated {
		return false
	}
	return slices.EqualFunc(x.Consumers, y.Consumers, func(c, d queue.ConsumerInfo) bool {
		return c.Name == d.Name && c.Pending == d.Pending
	})
}

// Refresh asks for a read soon, after something changed the numbers (an
// ack): at once, or when Options.MinGap has passed since the last read.
// It never blocks; calls that come together make one read.
func (p *Poller) Refresh() {
	select {
	case p.refresh <- struct{}{}:
	default:
	}
}

// Latest is the newest snapshot; false before the first read finished.
func (p *Poller) Latest() (Snapshot, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latest, p.have
}

// Reads is how many reads the poller has made.
func (p *Poller) Reads() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reads
}

// Subscription is one subscriber's notice of changes.
type Subscription struct {
	p *Poller
	c chan struct{}
}

// Subscribe starts telling the caller about changes on C. When a snapshot
// exists already, C has a notice at once, so the subscriber shows the
// numbers without waiting for the next change. Close it when done.
func (p *Poller) Subscribe() *Subscription {
	s := &Subscription{p: p, c: make(chan struct{}, 1)}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.subs[s] = struct{}{}
	if p.have {
		s.poke()
	}
	return s
}

// C receives a value when the numbers changed since the subscriber last
// read it; the subscriber then reads Poller.Latest. Notices do not queue
// up: one stands for all the changes since.
func (s *Subscription) C() <-chan struct{} { return s.c }

func (s *Subscription) poke() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// Close stops the notices.
func (s *Subscription) Close() {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	delete(s.p.subs, s)
}

// Subscribers is how many subscriptions are open.
func (p *Poller) Subscribers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.subs)
}
