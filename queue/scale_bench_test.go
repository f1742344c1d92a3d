package queue

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/valkey-io/valkey-go"
)

// The scale benchmarks (`make bench-scale`) run on a server of their own,
// so SLOWLOG holds only what they measure, with pending lists of a million
// built once per process and shared by every run.

var (
	scaleOnce sync.Once
	scaleSrv  *testserver.Server
	scaleErr  error
	scaleMu   sync.Mutex
	scaleFill = map[string]bool{}
)

// scaleClient is a client on the scale server for a stream that holds n
// entries, all of them pending under "web" when pending is set (a fresh
// pending list: nothing idle for a day), built the first time it is asked
// for.
func scaleClient(b *testing.B, n int, pending bool) *Client {
	b.Helper()
	scaleOnce.Do(func() { scaleSrv, scaleErr = testserver.Start() })
	if scaleErr != nil {
		b.Fatal(scaleErr)
	}
	vk := dial(b, scaleSrv.Addr)
	stream := fmt.Sprintf("scale:%d:pending=%v", n, pending)
	// Nothing may turn idle while a run goes on for minutes: the lists
	// stay fresh.
	c, err := New(vk, Config{Stream: stream, Consumer: "alice", ReclaimAfter: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if !scaleFill[stream] {
		_ = do(b, c, "DEL", stream, c.cfg.DeadStream, claimCursorKey(stream, c.cfg.Group))
		if err := c.EnsureGroup(context.Background()); err != nil {
			b.Fatal(err)
		}
		consumer := ""
		if pending {
			consumer = "web"
		}
		fillPending(b, c, n, consumer)
		scaleFill[stream] = true
	}
	return c
}

// stopScaleServer runs after every test and benchmark of the package.
func stopScaleServer() {
	if scaleSrv != nil {
		scaleSrv.Stop()
	}
}

type scaleSize struct {
	name string
	n    int
}

// scaleMax is the largest list the scale benchmarks build:
// $REVIEWQ_SCALE_MAX, a million when unset. Ten million
// (REVIEWQ_SCALE_MAX=10000000) adds the 10M rows: a few minutes more to
// build and about 6 GB of server memory.
func scaleMax() int {
	if n, err := strconv.Atoi(os.Getenv("REVIEWQ_SCALE_MAX")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// upToScaleMax keeps the sizes of at most scaleMax entries.
func upToScaleMax(sizes ...scaleSize) []scaleSize {
	return slices.DeleteFunc(sizes, func(s scaleSize) bool { return s.n > scaleMax() })
}

var scaleSizes = upToScaleMax(scaleSize{"10", 10}, scaleSize{"100k", 100_000}, scaleSize{"1M", 1_000_000}, scaleSize{"10M", 10_000_000})

// serverTime runs f b.N times and reports the server's own time per call
// of f from SLOWLOG (every command logged: threshold 0), summed over the
// commands f sends whose name starts with prefix ("" for all), and for
// one-command calls the 99th percentile. The wall time (ns/op) still
// includes the round trips.
func serverTime(b *testing.B, c *Client, prefix string, f func()) {
	b.Helper()
	// logged reads the log: every entry, and the durations of the calls
	// to count. A command a script ran is logged too, apart (its client
	// is "?:0", no connection), and its time is also the script's.
	logged := func() (all int, us []int64) {
		entries, err := do(b, c, "SLOWLOG", "GET", "-1").ToArray()
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range entries {
			f, err := e.ToArray()
			if err != nil || len(f) < 5 {
				continue
			}
			all++
			args, _ := f[3].AsStrSlice()
			client, _ := f[4].ToString()
			if len(args) == 0 || client == "?:0" || !strings.HasPrefix(strings.ToUpper(args[0]), prefix) ||
				strings.EqualFold(args[0], "SLOWLOG") || strings.EqualFold(args[0], "CONFIG") {
				continue
			}
			d, _ := f[2].AsInt64()
			us = append(us, d)
		}
		return all, us
	}
	config := func(args ...string) {
		if err := do(b, c, args...).Error(); err != nil {
			b.Fatal(err)
		}
	}
	// One call first, to size the log for the run.
	config("CONFIG", "SET", "slowlog-log-slower-than", "0")
	config("CONFIG", "SET", "slowlog-max-len", "1000")
	config("SLOWLOG", "RESET")
	f()
	entries, first := logged()
	perCall := len(first)
	config("CONFIG", "SET", "slowlog-max-len", fmt.Sprint(entries*b.N+100))
	config("SLOWLOG", "RESET")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.StopTimer()
	_, us := logged()
	config("CONFIG", "SET", "slowlog-log-slower-than", "10000")
	config("CONFIG", "SET", "slowlog-max-len", "128")
	if len(us) == 0 {
		b.Fatalf("SLOWLOG recorded no %s", prefix)
	}
	var sum int64
	for _, d := range us {
		sum += d
	}
	b.ReportMetric(float64(sum)/float64(b.N), "server-µs/op")
	if perCall == 1 {
		slices.Sort(us)
		b.ReportMetric(float64(us[len(us)*99/100]), "server-p99-µs")
	}
}

// BenchmarkScaleClaim is a claim that finds nothing idle and nothing new
// (the whole budget spent looking) on a fresh pending list of 10, 100,000
// and 1,000,000 entries, beside the unbounded XPENDING … IDLE scan the
// claim used before, which walks the whole list when nothing is idle.
func BenchmarkScaleClaim(b *testing.B) {
	for _, size := range scaleSizes {
		b.Run("pending="+size.name+"/claim", func(b *testing.B) {
			c := scaleClient(b, size.n, true)
			ctx := context.Background()
			serverTime(b, c, "EVALSHA", func() {
				r, err := c.Claim(ctx)
				if err != nil || r.Message != nil {
					b.Fatalf("claim: %+v %v", r.Message, err)
				}
			})
		})
		b.Run("pending="+size.name+"/sweep", func(b *testing.B) {
			c := scaleClient(b, size.n, true)
			claims := 0
			for i := 0; i < b.N; i++ {
				claims += claimsPerSweep(b, c)
			}
			b.ReportMetric(float64(claims)/float64(b.N), "claims/sweep")
		})
		b.Run("pending="+size.name+"/unbounded-xpending-idle", func(b *testing.B) {
			c := scaleClient(b, size.n, true)
			ctx := context.Background()
			cmd := c.vk.B().Arbitrary("XPENDING").Keys(c.cfg.Stream).
				Args(c.cfg.Group, "IDLE", ms(c.cfg.ReclaimAfter), "-", "+", "1").Build().Pin()
			serverTime(b, c, "XPENDING", func() {
				if err := c.vk.Do(ctx, cmd).Error(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// claimsPerSweep claims (nothing is idle, nothing new) from where the sweep
// stands until it has gone once round the whole pending list, and returns
// how many claims that took: the most an idle entry waits to be found.
func claimsPerSweep(b *testing.B, c *Client) int {
	b.Helper()
	key := claimCursorKey(c.cfg.Stream, c.cfg.Group)
	cursor := func() ID {
		s, err := do(b, c, "GET", key).ToString()
		if err != nil {
			return ID{} // none: the next claim starts after the head
		}
		id, _ := ParseID(s)
		return id
	}
	claim := func() {
		if r, err := c.Claim(context.Background()); err != nil || r.Message != nil {
			b.Fatalf("claim: %+v %v", r.Message, err)
		}
	}
	// Go on until the sweep starts over, then count one round.
	for prev, n := cursor(), 0; ; n++ {
		claim()
		if now := cursor(); now.Less(prev) || now == (ID{}) || n > 1_000_000 {
			break
		} else {
			prev = now
		}
	}
	claims := 0
	for prev := cursor(); ; {
		claim()
		claims++
		now := cursor()
		if now.Less(prev) || now == (ID{}) {
			return claims
		}
		prev = now
	}
}

// BenchmarkScalePages reads a stream page and a pending page at both ends
// of a stream of 10,000, of 1,000,000 and (REVIEWQ_SCALE_MAX=10000000) of
// 10,000,000 entries (all pending), the stats, and a page of the pending
// list's idle filter (nothing idle: a whole bounded scan). None should
// cost more at ten million than at ten thousand, but the idle filter until
// its scan limit (20,000) is reached.
func BenchmarkScalePages(b *testing.B) {
	for _, size := range upToScaleMax(scaleSize{"10k", 10_000}, scaleSize{"1M", 1_000_000}, scaleSize{"10M", 10_000_000}) {
		run := func(name string, f func(c *Client) error) {
			b.Run("entries="+size.name+"/"+name, func(b *testing.B) {
				c := scaleClient(b, size.n, true)
				serverTime(b, c, "", func() {
					if err := f(c); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
		ctx := context.Background()
		run("stream-newest", func(c *Client) error {
			_, err := c.StreamPage(ctx, StreamQuery{Count: 50})
			return err
		})
		run("stream-oldest", func(c *Client) error {
			_, err := c.StreamPage(ctx, StreamQuery{Forward: true, Count: 50})
			return err
		})
		run("pending-first", func(c *Client) error {
			_, err := c.PendingPage(ctx, PendingQuery{Count: 50})
			return err
		})
		var last string
		run("pending-last", func(c *Client) error {
			if last == "" {
				p, err := c.StreamPage(ctx, StreamQuery{Count: 51})
				if err != nil {
					return err
				}
				last = p.Entries[50].ID
			}
			p, err := c.PendingPage(ctx, PendingQuery{After: last, Count: 50})
			if err == nil && len(p.Entries) != 50 {
				err = fmt.Errorf("last page has %d entries", len(p.Entries))
			}
			return err
		})
		run("stats", func(c *Client) error {
			st, err := c.Stats(ctx)
			if err == nil && st.Length != int64(size.n) {
				err = fmt.Errorf("stats: length %d", st.Length)
			}
			return err
		})
		run("pending-min-idle", func(c *Client) error {
			p, err := c.PendingPage(ctx, PendingQuery{MinIdle: time.Hour, Count: 50})
			if err == nil && p.Scanned != int64(min(size.n, DefaultPendingScan)) {
				err = fmt.Errorf("scanned %d", p.Scanned)
			}
			return err
		})
	}
}

// fillWaitingScript puts ARGV[1] messages in a group's waiting set (backing
// off) and as many in the stream's scheduled set, as lua/waiting.lua keeps
// them, due at ARGV[2] (ms), numbered from ARGV[3]: a waiting crowd
// without a claim for each.
var fillWaitingScript = composeScript("fill_waiting.lua", `
local n, due, from = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
for i = from, from + n - 1 do
  local id = string.format('1-%d', i)
  local f = {'name', 'Ada', 'email', 'ada@example.org', 'message', 'waiting ' .. i, 'timestamp', '2026-11-23T09:00:00.000Z'}
  redis.call('ZADD', KEYS[1], due, id)
  redis.call('HSET', KEYS[2], id, enc({'web', '0', due, '1', 'released', unpack(f)}))
  redis.call('ZADD', KEYS[3], due, 's' .. id)
  redis.call('HSET', KEYS[4], 's' .. id, enc({due, '', '2026-11-23T09:00:00.000Z', unpack(f)}))
end
return n`, luaIDs, luaRecordLookup, luaRecords)

// BenchmarkScaleClaimWaiting is a claim beside none, 10 and 100,000
// messages that wait, not due for a day (that many scheduled and as many backing
// off): with nothing else (the claim finds nothing at all), and with one
// more of each falling due at every claim (it adds both to the stream and
// claims one, acking the one before). Neither should cost more beside
// 100,000 than beside 10: due messages are found in a sorted set, a
// bounded number per claim. The server's time is the script's, from INFO
// commandstats.
func BenchmarkScaleClaimWaiting(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"0", 0}, {"10", 10}, {"100k", 100_000}} {
		setup := func(b *testing.B, stream string) (*Client, *testClock) {
			scaleOnce.Do(func() { scaleSrv, scaleErr = testserver.Start() })
			if scaleErr != nil {
				b.Fatal(scaleErr)
			}
			clock := newTestClock()
			c, err := New(dial(b, scaleSrv.Addr), Config{Stream: stream, Consumer: "alice", ReclaimAfter: 24 * time.Hour, Now: clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			_ = do(b, c, "DEL", stream, c.cfg.DeadStream, c.waiting, c.backoff, c.scheduled, c.scheduledContent, c.outcomes)
			if err := c.EnsureGroup(context.Background()); err != nil {
				b.Fatal(err)
			}
			for from := 0; from < size.n; from += 50_000 {
				fillWaiting(b, c, min(50_000, size.n-from), clock.Now().Add(24*time.Hour), from+1)
			}
			return c, clock
		}
		b.Run("waiting="+size.name+"/none-due", func(b *testing.B) {
			c, _ := setup(b, "scale:waiting:"+size.name+":none")
			ctx := context.Background()
			commandTime(b, c, "evalsha", func() {
				if r, err := c.Claim(ctx); err != nil || r.Message != nil {
					b.Fatalf("claim: %+v %v", r.Message, err)
				}
			})
		})
		b.Run("waiting="+size.name+"/one-due-each", func(b *testing.B) {
			c, clock := setup(b, "scale:waiting:"+size.name+":due")
			ctx := context.Background()
			held, next := "", size.n+1
			commandTime(b, c, "evalsha", func() {
				fillWaiting(b, c, 1, clock.Now(), next) // EVAL: not counted
				next++
				var r ClaimResult
				var err error
				if held == "" {
					r, err = c.Claim(ctx)
				} else {
					_, r, err = c.AckAndClaim(ctx, held)
				}
				if err != nil || r.Message == nil {
					b.Fatalf("claim: %+v %v", r.Message, err)
				}
				held = r.Message.ID
			})
		})
	}
}

// fillWaiting puts n messages numbered from `from` in the client's
// group's waiting set and as many in its stream's scheduled set, due at
// due; sent with EVAL, so that commandTime's count of EVALSHA leaves it
// out.
func fillWaiting(b *testing.B, c *Client, n int, due time.Time, from int) {
	b.Helper()
	err := c.vk.Do(context.Background(), c.vk.B().Eval().Script(fillWaitingScript.source).Numkeys(4).
		Key(c.waiting, c.backoff, c.scheduled, c.scheduledContent).
		Arg(fmt.Sprint(n), msString(due), fmt.Sprint(from)).Build()).Error()
	if err != nil {
		b.Fatal(err)
	}
}

// commandTime runs f b.N times and reports the server's own time per call
// of f from INFO commandstats, for the command cmd ("evalsha": a script's
// time, the commands it ran included), without SLOWLOG's cost of logging
// every command a script runs.
func commandTime(b *testing.B, c *Client, cmd string, f func()) {
	b.Helper()
	usec := func() (calls, us int64) {
		info, err := do(b, c, "INFO", "commandstats").ToString()
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.Lines(info) {
			rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+cmd+":")
			if !ok {
				continue
			}
			for _, kv := range strings.Split(rest, ",") {
				k, v, _ := strings.Cut(kv, "=")
				n, _ := strconv.ParseInt(v, 10, 64)
				switch k {
				case "calls":
					calls = n
				case "usec":
					us = n
				}
			}
		}
		return calls, us
	}
	f() // loads the script
	calls0, us0 := usec()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.StopTimer()
	calls, us := usec()
	if calls-calls0 < int64(b.N) {
		b.Fatalf("commandstats counted %d %s for %d calls", calls-calls0, cmd, b.N)
	}
	b.ReportMetric(float64(us-us0)/float64(b.N), "server-µs/op")
}

// ackAllScript acks up to n of a group's pending entries from the head of its
// pending list, after the first keep of them, and writes an
// outcome record for each (as an ack by reviewq would), so that a trim
// finds records to remove.
var ackAllScript = composeScript("ack_all.lua", `
local n, group, keep = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local rows = redis.call('XPENDING', KEYS[1], group, '-', '+', n + keep)
local ids = {}
for i = keep + 1, #rows do
  local id = rows[i][1]
  ids[#ids + 1] = id
  local _, where = record_find(KEYS[2], id)
  record_write(KEYS[2], id, where, '1:a13:1700000000000')
end
if #ids > 0 then redis.call('XACK', KEYS[1], group, unpack(ids)) end
return #ids
`, luaIDs, luaRecordLookup)

// scaleAckedClient is a client on the scale server for a stream of n
// entries, every one delivered and acked with an outcome record, but its
// first, which "web" holds: a trim removes every other entry, the holes
// after the held one with XDEL. It is topped up to n+spare entries at each
// call, for a benchmark that removes spare of them.
func scaleAckedClient(b *testing.B, n, spare int) *Client {
	b.Helper()
	c := scaleClient(b, 0, false)
	c.cfg.Stream = fmt.Sprintf("scale:%d:acked", n)
	c.outcomes = outcomesKey(c.cfg.Stream, c.cfg.Group)
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if !scaleFill[c.cfg.Stream] {
		_ = do(b, c, "DEL", c.cfg.Stream, c.outcomes)
		delRecordBuckets(b, c)
		if err := c.EnsureGroup(context.Background()); err != nil {
			b.Fatal(err)
		}
		scaleFill[c.cfg.Stream] = true
	}
	length, err := do(b, c, "XLEN", c.cfg.Stream).AsInt64()
	if err != nil {
		b.Fatal(err)
	}
	if missing := n + spare - int(length); missing > 0 {
		fillPending(b, c, missing, "web")
		for {
			// The first pending row is the stream's first entry, held.
			msg, err := ackAllScript.exec(context.Background(), c.vk, []string{c.cfg.Stream, c.outcomes},
				[]string{"5000", c.cfg.Group, "1"})
			if err != nil {
				b.Fatal(err)
			}
			acked, err := msg.AsInt64()
			if err != nil {
				b.Fatal(err)
			}
			if acked == 0 {
				break
			}
		}
	}
	return c
}

// BenchmarkScaleTrim is one step of a trim (trimChunk entries looked at)
// on streams of ten thousand and of a million entries: all new (counted,
// nothing asked of the pending list), all pending (a full XPENDING reply),
// all acked with records (counted; then removed: XDEL of the holes after
// a held entry, and their records). A step's server time depends on the
// chunk, not on the length.
func BenchmarkScaleTrim(b *testing.B) {
	last, _ := lastIDBefore(time.Now().Add(24 * time.Hour))
	step := func(b *testing.B, c *Client, mode string, want func(trimStep) bool) {
		groups, err := c.groupNames(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		serverTime(b, c, "EVALSHA", func() {
			s, err := c.trimStep(context.Background(), groups, "0-0", last, mode)
			if err != nil || !want(s) {
				b.Fatalf("step: %+v %v", s, err)
			}
		})
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"10k", 10_000}, {"1M", 1_000_000}} {
		b.Run("entries="+size.name+"/new/count", func(b *testing.B) {
			step(b, scaleClient(b, size.n, false), modeCount, func(s trimStep) bool { return s.kept.Undelivered == trimChunk })
		})
		b.Run("entries="+size.name+"/pending/count", func(b *testing.B) {
			step(b, scaleClient(b, size.n, true), modeCount, func(s trimStep) bool { return s.kept.Pending == trimChunk })
		})
		b.Run("entries="+size.name+"/acked/count", func(b *testing.B) {
			step(b, scaleAckedClient(b, size.n, 0), modeCount, func(s trimStep) bool { return s.removed == trimChunk-1 })
		})
		b.Run("entries="+size.name+"/acked/trim", func(b *testing.B) {
			// The steps remove b.N+1 times 99 entries.
			step(b, scaleAckedClient(b, size.n, (b.N+1)*trimChunk), modeTrim, func(s trimStep) bool { return s.removed == trimChunk-1 })
		})
	}
}

// BenchmarkScaleUnread is the count behind Stats's lag and trimmed-unread
// figures (lua/unread.lua) on a million entries: a group at the end (all
// delivered), one before the head (nothing read: the length, uncounted),
// and one a thousand entries in, past the count's limit on both sides,
// its most expensive case (2 × 501 entries read).
func BenchmarkScaleUnread(b *testing.B) {
	run := func(name string, c *Client, want int64) {
		b.Run(name, func(b *testing.B) {
			serverTime(b, c, "EVALSHA", func() {
				undelivered, _, err := c.unread(context.Background())
				if err != nil || undelivered != want {
					b.Fatalf("unread: %d %v, want %d", undelivered, err, want)
				}
			})
		})
	}
	const million = 1_000_000
	run("entries=1M/at-the-end", scaleClient(b, million, true), 0)
	run("entries=1M/before-the-head", scaleClient(b, million, false), million)
	c := scaleClient(b, million, false)
	r, err := do(b, c, "XRANGE", c.cfg.Stream, "-", "+", "COUNT", "1000").ToArray()
	if err != nil || len(r) != 1000 {
		b.Fatal(len(r), err)
	}
	e, _ := r[len(r)-1].ToArray()
	id, _ := e[0].ToString()
	middle := *c
	middle.cfg.Group = "thousand-in"
	_ = do(b, c, "XGROUP", "DESTROY", c.cfg.Stream, middle.cfg.Group)
	if err := do(b, c, "XGROUP", "CREATE", c.cfg.Stream, middle.cfg.Group, id).Error(); err != nil {
		b.Fatal(err)
	}
	run("entries=1M/a-thousand-in", &middle, -1)
}

// fillBodyScript adds ARGV[1] entries of a form's four fields whose
// message is ARGV[2] bytes long, numbered from ARGV[3]: what a
// `reviewq add` of such messages writes.
var fillBodyScript = valkey.NewLuaScript(`
local n, size, from = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = from, from + n - 1 do
  local m = 'message ' .. i .. ' '
  m = m .. string.rep('x', size - #m)
  redis.call('XADD', KEYS[1], '*', 'name', 'Ada Lovelace', 'email', 'ada@example.org',
    'message', m, 'timestamp', '2026-11-23T09:00:00.000Z')
end
return n
`)

// usedMemory is the server's used_memory (INFO memory).
func usedMemory(b *testing.B, c *Client) int64 {
	b.Helper()
	info, err := do(b, c, "INFO", "memory").ToString()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("INFO memory has no used_memory")
	return 0
}

// BenchmarkScaleMemory is what the server holds per message, for a
// message of 200 bytes (name, email, a 200-byte message and the
// timestamp, as `reviewq add` writes them), at a million and
// (REVIEWQ_SCALE_MAX=10000000) ten million: each step's growth of
// used_memory divided by the count: the entries added, then all of them
// delivered (a pending entry each), then all acked with the real ack
// script (the pending entry goes, an outcome record comes). A handled
// message is the entry and its record; a held one, the entry and its
// pending entry. MEMORY USAGE of the stream and of the records' key say
// the same per key.
func BenchmarkScaleMemory(b *testing.B) {
	const body = 200
	for _, size := range upToScaleMax(scaleSize{"1M", 1_000_000}, scaleSize{"10M", 10_000_000}) {
		b.Run("messages="+size.name, func(b *testing.B) {
			for range b.N {
				c := scaleClient(b, 0, false)
				c.cfg.Stream = "scale:memory"
				c.outcomes = outcomesKey(c.cfg.Stream, c.cfg.Group)
				_ = do(b, c, "DEL", c.cfg.Stream, c.outcomes, c.released)
				if err := c.EnsureGroup(context.Background()); err != nil {
					b.Fatal(err)
				}
				n := size.n
				mem0 := usedMemory(b, c)
				const chunk = 50_000
				for done := 0; done < n; done += chunk {
					err := fillBodyScript.Exec(context.Background(), c.vk, []string{c.cfg.Stream},
						[]string{strconv.Itoa(min(chunk, n-done)), strconv.Itoa(body), strconv.Itoa(done)}).Error()
					if err != nil {
						b.Fatal(err)
					}
				}
				mem1 := usedMemory(b, c)
				streamKey, _ := do(b, c, "MEMORY", "USAGE", c.cfg.Stream, "SAMPLES", "0").AsInt64()
				for read := 0; read < n; {
					r, err := do(b, c, "XREADGROUP", "GROUP", c.cfg.Group, c.cfg.Consumer, "COUNT", "10000",
						"STREAMS", c.cfg.Stream, ">").AsXRead()
					if err != nil {
						b.Fatal(err)
					}
					entries := r[c.cfg.Stream]
					if len(entries) == 0 {
						b.Fatal("nothing more to read")
					}
					read += len(entries)
				}
				mem2 := usedMemory(b, c)
				for {
					rows, err := do(b, c, "XPENDING", c.cfg.Stream, c.cfg.Group, "-", "+", "2000").ToArray()
					if err != nil {
						b.Fatal(err)
					}
					if len(rows) == 0 {
						break
					}
					ids := make([]string, len(rows))
					for i, row := range rows {
						f, _ := row.ToArray()
						ids[i], _ = f[0].ToString()
					}
					if acked, err := c.Ack(context.Background(), ids...); err != nil || acked != int64(len(ids)) {
						b.Fatalf("ack: %d of %d, %v", acked, len(ids), err)
					}
				}
				mem3 := usedMemory(b, c)
				recordsKey := recordsMemory(b, c)
				per := func(d int64) float64 { return float64(d) / float64(n) }
				b.ReportMetric(per(mem1-mem0), "entry-B")
				b.ReportMetric(per(mem2-mem1), "pending-B")
				b.ReportMetric(per(mem3-mem2+(mem2-mem1)), "record-B")
				b.ReportMetric(per(mem3-mem0), "handled-B")
				b.ReportMetric(per(mem3-mem0+(mem2-mem1)), "all-three-B")
				b.ReportMetric(per(streamKey), "stream-key-B")
				b.ReportMetric(per(recordsKey), "records-key-B")
				_ = do(b, c, "DEL", c.cfg.Stream, c.outcomes, c.released)
				delRecordBuckets(b, c)
			}
		})
	}
}

// recordKeysOf are the keys holding the client's group's outcome records:
// the long ones' sorted set, the bucket index and the buckets (KEYS: a
// benchmark's look, unbounded).
func recordKeysOf(b *testing.B, c *Client) []string {
	b.Helper()
	keys, err := do(b, c, "KEYS", c.outcomes+":b:*").AsStrSlice()
	if err != nil {
		b.Fatal(err)
	}
	return append(keys, c.outcomes, c.outcomes+":i")
}

// recordsMemory is MEMORY USAGE summed over recordKeysOf.
func recordsMemory(b *testing.B, c *Client) int64 {
	b.Helper()
	var sum int64
	for _, k := range recordKeysOf(b, c) {
		n, _ := do(b, c, "MEMORY", "USAGE", k, "SAMPLES", "0").AsInt64()
		sum += n
	}
	return sum
}

func delRecordBuckets(b *testing.B, c *Client) {
	b.Helper()
	keys := recordKeysOf(b, c)
	for len(keys) > 0 {
		k := keys[:min(1000, len(keys))]
		keys = keys[len(k):]
		_ = do(b, c, append([]string{"DEL"}, k...)...)
	}
}
