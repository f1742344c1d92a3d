package sshd

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/tui"
)

// Counts are the changes the desk's sessions made to the queue since the
// server started, for a metrics exporter. Only what succeeded counts:
//
//   - Claims: every message a session was handed: claim next (c, and the
//     claim half of A) and a claim of a chosen entry from Pending. A claim
//     that found the queue empty is not one.
//   - Acks: every entry an ack took off the pending list: a (Review or
//     Pending) and the ack half of A. An ack of an entry that was no longer
//     pending (someone else acked it) is not one: the server's count says.
//   - Releases: messages handed back (r).
//   - DeadLetters: messages a reviewer dead-lettered (x); those a claim
//     moves past the max deliveries are the queue's doing, not a
//     reviewer's, and are in the dead-letter length.
type Counts struct {
	Claims, Acks, Releases, DeadLetters uint64
}

// deskCounts are the Counts, kept as the sessions' calls return.
type deskCounts struct {
	claims, acks, releases, deadLetters atomic.Uint64
}

func (c *deskCounts) load() Counts {
	return Counts{Claims: c.claims.Load(), Acks: c.acks.Load(), Releases: c.releases.Load(), DeadLetters: c.deadLetters.Load()}
}

// Counts are the changes the sessions made so far.
func (s *Server) Counts() Counts { return s.counts.load() }

// countingQueue is a session's queue as its console gets it: every call
// passes through, and those that change what reviewers hold are counted
// when they succeed. The console knows nothing of it.
type countingQueue struct {
	tui.Queue
	n *deskCounts
}

func (q countingQueue) Claim(ctx context.Context) (queue.ClaimResult, error) {
	res, err := q.Queue.Claim(ctx)
	if err == nil && res.Message != nil {
		q.n.claims.Add(1)
	}
	return res, err
}

func (q countingQueue) ClaimID(ctx context.Context, id string, force bool) (*queue.Claimed, error) {
	c, err := q.Queue.ClaimID(ctx, id, force)
	if err == nil && c != nil {
		q.n.claims.Add(1)
	}
	return c, err
}

func (q countingQueue) Ack(ctx context.Context, ids ...string) (int64, error) {
	n, err := q.Queue.Ack(ctx, ids...)
	if err == nil && n > 0 {
		q.n.acks.Add(uint64(n))
	}
	return n, err
}

func (q countingQueue) AckAndClaim(ctx context.Context, id string) (int64, queue.ClaimResult, error) {
	n, res, err := q.Queue.AckAndClaim(ctx, id)
	if err == nil {
		if n > 0 {
			q.n.acks.Add(uint64(n))
		}
		if res.Message != nil {
			q.n.claims.Add(1)
		}
	}
	return n, res, err
}

func (q countingQueue) ReleaseDue(ctx context.Context, id string) (time.Time, error) {
	due, err := q.Queue.ReleaseDue(ctx, id)
	if err == nil {
		q.n.releases.Add(1)
	}
	return due, err
}

func (q countingQueue) Reject(ctx context.Context, id, reason string) (string, error) {
	did, err := q.Queue.Reject(ctx, id, reason)
	if err == nil {
		q.n.deadLetters.Add(1)
	}
	return did, err
}
