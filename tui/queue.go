package tui

import (
	"context"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// Queue is what the console asks of the server: the part of *queue.Client
// the screens use, so screen tests can hand them a fake. Queue behaviour
// itself is proven against a real server in package queue and the flow
// tests.
type Queue interface {
	Claim(ctx context.Context) (queue.ClaimResult, error)
	ClaimID(ctx context.Context, id string, force bool) (*queue.Claimed, error)
	Ack(ctx context.Context, ids ...string) (int64, error)
	AckAndClaim(ctx context.Context, id string) (int64, queue.ClaimResult, error)
	KeepAlive(ctx context.Context, id string) error
	ReleaseDue(ctx context.Context, id string) (time.Time, error)
	Snooze(ctx context.Context, id string, until time.Time) error
	Reject(ctx context.Context, id, reason string) (string, error)
	AddContactLater(ctx context.Context, key, name, email, message string, notBefore time.Time) (queue.Added, error)
	Get(ctx context.Context, id string) (queue.Entry, error)
	PendingPage(ctx context.Context, q queue.PendingQuery) (queue.PendingPage, error)
	StreamPage(ctx context.Context, q queue.StreamQuery) (queue.StreamPage, error)
	DeadPage(ctx context.Context, q queue.StreamQuery) ([]queue.DeadLetter, error)
	GetDead(ctx context.Context, id string) (queue.DeadLetter, error)
	Redrive(ctx context.Context, id string) (string, error)
	DeleteDead(ctx context.Context, ids ...string) (int64, error)
	Stats(ctx context.Context) (queue.Stats, error)
	Activity(ctx context.Context) (queue.Activity, error)
	PlanReplay(ctx context.Context, r queue.ReplayRange, progress func(queue.ReplayProgress)) (queue.ReplayPlan, error)
	Replay(ctx context.Context, r queue.ReplayRange, progress func(queue.ReplayProgress)) (queue.ReplayResult, error)
	Search(ctx context.Context, q queue.SearchQuery, progress func(queue.SearchProgress)) (queue.SearchPage, error)
}

var _ Queue = (*queue.Client)(nil)
