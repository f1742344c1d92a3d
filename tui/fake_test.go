package tui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

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

	// outcomes are the recorded outcomes of acked and dead-lettered
	// entries (acks and rejects through the fake record one, by "alice");
	// an acked entry without one was acked by another program.
	outcomes map[string]*queue.Outcome
	// released are pending entries handed back, until the next claim.
	released map[string]queue.Release
	activity queue.Activity
	// idem maps an idempotency key to the entry it added.
	idem map[string]string
	// waits are the entries put away to wait (Snooze; Release with
	// backoff set), scheduled the messages added for later: Stream and
	// Pending list them as queue's do.
	waits     map[string]queue.Wait
	scheduled []queue.WaitingEntry
	// backoff, when set, is the wait of every release, as
	// Config.RetryBackoff makes it (fixed, for tests).
	backoff time.Duration
	// gate, when set, holds a search or a replay after its first chunk
	// until it is closed or the context ends, so a test can see it under
	// way and stop it.
	gate chan struct{}
}

// fakeChunk is how many entries a fake search or replay looks at per
// chunk (the server's are 500 and 100): small, so progress shows.
const fakeChunk = 2

func newFakeQueue(entries ...queue.Entry) *fakeQueue {
	return &fakeQueue{entries: entries, pending: map[string]queue.PendingEntry{}, acked: map[string]bool{},
		outcomes: map[string]*queue.Outcome{}, released: map[string]queue.Release{}, idem: map[string]string{},
		waits: map[string]queue.Wait{}}
}

