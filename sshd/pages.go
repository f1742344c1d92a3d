package sshd

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/tui"
)

// pageShareWindow is how long one page read serves every session asking
// for the same page. When 500 reviewers press 4 at once, the desk reads
// the stream page a few times instead of 500 (each read is a server call
// and a reply to decode); a page is then at most this much older than the
// key that asked for it, far less than the second the desk's numbers take
// to catch up with a change made elsewhere.
const pageShareWindow = 100 * time.Millisecond

// pageReads lets the desk's sessions share page reads: a session asking
// for a page that another asked for less than pageShareWindow ago, with
// nothing changed since, gets that read's result (waiting for it while it
// runs). Anything a desk session writes, and any news from the desk's
// numbers (a change made elsewhere), starts a new generation that no
// earlier read serves: a reviewer always sees their own change, and a
// page never predates the numbers the session shows beside it.
type pageReads struct {
	window  time.Duration
	version func() uint64 // the desk's numbers' version (statsfeed.Snapshot.Version)
	gen     atomic.Uint64 // moved by every write through a session's queue

	mu    sync.Mutex
	calls map[pageKey]*pageCall
	reads atomic.Uint64 // reads made, for tests
}

// pageKey is one read: which page, asked how, in which generation.
type pageKey struct {
	kind    byte // 's' stream, 'd' dead letters, 'p' pending
	stream  queue.StreamQuery
	pending queue.PendingQuery
	version uint64
	gen     uint64
}

type pageCall struct {
	start time.Time
	done  chan struct{}
	val   any
	err   error
}

func newPageReads(window time.Duration, version func() uint64) *pageReads {
	return &pageReads{window: window, version: version, calls: map[pageKey]*pageCall{}}
}

// do returns the result of a read for key: one made less than the window
// ago, or one made now with read. A caller that ends (its session closed)
// stops waiting; the read goes on for those that still wait.
func (p *pageReads) do(ctx context.Context, key pageKey, read func(context.Context) (any, error)) (any, error) {
	key.version, key.gen = p.version(), p.gen.Load()
	now := time.Now()
	p.mu.Lock()
	c := p.calls[key]
	if c == nil || now.Sub(c.start) >= p.window {
		if len(p.calls) >= 64 {
			for k, old := range p.calls {
				if now.Sub(old.start) >= p.window {
					delete(p.calls, k)
				}
			}
		}
		c = &pageCall{start: now, done: make(chan struct{})}
		p.calls[key] = c
		p.mu.Unlock()
		p.reads.Add(1)
		// Not the caller's to cancel (others may be waiting for it), but
		// bounded by its deadline, or else by the client's own.
		rctx, cancel := context.WithoutCancel(ctx), context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok {
			rctx, cancel = context.WithDeadline(rctx, dl)
		}
		c.val, c.err = read(rctx)
		cancel()
		close(c.done)
		return c.val, c.err
	}
	p.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// written starts a new generation: no read before it serves a read after.
func (p *pageReads) written() { p.gen.Add(1) }

// sharedQueue is a session's queue with its page reads shared with the
// rest of the desk (pageReads). The pages are the same for every session
// (their queries name a consumer when they are one consumer's); each
// session gets its own copy of a page's list, which it may reorder.
type sharedQueue struct {
	tui.Queue
	p *pageReads
}

func (q sharedQueue) StreamPage(ctx context.Context, sq queue.StreamQuery) (queue.StreamPage, error) {
	v, err := q.p.do(ctx, pageKey{kind: 's', stream: sq}, func(ctx context.Context) (any, error) {
		return q.Queue.StreamPage(ctx, sq)
	})
	page, _ := v.(queue.StreamPage)
	page.Entries, page.Scheduled = slices.Clone(page.Entries), slices.Clone(page.Scheduled)
	return page, err
}

func (q sharedQueue) DeadPage(ctx context.Context, sq queue.StreamQuery) ([]queue.DeadLetter, error) {
	v, err := q.p.do(ctx, pageKey{kind: 'd', stream: sq}, func(ctx context.Context) (any, error) {
		return q.Queue.DeadPage(ctx, sq)
	})
	letters, _ := v.([]queue.DeadLetter)
	return slices.Clone(letters), err
}

func (q sharedQueue) PendingPage(ctx context.Context, pq queue.PendingQuery) (queue.PendingPage, error) {
	v, err := q.p.do(ctx, pageKey{kind: 'p', pending: pq}, func(ctx context.Context) (any, error) {
		return q.Queue.PendingPage(ctx, pq)
	})
	page, _ := v.(queue.PendingPage)
	page.Entries, page.Waiting = slices.Clone(page.Entries), slices.Clone(page.Waiting)
	return page, err
}

// Every call that changes the queue starts a new generation when it
// returns, whatever it returned (a failed call may have done part of it).

func (q sharedQueue) Claim(ctx context.Context) (queue.ClaimResult, error) {
	defer q.p.written()
	return q.Queue.Claim(ctx)
}

func (q sharedQueue) ClaimID(ctx context.Context, id string, force bool) (*queue.Claimed, error) {
	defer q.p.written()
	return q.Queue.ClaimID(ctx, id, force)
}

func (q sharedQueue) Ack(ctx context.Context, ids ...string) (int64, error) {
	defer q.p.written()
	return q.Queue.Ack(ctx, ids...)
}

func (q sharedQueue) AckAndClaim(ctx context.Context, id string) (int64, queue.ClaimResult, error) {
	defer q.p.written()
	return q.Queue.AckAndClaim(ctx, id)
}

func (q sharedQueue) KeepAlive(ctx context.Context, id string) error {
	defer q.p.written()
	return q.Queue.KeepAlive(ctx, id)
}

func (q sharedQueue) ReleaseDue(ctx context.Context, id string) (time.Time, error) {
	defer q.p.written()
	return q.Queue.ReleaseDue(ctx, id)
}

func (q sharedQueue) Snooze(ctx context.Context, id string, until time.Time) error {
	defer q.p.written()
	return q.Queue.Snooze(ctx, id, until)
}

func (q sharedQueue) Reject(ctx context.Context, id, reason string) (string, error) {
	defer q.p.written()
	return q.Queue.Reject(ctx, id, reason)
}

func (q sharedQueue) AddContactLater(ctx context.Context, key, name, email, message string, notBefore time.Time) (queue.Added, error) {
	defer q.p.written()
	return q.Queue.AddContactLater(ctx, key, name, email, message, notBefore)
}

func (q sharedQueue) Redrive(ctx context.Context, id string) (string, error) {
	defer q.p.written()
	return q.Queue.Redrive(ctx, id)
}

func (q sharedQueue) DeleteDead(ctx context.Context, ids ...string) (int64, error) {
	defer q.p.written()
	return q.Queue.DeleteDead(ctx, ids...)
}

func (q sharedQueue) Replay(ctx context.Context, r queue.ReplayRange, progress func(queue.ReplayProgress)) (queue.ReplayResult, error) {
	defer q.p.written()
	// Each batch it adds is a change of its own.
	return q.Queue.Replay(ctx, r, func(pr queue.ReplayProgress) {
		q.p.written()
		if progress != nil {
			progress(pr)
		}
	})
}
