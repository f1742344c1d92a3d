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
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	vk, err := queue.Dial(ctx, queue.ServerOptions{Endpoint: s.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Close()
	c, err := queue.New(vk, queue.Config{Consumer: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(ctx, c); err != nil {
		t.Fatal(err)
	}
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
