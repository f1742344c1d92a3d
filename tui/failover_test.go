package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
)

// A failover on real processes: a primary, a replica and three sentinels
// with a short down-after. An adder adds with and without --wait-replicas
// while reviewers claim and ack and a console holds a message; the link to
// the replica is held back for a moment (what a slow network does), then
// the primary is killed (SIGKILL). The console shows the outage within two
// seconds and carries on against the promoted replica without a restart;
// no add that waited for a replica and reported success is missing; acks
// and claims lost with the primary are offered again, never lost; outcome
// records agree with the pending list. It logs what the failover cost.
func TestFlowFailover(t *testing.T) {
	primary := testserver.StartT(t)
	_, link := testserver.StartReplicaT(t, primary)
	sentinels := testserver.StartSentinelsT(t, primary, 3, 1, testserver.SentinelOptions{
		DownAfter: time.Second, FailoverTimeout: time.Minute,
	})
	so := queue.ServerOptions{URL: sentinels.URL(), DialTimeout: 2 * time.Second}
	stream := freshStream(t)
	// Each role has a connection of its own, as separate programs would.
	connect := func(consumer string, wait int) *queue.Client {
		t.Helper()
		vk, err := queue.Dial(context.Background(), so)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(vk.Close)
		c, err := queue.New(vk, queue.Config{Stream: stream, Consumer: consumer, WaitReplicas: wait, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	console := connect("alice", 0)
	if err := console.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	plain, safe := connect("adder", 0), connect("adder", 1)
	if _, err := plain.AddContact(context.Background(), "Held", "held@example.com", "Held across the failover."); err != nil {
		t.Fatal(err)
	}

	// The console as reviewq runs it: the header's own numbers only every
	// 3 s, so what shows the outage is the console's connection state.
	d := realDeps(console)
	d.Server, d.StatsEvery, d.PollEvery = so.Addr(), 3*time.Second, 2*time.Second
	tm, o := startProgram(t, d, 100, 30)
	if !strings.HasSuffix(so.Addr(), " (sentinel mymaster)") {
		t.Fatalf("server shown as %q", so.Addr())
	}
	waitShown(t, tm, o, 5*time.Second, "● connected")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 5*time.Second, "Held across the failover.", "reclaimable in")

	w := startWorkload(t, plain, safe, connect("bob", 0), connect("carol", 0))
	w.waitFor(t, "adds and acks", func() bool { return w.plainOK.len() >= 20 && w.safeOK.len() >= 5 && w.acked.len() >= 10 })

	// Dave holds three messages, and his claims reach the replica: an add
	// that waited for it was written after them.
	dave := connect("dave", 0)
	var daves []string
	for len(daves) < 3 {
		res, err := dave.Claim(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Message != nil {
			daves = append(daves, res.Message.ID)
		}
	}
	if _, err := safe.AddContact(context.Background(), "Safe", "safe@example.com", "after dave's claims"); err != nil {
		t.Fatal(err)
	}

	// Replication held back: the primary acknowledges adds the replica
	// never gets; an add that waits for it says it is not yet safe. Dave's
	// acks now are acknowledged too, and lost with the primary.
	link.Hold()
	for _, id := range daves {
		if n, err := dave.Ack(context.Background(), id); err != nil || n != 1 {
			t.Fatalf("dave's ack of %s: %d %v", id, n, err)
		}
	}
	heldFrom := w.plainOK.len()
	w.waitFor(t, "adds while replication is held", func() bool { return w.plainOK.len() >= heldFrom+5 && w.short.Load() >= 1 })

	killed := time.Now()
	w.killed.Store(killed.UnixNano())
	primary.Kill()
	link.Close() // what it held back is lost with the primary

	waitShown(t, tm, o, 2*time.Second, "○ offline")
	offlineAfter := time.Since(killed)
	w.waitFor(t, "an add on the new primary", func() bool { return w.firstAddAfterKill.Load() != 0 })
	waitShown(t, tm, o, 20*time.Second, "● connected")
	consoleBack := time.Since(killed)
	w.waitFor(t, "an add that says no replica is left", func() bool { return w.noReplica.Load() >= 1 })
	w.stop()

	promoted, err := sentinels.Primary()
	if err != nil || promoted == primary.Addr {
		t.Fatalf("the sentinels did not promote the replica: %q %v", promoted, err)
	}
	// The console's held message kept its countdown (its claim had reached
	// the replica), and acking it works on the new primary.
	if v := o.snapshot(); !strings.Contains(v, "reclaimable in") {
		t.Fatalf("the held message lost its countdown:\n%s", v)
	}
	sendKeys(tm, "a")
	waitShown(t, tm, o, 5*time.Second, "acked Held's message")

	// Whatever the reviewers held or acked on the old primary without it
	// reaching the replica is offered again: drain the queue, reclaiming
	// at once.
	drainer := connect("drainer", 0).WithConsumer("drainer")
	drainCfg := drainer.Config()
	drainCfg.ReclaimAfter = time.Millisecond
	vk, err := queue.Dial(context.Background(), so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	drainer, err = queue.New(vk, drainCfg)
	if err != nil {
		t.Fatal(err)
	}
	offeredAgain := drain(t, drainer)

	page, err := drainer.StreamPage(context.Background(), queue.StreamQuery{Forward: true, Count: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, e := range page.Entries {
		present[e.ID] = true
		// Every entry was acked through reviewq, so each has its record;
		// none is left pending or undelivered.
		if e.State != queue.StateAcked || e.Outcome == nil {
			t.Errorf("%s after the drain: state %v, outcome %+v", e.ID, e.State, e.Outcome)
		}
	}
	lostSafe, lostPlain := w.safeOK.missing(present), w.plainOK.missing(present)
	if len(lostSafe) > 0 {
		t.Errorf("adds that waited for a replica and reported success are missing after the failover: %v", lostSafe)
	}
	if len(lostPlain) == 0 {
		t.Error("no add without --wait-replicas was lost, though replication was held back when the primary died: the test did not test")
	}
	for _, id := range daves {
		if !offeredAgain[id] {
			t.Errorf("dave's ack of %s was lost with the primary, yet it was not offered again", id)
		}
	}
	reoffered := 0
	for _, id := range append(w.acked.ids(), daves...) {
		if offeredAgain[id] {
			reoffered++
		}
	}
	t.Logf("failover: console offline %s after the kill, first add on the new primary after %s, console connected again after %s",
		offlineAfter.Round(10*time.Millisecond), time.Duration(w.firstAddAfterKill.Load()-killed.UnixNano()).Round(10*time.Millisecond),
		consoleBack.Round(10*time.Millisecond))
	t.Logf("adds reported successful: %d without --wait-replicas (%d lost), %d with --wait-replicas 1 (%d lost; %d said not yet safe); "+
		"%d acks reported, %d of them lost and offered again; %d entries offered again in all",
		w.plainOK.len(), len(lostPlain), w.safeOK.len(), len(lostSafe), w.short.Load(), w.acked.len()+len(daves), reoffered, len(offeredAgain))
}

// idList is a list of IDs several goroutines add to.
type idList struct {
	mu   sync.Mutex
	list []string
}

func (l *idList) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, id)
}

func (l *idList) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.list)
}

func (l *idList) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

func (l *idList) missing(present map[string]bool) []string {
	var out []string
	for _, id := range l.ids() {
		if !present[id] {
			out = append(out, id)
		}
	}
	return out
}

// workload is an adder without and one with --wait-replicas 1, and two
// reviewers who claim and ack, each in a loop until stopped, each call
// with its deadline.
type workload struct {
	plainOK, safeOK, acked idList
	short, noReplica       atomic.Int64 // safe adds that were not yet safe; of those, with no replica at all
	killed                 atomic.Int64 // when the primary was killed (UnixNano)
	firstAddAfterKill      atomic.Int64 // UnixNano
	done                   chan struct{}
	wg                     sync.WaitGroup
}

func startWorkload(t *testing.T, plain, safe *queue.Client, reviewers ...*queue.Client) *workload {
	w := &workload{done: make(chan struct{})}
	loop := func(f func(ctx context.Context)) {
		w.wg.Go(func() {
			for {
				select {
				case <-w.done:
					return
				case <-time.After(10 * time.Millisecond):
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				f(ctx)
				cancel()
			}
		})
	}
	loop(func(ctx context.Context) {
		a, err := plain.AddContact(ctx, "Plain", "plain@example.com", "added without waiting")
		if err != nil {
			return
		}
		w.plainOK.add(a.ID)
		if k := w.killed.Load(); k != 0 {
			w.firstAddAfterKill.CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	loop(func(ctx context.Context) {
		a, err := safe.AddContact(ctx, "Safe", "safe@example.com", "added once a replica has it")
		var re *queue.ReplicationError
		switch {
		case err == nil:
			w.safeOK.add(a.ID)
		case errors.As(err, &re):
			w.short.Add(1)
			if re.Connected == 0 && strings.Contains(err.Error(), "no replica is connected") {
				w.noReplica.Add(1)
			}
		}
	})
	for _, r := range reviewers {
		loop(func(ctx context.Context) {
			res, err := r.Claim(ctx)
			if err != nil || res.Message == nil {
				return
			}
			if n, err := r.Ack(ctx, res.Message.ID); err == nil && n == 1 {
				w.acked.add(res.Message.ID)
			}
		})
	}
	t.Cleanup(w.stop)
	return w
}

func (w *workload) stop() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
	w.wg.Wait()
}

func (w *workload) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// drain claims and acks until nothing is pending or undelivered, and
// returns what it was offered.
func drain(t *testing.T, c *queue.Client) map[string]bool {
	t.Helper()
	offered := map[string]bool{}
	ctx := context.Background()
	for range 10_000 {
		st, err := c.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Group.Pending == 0 && st.Group.Lag == 0 {
			return offered
		}
		res, err := c.Claim(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Message == nil {
			continue
		}
		offered[res.Message.ID] = true
		if _, err := c.Ack(ctx, res.Message.ID); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the queue did not drain")
	return nil
}
