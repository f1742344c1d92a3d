package tui

import (
	"context"
	"fmt"
	"sync"

	"github.com/reviewq/reviewq/queue"
)

// fakeQueue is an in-memory stand-in for screen unit tests and golden files:
// fixed IDs and times, and errors on demand. Queue behaviour itself is
// proven against a real server in package queue and the flow tests.
type fakeQueue struct {
	mu      sync.Mutex
	entries []queue.Entry // stream order, oldest first
	pending map[string]queue.PendingEntry
	acked   map[string]bool
	skipped map[string]bool // before the group's start, never delivered
	// scanLimit, when set, bounds how many pending entries an idle-filtered
	// PendingPage looks at, as queue.PendingQuery.ScanLimit does.
	scanLimit int
	dead      []queue.DeadLetter
	next      int
	calls     []string
	failWith  error // every call fails with this when set
	stats     queue.Stats
	// nextClaim, when set, is what the next Claim returns (once), e.g. a
	// reclaimed message with its previous owner.
	nextClaim *queue.ClaimResult
	// statsBlock makes Stats wait for its context to end.
	statsBlock bool
}

func newFakeQueue(entries ...queue.Entry) *fakeQueue {
	return &fakeQueue{entries: entries, pending: map[string]queue.PendingEntry{}, acked: map[string]bool{}}
}

// contact builds a contact entry with a fixed ID.
func contact(id, name, email, msg string) queue.Entry {
	return queue.Entry{ID: id, Fields: []queue.Field{
		{Name: "name", Value: name}, {Name: "email", Value: email},
		{Name: "message", Value: msg}, {Name: "timestamp", Value: "2026-11-23T09:00:00.000Z"},
	}}
}

// setFail makes every later call fail with err (nil: succeed again).
func (f *fakeQueue) setFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failWith = err
}

func (f *fakeQueue) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.failWith
}

func (f *fakeQueue) Claim(ctx context.Context) (queue.ClaimResult, error) {
	if err := f.record("claim"); err != nil {
		return queue.ClaimResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.nextClaim; r != nil {
		f.nextClaim = nil
		if r.Message != nil {
			f.pending[r.Message.ID] = queue.PendingEntry{ID: r.Message.ID, Consumer: "alice", Deliveries: r.Message.Deliveries}
		}
		return *r, nil
	}
	for _, e := range f.entries {
		if _, p := f.pending[e.ID]; p || f.acked[e.ID] {
			continue
		}
		f.pending[e.ID] = queue.PendingEntry{ID: e.ID, Consumer: "alice", Deliveries: 1}
		return queue.ClaimResult{Message: &queue.Claimed{Entry: e, Deliveries: 1}}, nil
	}
	return queue.ClaimResult{}, nil
}

func (f *fakeQueue) ClaimID(ctx context.Context, id string, force bool) (*queue.Claimed, error) {
	if err := f.record("claimid " + id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pending[id]
	if !ok {
		return nil, &queue.Error{Op: "claim " + id, Kind: queue.ErrNotPending}
	}
	if p.Consumer != "alice" && !force {
		return nil, &queue.Error{Op: "claim " + id, Kind: queue.ErrNotHeld, Cause: &queue.HeldError{Owner: p.Consumer}}
	}
	prev := p.Consumer
	p.Consumer, p.Deliveries = "alice", p.Deliveries+1
	f.pending[id] = p
	for _, e := range f.entries {
		if e.ID == id {
			return &queue.Claimed{Entry: e, Deliveries: p.Deliveries, PreviousConsumer: prev, Reclaimed: prev != "alice"}, nil
		}
	}
	return nil, &queue.Error{Op: "claim " + id, Kind: queue.ErrNotFound}
}

func (f *fakeQueue) Ack(ctx context.Context, ids ...string) (int64, error) {
	if err := f.record(fmt.Sprint("ack ", ids)); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, id := range ids {
		if _, ok := f.pending[id]; ok {
			delete(f.pending, id)
			f.acked[id] = true
			n++
		}
	}
	return n, nil
}

func (f *fakeQueue) AckAndClaim(ctx context.Context, id string) (int64, queue.ClaimResult, error) {
	n, err := f.Ack(ctx, id)
	if err != nil {
		return 0, queue.ClaimResult{}, err
	}
	res, err := f.Claim(ctx)
	return n, res, err
}

func (f *fakeQueue) KeepAlive(ctx context.Context, id string) error {
	return f.record("keepalive " + id)
}

func (f *fakeQueue) Release(ctx context.Context, id string) error {
	if err := f.record("release " + id); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.pending, id)
	return nil
}

func (f *fakeQueue) Reject(ctx context.Context, id, reason string) (string, error) {
	if err := f.record("reject " + id + " " + reason); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.pending, id)
	f.acked[id] = true
	did := fmt.Sprintf("1795000000000-%d", len(f.dead))
	f.dead = append(f.dead, queue.DeadLetter{ID: did, OriginalID: id, Reason: reason, Deliveries: 1, Consumer: "alice"})
	return did, nil
}

