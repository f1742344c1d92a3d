package queue

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/latproxy"
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

// reviewLoopDistances are BenchmarkReviewLoop's network distances, each
// named for the delay added to each direction (one way): a round trip at
// rtt=250us is 500 µs longer than on loopback. rtt=0 is loopback itself,
// straight to the server without the proxy and its hop.
var reviewLoopDistances = []struct {
	name   string
	oneWay time.Duration
}{
	{"rtt=0", 0},
	{"rtt=250us", 250 * time.Microsecond},
	{"rtt=1ms", time.Millisecond},
}

// BenchmarkReviewLoop is the review loop at a network distance: between
// this client and the test server, a latency proxy holds every byte for
// the distance's delay in each direction. At each distance three loops
// take turns, one message each, so that other load on the machine slows
// them alike (as in BenchmarkAckAndClaimVsRaw), each on a stream of its own
// filled beforehand:
//
//   - raw: XREADGROUP … COUNT 1 > then XACK, two round trips a message;
//   - ackAndClaim: reviewq's AckAndClaim, one round trip a message;
//   - seed: what the web example ("Message Queue with AWS ElastiCache and
//     Next.js") sends the server for one message, call by call: its GET
//     sends XGROUP CREATE … MKSTREAM (answered BUSYGROUP), XAUTOCLAIM …
//     60000 0-0 COUNT 1 and XREADGROUP … COUNT 1 > as a new consumer named
//     consumer-<UUID>, and its DELETE sends XACK: four round trips, without
//     the two HTTP requests around them.
//
// It reports each loop's time per message ("raw-ns/msg" …), "ratio"
// (ackAndClaim over raw) and "seed-ratio" (ackAndClaim over seed); ns/op
// is one turn, all three loops and a PING. The PING is what one round trip
// costs at the distance ("ping-ns/rt"; "ping-ratio" is it over raw, the
// least any one-round-trip loop could be). What the server spends, from
// INFO commandstats over the run, says how much of each is not the
// network: "script-server-ns/msg" is the EVALSHA, "raw-server-ns/msg" an
// XREADGROUP and an XACK (each averaged over all its calls: raw's, seed's
// and the script's own, which commandstats counts too).
func BenchmarkReviewLoop(b *testing.B) {
	for _, dist := range reviewLoopDistances {
		b.Run(dist.name, func(b *testing.B) { benchReviewLoop(b, dist.oneWay) })
	}
}

func benchReviewLoop(b *testing.B, oneWay time.Duration) {
	// The streams are filled over loopback; only the loops go the distance.
	ours := benchClient(b, "loop-ackclaim")
	raw := benchClient(b, "loop-raw")
	seed := benchClient(b, "loop-seed")
	addr := srv.Addr
	if oneWay > 0 {
		p, err := latproxy.Start(srv.Addr, oneWay)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		addr = p.Addr()
	}
	vk := dial(b, addr)
	far, err := New(vk, ours.Config())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	mustAdd(b, ours, 1)
	first, err := far.Claim(ctx) // loads the script, as a reviewer's first claim does
	if err != nil || first.Message == nil {
		b.Fatalf("first claim: %+v %v", first, err)
	}
	id := first.Message.ID
	web := webExample{vk: vk, stream: seed.cfg.Stream, group: seed.cfg.Group, run: time.Now().UnixNano()}

	var ackAndClaim, twoCalls, webCalls, ping time.Duration
	statsBefore := commandStats(b, ours)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		turn, cancel := context.WithTimeout(ctx, 10*time.Second)
		start := time.Now()
		n, r, err := far.AckAndClaim(turn, id)
		if err != nil || n != 1 || r.Message == nil {
			b.Fatalf("ack and claim %d: %d %+v %v", i, n, r, err)
		}
		id = r.Message.ID
		claimed := time.Now()
		res, err := vk.Do(turn, vk.B().Xreadgroup().Group(raw.cfg.Group, raw.cfg.Consumer).Count(1).
			Streams().Key(raw.cfg.Stream).Id(">").Build()).AsXRead()
		if err != nil || len(res[raw.cfg.Stream]) != 1 {
			b.Fatalf("raw read %d: %v", i, err)
		}
		if err := vk.Do(turn, vk.B().Xack().Key(raw.cfg.Stream).Group(raw.cfg.Group).Id(res[raw.cfg.Stream][0].ID).Build()).Error(); err != nil {
			b.Fatal(err)
		}
		floor := time.Now()
		web.review(b, turn, i)
		seeded := time.Now()
		if err := vk.Do(turn, vk.B().Ping().Build()).Error(); err != nil {
			b.Fatal(err)
		}
		pinged := time.Now()
		cancel()
		ackAndClaim += claimed.Sub(start)
		twoCalls += floor.Sub(claimed)
		webCalls += seeded.Sub(floor)
		ping += pinged.Sub(seeded)
	}
	b.StopTimer()
	server := commandStats(b, ours).since(statsBefore)
	perMsg := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(perMsg(ackAndClaim), "ackAndClaim-ns/msg")
	b.ReportMetric(perMsg(twoCalls), "raw-ns/msg")
	b.ReportMetric(perMsg(webCalls), "seed-ns/msg")
	b.ReportMetric(float64(ackAndClaim)/float64(twoCalls), "ratio")
	b.ReportMetric(float64(ackAndClaim)/float64(webCalls), "seed-ratio")
	b.ReportMetric(perMsg(ping), "ping-ns/rt")
	b.ReportMetric(float64(ping)/float64(twoCalls), "ping-ratio")
	b.ReportMetric(server.perCall("evalsha").Seconds()*1e9, "script-server-ns/msg")
	b.ReportMetric((server.perCall("xreadgroup")+server.perCall("xack")).Seconds()*1e9, "raw-server-ns/msg")
}

