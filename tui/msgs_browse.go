package tui

import "github.com/reviewq/reviewq/queue"

// Results of the browsing screens (Pending, Stream, Dead letters). The root
// forwards every message to every screen, so each type names the screen it
// belongs to, and list loads carry the request's sequence number: a screen
// drops any reply that is not its latest.

// Which screen asked for an entry (the screen numbers of SwitchScreenMsg).
const (
	screenPending = 3
	screenStream  = 4
	screenDead    = 5
)

// PendingLoadedMsg is one page of the pending list. Query and Stack are the
// query and cursor stack that produced it; the screen adopts them only when
// the load succeeds, so a failed page leaves everything as it was.
type PendingLoadedMsg struct {
	Seq   int
	Query queue.PendingQuery
	Stack []string
	Page  queue.PendingPage
	Err   error
}

// StreamLoadedMsg is one page of the stream, newest first.
type StreamLoadedMsg struct {
	Seq     int
	Move    pageMove
	Entries []queue.StreamEntry
	Err     error
}

// DeadLoadedMsg is one page of the dead-letter stream, newest first.
type DeadLoadedMsg struct {
	Seq     int
	Move    pageMove
	Letters []queue.DeadLetter
	Err     error
}

// EntryLoadedMsg is one entry read in full for the screen that opened it.
type EntryLoadedMsg struct {
	Screen int
	Seq    int
	ID     string
	Entry  queue.Entry
	Err    error
}

// DeadOpenedMsg is one dead letter read in full.
type DeadOpenedMsg struct {
	Seq    int
	Letter queue.DeadLetter
	Err    error
}

// PendingClaimedMsg is the outcome of claiming one pending entry by ID.
type PendingClaimedMsg struct {
	ID      string
	Force   bool
	Claimed *queue.Claimed
	Err     error
}

// ClaimedElsewhereMsg hands a message claimed outside the Review screen (on
// the Pending screen) to the Review screen, which holds it from then on.
type ClaimedElsewhereMsg struct {
	Message *queue.Claimed
}

// PendingAckedMsg is the outcome of acking one entry from the Pending
// screen; N is 0 when it was no longer pending.
type PendingAckedMsg struct {
	ID  string
	N   int64
	Err error
}

// DeadRedrivenMsg is the outcome of a redrive: NewID is the entry's ID on
// the main stream.
type DeadRedrivenMsg struct {
	ID    string
	NewID string
	Err   error
}

// DeadDeletedMsg is the outcome of deleting a dead letter for good.
type DeadDeletedMsg struct {
	ID  string
	N   int64
	Err error
}
