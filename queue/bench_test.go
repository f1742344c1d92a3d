package queue

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// benchClient gives each benchmark run a fresh stream with b.N messages.
func benchClient(b *testing.B, name string) *Client {
	b.Helper()
	c := newClient(b, Config{Stream: "bench:" + name + ":" + strconv.Itoa(b.N)})
	_ = do(b, c, "DEL", c.cfg.Stream, c.cfg.DeadStream)
	if err := c.EnsureGroup(context.Background()); err != nil {
		b.Fatal(err)
	}
	addBulk(b, c, b.N)
	b.Cleanup(func() { _ = do(b, c, "DEL", c.cfg.Stream, c.cfg.DeadStream) })
	return c
}

// BenchmarkClaimAck is reviewq's claim (the script) plus ack.
func BenchmarkClaimAck(b *testing.B) {
	c := benchClient(b, "reviewq")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := c.Claim(ctx)
		if err != nil || r.Message == nil {
			b.Fatalf("claim %d: %+v %v", i, r, err)
		}
		if _, err := c.Ack(ctx, r.Message.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAckAndClaim is the steady-state review loop: ack the message
// just reviewed and claim the next, one script, one round trip.
func BenchmarkAckAndClaim(b *testing.B) {
	c := benchClient(b, "ackclaim")
	mustAdd(b, c, 1)
	ctx := context.Background()
	first, err := c.Claim(ctx)
	if err != nil || first.Message == nil {
		b.Fatalf("first claim: %+v %v", first, err)
	}
	id := first.Message.ID
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, r, err := c.AckAndClaim(ctx, id)
		if err != nil || n != 1 || r.Message == nil {
			b.Fatalf("ack and claim %d: %d %+v %v", i, n, r, err)
		}
		id = r.Message.ID
	}
}

// BenchmarkRawClaimAck is the floor: plain XREADGROUP COUNT 1 > and XACK
// with valkey-go, no reclaim, no dead-lettering, no typed results.
func BenchmarkRawClaimAck(b *testing.B) {
	c := benchClient(b, "raw")
	ctx := context.Background()
	vk := c.vk
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := vk.Do(ctx, vk.B().Xreadgroup().Group(c.cfg.Group, c.cfg.Consumer).Count(1).
			Streams().Key(c.cfg.Stream).Id(">").Build()).AsXRead()
		if err != nil || len(res[c.cfg.Stream]) != 1 {
			b.Fatalf("read %d: %v", i, err)
		}
		id := res[c.cfg.Stream][0].ID
		if err := vk.Do(ctx, vk.B().Xack().Key(c.cfg.Stream).Group(c.cfg.Group).Id(id).Build()).Error(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAckAndClaimVsRaw runs the two loops above interleaved, one
// message each in turn, so that a machine busy with other work slows both
// alike, and reports their ratio (the target is at most 0.6). A PING in
// the same turn is what any one round trip costs here, whatever it does:
// "ping-ratio" is the least ratio a call in one round trip could have.
func BenchmarkAckAndClaimVsRaw(b *testing.B) {
	c := benchClient(b, "ackclaim-vs")
	raw := benchClient(b, "raw-vs")
	mustAdd(b, c, 1)
	ctx := context.Background()
	first, err := c.Claim(ctx)
	if err != nil || first.Message == nil {
		b.Fatalf("first claim: %+v %v", first, err)
	}
	id := first.Message.ID
	vk := raw.vk
	var ours, floor, ping time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		n, r, err := c.AckAndClaim(ctx, id)
		if err != nil || n != 1 || r.Message == nil {
			b.Fatalf("ack and claim %d: %d %+v %v", i, n, r, err)
		}
		id = r.Message.ID
		mid := time.Now()
		res, err := vk.Do(ctx, vk.B().Xreadgroup().Group(raw.cfg.Group, raw.cfg.Consumer).Count(1).
			Streams().Key(raw.cfg.Stream).Id(">").Build()).AsXRead()
		if err != nil || len(res[raw.cfg.Stream]) != 1 {
			b.Fatalf("read %d: %v", i, err)
		}
		if err := vk.Do(ctx, vk.B().Xack().Key(raw.cfg.Stream).Group(raw.cfg.Group).Id(res[raw.cfg.Stream][0].ID).Build()).Error(); err != nil {
			b.Fatal(err)
		}
		end := time.Now()
		if err := vk.Do(ctx, vk.B().Ping().Build()).Error(); err != nil {
			b.Fatal(err)
		}
		ours += mid.Sub(start)
		floor += end.Sub(mid)
		ping += time.Since(end)
	}
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "ackandclaim-ns/msg")
	b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "raw-ns/msg")
	b.ReportMetric(float64(ours)/float64(floor), "ratio")
	b.ReportMetric(float64(ping)/float64(floor), "ping-ratio")
}
