package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// The embedded default is a user feature: the console's whole flow must work
// on it, including the claim script's reclaim path and dead-lettering.
func TestEmbeddedServerRunsTheWholeFlow(t *testing.T) {
	_, c, ctx := seeded(t, queue.Config{Consumer: "alice"})
	r, err := c.Claim(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Message
	if m == nil || !m.Reclaimed || m.PreviousConsumer != "bob" || m.Deliveries != 2 || m.Idle < time.Minute {
		t.Fatalf("first claim on the embedded server: %+v", m)
	}
	if n, err := c.Ack(ctx, m.ID); err != nil || n != 1 {
		t.Fatalf("ack: %d %v", n, err)
	}
	m2, err := c.Claim(ctx)
	if err != nil || m2.Message == nil || m2.Message.Reclaimed || m2.Message.Name() != Samples[1].Name {
		t.Fatalf("second claim: %+v %v", m2.Message, err)
	}
	if err := c.KeepAlive(ctx, m2.Message.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(ctx, m2.Message.ID); err != nil {
		t.Fatal(err)
	}
	again, err := c.WithConsumer("bob").Claim(ctx)
	if err != nil || again.Message == nil || again.Message.ID != m2.Message.ID {
		t.Fatalf("released message not claimable at once: %+v %v", again.Message, err)
	}
	did, err := c.WithConsumer("bob").Reject(ctx, again.Message.ID, "spam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Redrive(ctx, did); err != nil {
		t.Fatal(err)
	}
	p, err := c.PendingPage(ctx, queue.PendingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 0 {
		t.Fatalf("pending %+v", p.Entries)
	}
	sp, err := c.StreamPage(ctx, queue.StreamQuery{Count: 5})
	if err != nil || len(sp.Entries) != 5 || sp.Entries[0].State != queue.StateNew {
		t.Fatalf("stream page %+v %v", sp, err)
	}
	st, err := c.Stats(ctx)
	if err != nil || st.Length != int64(len(Samples))+1 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

// The Done-when of issue 8, as the console runs it: --reclaim-after 3s, the
// seeded message reclaimed from bob and held for ten seconds with a
// keep-alive every second. It keeps its true delivery count, nobody else
// can claim it, and the header's lag counts what is really waiting.
func TestHeldMessageKeepsItsDeliveryCountAndLag(t *testing.T) {
	s, c, ctx := seeded(t, queue.Config{Consumer: "alice", ReclaimAfter: 3 * time.Second})
	if c.Config().DeadStream != "contact-messages:dead" {
		t.Fatalf("dead-letter stream %q: the embedded server was taken for a cluster", c.Config().DeadStream)
	}
	st, err := c.Stats(ctx)
	if err != nil || st.Length != 12 || st.Group.Pending != 1 || st.Group.Lag != 11 || st.Scheduled != 1 {
		t.Fatalf("stats after seeding: %+v %v, want 12 entries, 1 pending, lag 11, 1 scheduled", st, err)
	}
	r, err := c.Claim(ctx)
	if err != nil || r.Message == nil || !r.Message.Reclaimed || r.Message.Deliveries != 2 {
		t.Fatalf("claim: %+v %v", r.Message, err)
	}
	held := r.Message
	now := time.Now()
	for i := 1; i <= 10; i++ {
		s.mr.SetTime(now.Add(time.Duration(i) * time.Second))
		if err := c.KeepAlive(ctx, held.ID); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.PendingPage(ctx, queue.PendingQuery{})
	if err != nil || len(p.Entries) != 1 || p.Entries[0].Deliveries != 2 || p.Entries[0].Idle >= 3*time.Second {
		t.Fatalf("after ten seconds of keep-alives: %+v %v, want delivery 2, fresh", p.Entries, err)
	}
	next, err := c.WithConsumer("bob").Claim(ctx)
	if err != nil || next.Message == nil || next.Message.ID == held.ID || next.Message.Reclaimed {
		t.Fatalf("bob's claim: %+v %v, want the next new message", next.Message, err)
	}
	st, err = c.Stats(ctx)
	if err != nil || st.Group.Pending != 2 || st.Group.Lag != 10 {
		t.Fatalf("stats: %+v %v, want 2 pending, lag 10", st.Group, err)
	}
	if _, err := c.Ack(ctx, held.ID); err != nil {
		t.Fatal(err)
	}
	page, err := c.StreamPage(ctx, queue.StreamQuery{Forward: true, Count: 2})
	if err != nil || page.Entries[0].State != queue.StateAcked || page.Entries[1].State != queue.StatePending || page.Entries[1].Consumer != "bob" {
		t.Fatalf("stream page: %+v %v", page.Entries, err)
	}
}

// seeded starts an embedded server with its sample messages and a client
// on it; all of it ends with the test, and ctx within 10 s.
func seeded(t *testing.T, cfg queue.Config) (*Server, *queue.Client, context.Context) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := clientOn(t, s, cfg)
	if err := s.Seed(ctx, c); err != nil {
		t.Fatal(err)
	}
	return s, c, ctx
}

// clientOn is a client on s with its group made; s, the client and ctx
// (within 10 s) end with the test.
func clientOn(t *testing.T, s *Server, cfg queue.Config) (*queue.Client, context.Context) {
	t.Helper()
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	vk, err := queue.Dial(ctx, s.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	c, err := queue.New(vk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	return c, ctx
}

// The sample added for later waits, out of the stream, then arrives.
func TestTheLaterSampleArrives(t *testing.T) {
	now := time.Now()
	clock := now
	s, c, ctx := seeded(t, queue.Config{Consumer: "alice", Now: func() time.Time { return clock }})
	page, err := c.StreamPage(ctx, queue.StreamQuery{})
	if err != nil || page.ScheduledTotal != 1 || page.Scheduled[0].Name() != Later.Name || !page.Scheduled[0].Wait.Until.Equal(now.Add(LaterDelay).Truncate(time.Millisecond)) {
		t.Fatalf("stream page's scheduled: %+v %v", page.Scheduled, err)
	}
	clock = now.Add(LaterDelay)
	s.mr.SetTime(clock)
	st, err := c.Stats(ctx)
	if err != nil || st.Scheduled != 0 || st.Length != int64(len(Samples))+1 {
		t.Fatalf("stats once due: %+v %v", st, err)
	}
}

// The scene of make screenshots: its hour replays as written (each claim
// gets the message meant, or seeding fails), and at its frozen now the
// console's first claim reclaims Maya Patel's message from bob, as on the
// samples alone.
func TestTheSceneReplaysItsHour(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)
	s, err := StartFrozen("127.0.0.1:0", now)
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := clientOn(t, s, queue.Config{Consumer: "alice", Now: s.Now})
	if err := s.SeedScene(ctx, c.Config()); err != nil {
		t.Fatal(err)
	}
	st, err := c.Stats(ctx)
	wantLength := int64(len(sceneHour) + len(Samples))
	if err != nil || st.Length != wantLength || st.Group.Pending != 3 || st.Group.Lag != int64(len(Samples))-1 || st.DeadLength != 3 || st.Snoozed != 1 || st.Scheduled != 1 {
		t.Fatalf("stats: %+v %v, want %d entries, 3 pending, lag %d, 3 dead letters, 1 snoozed, 1 scheduled", st, err, wantLength, len(Samples)-1)
	}
	r, err := c.Claim(ctx)
	if err != nil || r.Message == nil || r.Message.Name() != Samples[0].Name || !r.Message.Reclaimed || r.Message.PreviousConsumer != "bob" || r.Message.Idle != bobClaims {
		t.Fatalf("first claim: %+v %v, want %s's message reclaimed from bob, idle %s", r.Message, err, Samples[0].Name, bobClaims)
	}
	a, err := c.Activity(ctx)
	if err != nil || a.TimeToAck.Count != 16 || len(a.Reviewers) != 4 {
		t.Fatalf("activity: %+v %v, want 16 acks by 4 reviewers", a, err)
	}
}
