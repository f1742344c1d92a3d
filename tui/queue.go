package tui

import (
	"context"

	"github.com/reviewq/reviewq/queue"
)

// The screens reach the server only through these narrow interfaces, which
// *queue.Client satisfies; each screen asks for what it uses, and tests
// hand it a fake.

// Claimer is what the Review screen needs.
type Claimer interface {
	Claim(ctx context.Context) (queue.ClaimResult, error)
	Ack(ctx context.Context, ids ...string) (int64, error)
	KeepAlive(ctx context.Context, id string) error
	Release(ctx context.Context, id string) error
	Reject(ctx context.Context, id, reason string) (string, error)
}

// Adder is what the Compose screen needs.
type Adder interface {
	AddContact(ctx context.Context, name, email, message string) (queue.Added, error)
}

// PendingLister is what the Pending screen needs.
type PendingLister interface {
	PendingPage(ctx context.Context, q queue.PendingQuery) (queue.PendingPage, error)
	ClaimID(ctx context.Context, id string, force bool) (*queue.Claimed, error)
	Ack(ctx context.Context, ids ...string) (int64, error)
	Get(ctx context.Context, id string) (queue.Entry, error)
}

// StreamReader is what the Stream screen needs.
type StreamReader interface {
	StreamPage(ctx context.Context, q queue.StreamQuery) (queue.StreamPage, error)
	Get(ctx context.Context, id string) (queue.Entry, error)
}

// DeadLetters is what the Dead letters screen needs.
type DeadLetters interface {
	DeadPage(ctx context.Context, q queue.StreamQuery) ([]queue.DeadLetter, error)
	GetDead(ctx context.Context, id string) (queue.DeadLetter, error)
	Redrive(ctx context.Context, id string) (string, error)
	DeleteDead(ctx context.Context, ids ...string) (int64, error)
}

// StatsReader is what the header needs.
type StatsReader interface {
	Stats(ctx context.Context) (queue.Stats, error)
}

// Queue is everything the console uses.
type Queue interface {
	Claimer
	Adder
	PendingLister
	StreamReader
	DeadLetters
	StatsReader
}

var _ Queue = (*queue.Client)(nil)