func (f *fakeQueue) Get(ctx context.Context, id string) (queue.Entry, error) {
	if err := f.record("get " + id); err != nil {
		return queue.Entry{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.entries {
		if e.ID == id {
			return e, nil
		}
	}
	return queue.Entry{}, &queue.Error{Op: "read " + id, Kind: queue.ErrNotFound}
}

func (f *fakeQueue) AddContact(ctx context.Context, name, email, message string) (queue.Added, error) {
	if err := f.record("add " + name); err != nil {
		return queue.Added{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := fmt.Sprintf("1795426200000-%d", f.next)
	f.entries = append(f.entries, contact(id, name, email, message))
	return queue.Added{ID: id, Timestamp: "2026-11-23T09:30:00.000Z"}, nil
}

func (f *fakeQueue) PendingPage(ctx context.Context, q queue.PendingQuery) (queue.PendingPage, error) {
	if err := f.record("pending"); err != nil {
		return queue.PendingPage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var page queue.PendingPage
	stopped := false
	for i := range f.entries {
		e := f.entries[i]
		p, ok := f.pending[e.ID]
		if !ok || (q.Consumer != "" && p.Consumer != q.Consumer) {
			continue
		}
		if q.MinIdle > 0 {
			page.Pending++ // the whole list (or the consumer's), as the server counts
		}
		if stopped || (q.After != "" && !idLess(q.After, e.ID)) {
			continue
		}
		if q.MinIdle > 0 {
			// A bounded scan, as queue's: it stops after scanLimit
			// entries looked at, idle or not, and goes on from there.
			if f.scanLimit > 0 && page.Scanned == int64(f.scanLimit) {
				stopped = true
				continue
			}
			if q.Count > 0 && len(page.Entries) == q.Count && p.Idle >= q.MinIdle {
				page.Next, stopped = page.Entries[len(page.Entries)-1].ID, true
				continue
			}
			page.Scanned++
			page.Next = e.ID // where the scan is; cleared below when it ran to the end
			if p.Idle < q.MinIdle {
				continue
			}
		} else if q.Count > 0 && len(page.Entries) == q.Count {
			page.Next, stopped = page.Entries[len(page.Entries)-1].ID, true
			continue
		}
		p.Entry = &e
		page.Entries = append(page.Entries, p)
	}
	if q.MinIdle > 0 && !stopped {
		page.Next = ""
	}
	return page, nil
}

func idLess(a, b string) bool {
	x, _ := queue.ParseID(a)
	y, _ := queue.ParseID(b)
	return x.Less(y)
}

func (f *fakeQueue) StreamPage(ctx context.Context, q queue.StreamQuery) (queue.StreamPage, error) {
	if err := f.record("stream " + q.From); err != nil {
		return queue.StreamPage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	count := q.Count
	if count <= 0 {
		count = 50
	}
	var page queue.StreamPage
	n := len(f.entries)
	for k := 0; k < n && len(page.Entries) < count; k++ {
		i := n - 1 - k
		if q.Forward {
			i = k
		}
		e := f.entries[i]
		if q.From != "" && ((q.Forward && idLess(e.ID, q.From)) || (!q.Forward && idLess(q.From, e.ID))) {
			continue
		}
		se := queue.StreamEntry{Entry: e, State: queue.StateNew}
		if p, ok := f.pending[e.ID]; ok {
			se.State, se.Consumer, se.Deliveries = queue.StatePending, p.Consumer, p.Deliveries
		} else if f.acked[e.ID] {
			se.State = queue.StateAcked
		} else if f.skipped[e.ID] {
			se.State = queue.StateSkipped
		}
		page.Entries = append(page.Entries, se)
	}
	return page, nil
}

func (f *fakeQueue) Stats(ctx context.Context) (queue.Stats, error) {
	if err := f.record("stats"); err != nil {
		return queue.Stats{}, err
	}
	if f.statsBlock {
		<-ctx.Done() // a server that never answers: only the context ends the wait
		return queue.Stats{}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.stats
	st.Length = int64(len(f.entries))
	st.Group.Pending = int64(len(f.pending))
	st.Group.Lag = int64(len(f.entries) - len(f.pending) - len(f.acked))
	st.DeadLength = int64(len(f.dead))
	return st, nil
}

func (f *fakeQueue) DeadPage(ctx context.Context, q queue.StreamQuery) ([]queue.DeadLetter, error) {
	if err := f.record("deadpage"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]queue.DeadLetter, 0, len(f.dead))
	for i := len(f.dead) - 1; i >= 0; i-- {
		out = append(out, f.dead[i])
	}
	return out, nil
}

func (f *fakeQueue) GetDead(ctx context.Context, id string) (queue.DeadLetter, error) {
	if err := f.record("getdead " + id); err != nil {
		return queue.DeadLetter{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.dead {
		if d.ID == id {
			return d, nil
		}
	}
	return queue.DeadLetter{}, &queue.Error{Op: "read " + id, Kind: queue.ErrNotFound}
}

func (f *fakeQueue) Redrive(ctx context.Context, id string) (string, error) {
	if err := f.record("redrive " + id); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, d := range f.dead {
		if d.ID == id {
			f.dead = append(f.dead[:i], f.dead[i+1:]...)
			f.next++
			nid := fmt.Sprintf("1795426300000-%d", f.next)
			f.entries = append(f.entries, queue.Entry{ID: nid, Fields: d.Original.Fields})
			return nid, nil
		}
	}
	return "", &queue.Error{Op: "redrive " + id, Kind: queue.ErrNotFound}
}

func (f *fakeQueue) DeleteDead(ctx context.Context, ids ...string) (int64, error) {
	if err := f.record(fmt.Sprint("deletedead ", ids)); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, id := range ids {
		for i, d := range f.dead {
			if d.ID == id {
				f.dead = append(f.dead[:i], f.dead[i+1:]...)
				n++
				break
			}
		}
	}
	return n, nil
}

var _ Queue = (*fakeQueue)(nil)
