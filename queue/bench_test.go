package queue

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
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

// bareAckAndClaim is the least a script that acks and claims in one round
// trip can do: XACK, then XREADGROUP ... >, nothing else (no reclaim, no
// dead-lettering, no outcome records, no checks). It is only measured.
//
// KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] ID to ack.
var bareAckAndClaim = valkey.NewLuaScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
return r[1][2][1]
`)

// BenchmarkAckAndClaimVsRaw runs the two loops above interleaved, one
// message each in turn, so that a machine busy with other work slows both
// alike, and reports their ratio (the target is at most 0.6). Two more
// calls in the same turn say what the ratio could be at best: a PING is
// what any one round trip costs ("ping-ratio"), and bareAckAndClaim what
// a script that only acks and reads costs ("bare-script-ratio").
func BenchmarkAckAndClaimVsRaw(b *testing.B) {
	c := benchClient(b, "ackclaim-vs")
	raw := benchClient(b, "raw-vs")
	bare := benchClient(b, "bare-vs")
	bareID := "0-0" // acking an ID that is not pending does nothing
	mustAdd(b, c, 1)
	ctx := context.Background()
	first, err := c.Claim(ctx)
	if err != nil || first.Message == nil {
		b.Fatalf("first claim: %+v %v", first, err)
	}
	id := first.Message.ID
	vk := raw.vk
	var ours, floor, ping, bareTime time.Duration
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
		pinged := time.Now()
		e, err := bareAckAndClaim.Exec(ctx, bare.vk, []string{bare.cfg.Stream},
			[]string{bare.cfg.Group, bare.cfg.Consumer, bareID}).ToArray()
		if err != nil || len(e) != 2 {
			b.Fatalf("bare script %d: %v", i, err)
		}
		if bareID, err = e[0].ToString(); err != nil {
			b.Fatal(err)
		}
		ours += mid.Sub(start)
		floor += end.Sub(mid)
		ping += pinged.Sub(end)
		bareTime += time.Since(pinged)
	}
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "ackandclaim-ns/msg")
	b.ReportMetric(float64(floor.Nanoseconds())/float64(b.N), "raw-ns/msg")
	b.ReportMetric(float64(ours)/float64(floor), "ratio")
	b.ReportMetric(float64(ping)/float64(floor), "ping-ratio")
	b.ReportMetric(float64(bareTime)/float64(floor), "bare-script-ratio")
}