// commandCounts is INFO commandstats: calls and server time by command.
type commandCounts map[string]struct {
	calls int64
	usec  int64
}

// commandStats reads INFO commandstats through c (loopback, not the proxy).
func commandStats(b *testing.B, c *Client) commandCounts {
	b.Helper()
	info, err := do(b, c, "INFO", "commandstats").ToString()
	if err != nil {
		b.Fatal(err)
	}
	counts := commandCounts{}
	for _, line := range strings.Split(info, "\n") {
		// cmdstat_xack:calls=12,usec=34,usec_per_call=2.83,…
		name, fields, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "cmdstat_")), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		n := counts[name]
		for _, f := range strings.Split(fields, ",") {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "calls":
				n.calls, err = strconv.ParseInt(v, 10, 64)
			case "usec":
				n.usec, err = strconv.ParseInt(v, 10, 64)
			}
			if err != nil {
				b.Fatalf("INFO commandstats: %q: %v", line, err)
			}
		}
		counts[name] = n
	}
	return counts
}

// since is what changed from before.
func (c commandCounts) since(before commandCounts) commandCounts {
	d := commandCounts{}
	for name, n := range c {
		n.calls -= before[name].calls
		n.usec -= before[name].usec
		d[name] = n
	}
	return d
}

// perCall is the mean server time of one call of the command, 0 when none.
func (c commandCounts) perCall(name string) time.Duration {
	n := c[name]
	if n.calls == 0 {
		return 0
	}
	return time.Duration(n.usec) * time.Microsecond / time.Duration(n.calls)
}

// webExample sends what the web example's GET and DELETE send the server
// (app/api/messages/route.ts), one awaited call at a time.
type webExample struct {
	vk            valkey.Client
	stream, group string
	run           int64 // keeps consumer names unique across runs
}

// review is one message: GET (ensure the group, reclaim an entry idle over
// a minute, else read a new one, as a consumer named afresh each GET), then
// DELETE (ack it).
func (w webExample) review(b *testing.B, ctx context.Context, i int) {
	vk := w.vk
	err := vk.Do(ctx, vk.B().XgroupCreate().Key(w.stream).Group(w.group).Id("0").Mkstream().Build()).Error()
	if !valkey.IsValkeyBusyGroup(err) {
		b.Fatalf("web example: XGROUP CREATE: %v, want BUSYGROUP", err)
	}
	// The same length as the web example's consumer-${randomUUID()}.
	consumer := fmt.Sprintf("consumer-%08x-0000-4000-8000-%012x", uint32(w.run), i)
	claimed, err := vk.Do(ctx, vk.B().Xautoclaim().Key(w.stream).Group(w.group).Consumer(consumer).
		MinIdleTime("60000").Start("0-0").Count(1).Build()).ToArray()
	if err != nil || len(claimed) < 2 {
		b.Fatalf("web example: XAUTOCLAIM: %v %v", claimed, err)
	}
	var id string
	if idle, err := claimed[1].AsXRange(); err != nil {
		b.Fatalf("web example: XAUTOCLAIM entries: %v", err)
	} else if len(idle) > 0 {
		id = idle[0].ID
	} else {
		res, err := vk.Do(ctx, vk.B().Xreadgroup().Group(w.group, consumer).Count(1).
			Streams().Key(w.stream).Id(">").Build()).AsXRead()
		if err != nil || len(res[w.stream]) != 1 {
			b.Fatalf("web example: XREADGROUP %d: %v", i, err)
		}
		id = res[w.stream][0].ID
	}
	if err := vk.Do(ctx, vk.B().Xack().Key(w.stream).Group(w.group).Id(id).Build()).Error(); err != nil {
		b.Fatalf("web example: XACK: %v", err)
	}
}