// clone is a fake with the same contents, none of them shared.
func (f *fakeQueue) clone() *fakeQueue {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &fakeQueue{
		entries: slices.Clone(f.entries), pending: maps.Clone(f.pending), acked: maps.Clone(f.acked),
		skipped: maps.Clone(f.skipped), scanLimit: f.scanLimit, dead: slices.Clone(f.dead), next: f.next,
		failWith: f.failWith, stats: f.stats, nextClaim: f.nextClaim, statsBlock: f.statsBlock,
		outcomes: maps.Clone(f.outcomes), released: maps.Clone(f.released), activity: f.activity,
		idem: maps.Clone(f.idem), gate: f.gate, waits: maps.Clone(f.waits), scheduled: slices.Clone(f.scheduled), backoff: f.backoff,
	}
	for i, e := range g.entries {
		g.entries[i].Fields = slices.Clone(e.Fields)
	}
	return g
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
		if r, ok := f.released[e.ID]; ok {
			// Released first, as the queue hands them out: not a failed
			// delivery, so the count stays.
			delete(f.released, e.ID)
			p := f.pending[e.ID]
			p.Consumer = "alice"
			f.pending[e.ID] = p
			return queue.ClaimResult{Message: &queue.Claimed{Entry: e, Deliveries: p.Deliveries, Released: true,
				ReleasedBy: r.By, ReleasedAt: r.At, PreviousConsumer: r.By}}, nil
		}
	}
	for _, e := range f.entries {
		if _, p := f.pending[e.ID]; p || f.acked[e.ID] {
			continue
		}
		if _, w := f.waits[e.ID]; w {
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
		return nil, &queue.Error{Op: "claim " + id, Kind: queue.ErrNotHeld, Cause: &queue.HeldError{Owner: p.Consumer, Idle: p.Idle}}
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
			delete(f.released, id)
			f.acked[id] = true
			f.outcomes[id] = &queue.Outcome{By: "alice", At: fixedNow, Held: time.Minute}
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

func (f *fakeQueue) ReleaseDue(ctx context.Context, id string) (time.Time, error) {
	if err := f.record("release " + id); err != nil {
		return time.Time{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pending[id]
	switch {
	case ok && f.backoff > 0:
		// Out of the pending list, waiting for its retry.
		delete(f.pending, id)
		due := fixedNow.Add(f.backoff)
		f.waits[id] = queue.Wait{Kind: queue.WaitBackoff, By: p.Consumer, At: fixedNow, Until: due, Deliveries: p.Deliveries, After: queue.AfterRelease}
		return due, nil
	case ok:
		// Still pending, with the one who let go, until the next claim
		// takes it first.
		f.released[id] = queue.Release{By: p.Consumer, At: fixedNow}
	}
	return time.Time{}, nil
}

func (f *fakeQueue) Snooze(ctx context.Context, id string, until time.Time) error {
	if err := f.record("snooze " + id + " " + until.UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pending[id]
	if !ok {
		return &queue.Error{Op: "snooze " + id, Kind: queue.ErrNotPending}
	}
	delete(f.pending, id)
	delete(f.released, id)
	f.waits[id] = queue.Wait{Kind: queue.WaitSnoozed, By: p.Consumer, At: fixedNow, Until: until, Deliveries: p.Deliveries - 1}
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
	f.outcomes[id] = &queue.Outcome{By: "alice", At: fixedNow, Held: time.Minute, Reason: reason}
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

// AddContact adds a message without a key, as another program would.
func (f *fakeQueue) AddContact(ctx context.Context, name, email, message string) (queue.Added, error) {
	f.mu.Lock()
	key := fmt.Sprintf("plain-%d", f.next)
	f.mu.Unlock()
	return f.AddContactLater(ctx, key, name, email, message, time.Time{})
}

func (f *fakeQueue) AddContactLater(ctx context.Context, key, name, email, message string, notBefore time.Time) (queue.Added, error) {
	call := "add " + name
	if !notBefore.IsZero() {
		call += " at " + notBefore.UTC().Format(time.RFC3339)
	}
	if err := f.record(call); err != nil {
		return queue.Added{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.idem[key]; ok {
		if strings.HasPrefix(id, "s") {
			return queue.Added{ScheduledID: id, Timestamp: "2026-11-23T09:30:00.000Z", Duplicate: true}, nil
		}
		return queue.Added{ID: id, Timestamp: "2026-11-23T09:30:00.000Z", Duplicate: true}, nil
	}
	if notBefore.After(fixedNow) {
		sid := fmt.Sprintf("s1795426200000-%d", len(f.scheduled))
		f.idem[key] = sid
		w := queue.WaitingEntry{Entry: contact(sid, name, email, message), Wait: queue.Wait{Kind: queue.WaitScheduled, At: fixedNow, Until: notBefore}}
		f.scheduled = append(f.scheduled, w)
		return queue.Added{ScheduledID: sid, NotBefore: notBefore, Timestamp: "2026-11-23T09:30:00.000Z"}, nil
	}
	f.next++
	f.idem[key] = fmt.Sprintf("1795426200000-%d", f.next)
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
	if q.After == "" && q.Consumer == "" && q.MinIdle <= 0 {
		for _, e := range f.entries {
			if w, ok := f.waits[e.ID]; ok {
				page.Waiting = append(page.Waiting, queue.WaitingEntry{Entry: e, Wait: w})
			}
		}
		page.WaitingTotal = int64(len(page.Waiting))
	}
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
	if q.From == "" && !q.Forward {
		page.Scheduled, page.ScheduledTotal = slices.Clone(f.scheduled), int64(len(f.scheduled))
	}
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
		page.Entries = append(page.Entries, f.streamEntry(e))
	}
	return page, nil
}

// streamEntry is e with its state, as a stream page has it. f.mu is held.
func (f *fakeQueue) streamEntry(e queue.Entry) queue.StreamEntry {
	se := queue.StreamEntry{Entry: e, State: queue.StateNew}
	if p, ok := f.pending[e.ID]; ok {
		se.State, se.Consumer, se.Deliveries = queue.StatePending, p.Consumer, p.Deliveries
		if r, ok := f.released[e.ID]; ok {
			se.Released = &r
		}
	} else if w, ok := f.waits[e.ID]; ok {
		se.State, se.Wait = queue.StateSnoozed, &w
		if w.Kind == queue.WaitBackoff {
			se.State = queue.StateWaiting
		}
	} else if f.acked[e.ID] {
		se.State, se.Outcome = queue.StateAcked, f.outcomes[e.ID]
		if o := se.Outcome; o != nil && o.Reason != "" {
			se.State = queue.StateDeadLettered
		}
	} else if f.skipped[e.ID] {
		se.State = queue.StateSkipped
	}
	return se
}

func (f *fakeQueue) Activity(ctx context.Context) (queue.Activity, error) {
	if err := f.record("activity"); err != nil {
		return queue.Activity{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.activity, nil
}

// wait holds a search or a replay at the gate, when there is one, until
// it opens or ctx ends.
func (f *fakeQueue) wait(ctx context.Context) error {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate == nil {
		return ctx.Err()
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Search matches name, email and message, case-insensitively, newest
// first, fakeChunk entries a chunk, and stops between chunks when ctx
// ends, as queue.Search does.
func (f *fakeQueue) Search(ctx context.Context, q queue.SearchQuery, progress func(queue.SearchProgress)) (queue.SearchPage, error) {
	if err := f.record("search " + q.Text + " " + q.Before); err != nil {
		return queue.SearchPage{}, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = queue.DefaultSearchLimit
	}
	needle := strings.ToLower(q.Text)
	f.mu.Lock()
	var todo []queue.Entry
	for i := len(f.entries) - 1; i >= 0; i-- {
		if q.Before == "" || idLess(f.entries[i].ID, q.Before) {
			todo = append(todo, f.entries[i])
		}
	}
	total := int64(len(f.entries))
	f.mu.Unlock()
	var page queue.SearchPage
	for start := 0; start < len(todo); start += fakeChunk {
		if start > 0 {
			if err := f.wait(ctx); err != nil {
				page.Next = todo[start-1].ID
				return page, err
			}
		}
		for _, e := range todo[start:min(start+fakeChunk, len(todo))] {
			page.Scanned++
			hay := strings.ToLower(e.Name() + "\x00" + e.Email() + "\x00" + e.Message())
			if !strings.Contains(hay, needle) {
				continue
			}
			f.mu.Lock()
			page.Entries = append(page.Entries, f.streamEntry(e))
			f.mu.Unlock()
			if limit > 0 && len(page.Entries) == limit {
				page.Next = e.ID
				return page, nil
			}
		}
		if progress != nil {
			progress(queue.SearchProgress{Scanned: page.Scanned, Total: total, Found: len(page.Entries)})
		}
	}
	return page, nil
}

// replayable are the acked entries in r, oldest first. f.mu is held.
func (f *fakeQueue) replayable(r queue.ReplayRange) (looked []queue.Entry, acked map[string]bool) {
	acked = map[string]bool{}
	for _, e := range f.entries {
		if (r.From != "" && idLess(e.ID, r.From)) || (r.To != "" && idLess(r.To, e.ID)) {
			continue
		}
		looked = append(looked, e)
		if o := f.outcomes[e.ID]; f.acked[e.ID] && (o == nil || o.Reason == "") {
			acked[e.ID] = true
		}
	}
	return looked, acked
}

func (f *fakeQueue) PlanReplay(ctx context.Context, r queue.ReplayRange, progress func(queue.ReplayProgress)) (queue.ReplayPlan, error) {
	if err := f.record("planreplay " + r.From + " " + r.To); err != nil {
		return queue.ReplayPlan{}, err
	}
	f.mu.Lock()
	looked, acked := f.replayable(r)
	if r.To == "" && len(f.entries) > 0 {
		r.To = f.entries[len(f.entries)-1].ID
	}
	f.mu.Unlock()
	plan := queue.ReplayPlan{Range: r}
	var scanned int64
	for start := 0; start < len(looked); start += fakeChunk {
		for _, e := range looked[start:min(start+fakeChunk, len(looked))] {
			scanned++
			if acked[e.ID] {
				plan.Count++
			}
		}
		if progress != nil {
			progress(queue.ReplayProgress{Scanned: scanned, Acked: plan.Count})
		}
	}
	return plan, nil
}

func (f *fakeQueue) Replay(ctx context.Context, r queue.ReplayRange, progress func(queue.ReplayProgress)) (queue.ReplayResult, error) {
	if err := f.record("replay " + r.From + " " + r.To); err != nil {
		return queue.ReplayResult{}, err
	}
	f.mu.Lock()
	looked, acked := f.replayable(r)
	f.mu.Unlock()
	var res queue.ReplayResult
	var scanned int64
	for start := 0; start < len(looked); start += fakeChunk {
		if start > 0 {
			if err := f.wait(ctx); err != nil {
				res.Next = looked[start].ID
				return res, err
			}
		}
		for _, e := range looked[start:min(start+fakeChunk, len(looked))] {
			scanned++
			if !acked[e.ID] {
				continue
			}
			f.mu.Lock()
			f.next++
			id := fmt.Sprintf("1795426400000-%d", f.next)
			f.entries = append(f.entries, queue.Entry{ID: id, Fields: append(slices.Clone(e.Fields), queue.Field{Name: queue.FieldReplayOf, Value: e.ID})})
			f.mu.Unlock()
			if res.First == "" {
				res.First = id
			}
			res.Last = id
			res.Replayed++
		}
		if progress != nil {
			progress(queue.ReplayProgress{Scanned: scanned, Acked: res.Replayed})
		}
	}
	return res, nil
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
	st.Group.Lag = int64(len(f.entries) - len(f.pending) - len(f.acked) - len(f.waits))
	st.DeadLength = int64(len(f.dead))
	st.Scheduled = int64(len(f.scheduled))
	for _, w := range f.waits {
		if w.Kind == queue.WaitSnoozed {
			st.Snoozed++
		} else {
			st.Waiting++
		}
	}
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
