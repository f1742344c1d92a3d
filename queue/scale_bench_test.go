package queue

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/reviewq/reviewq/internal/testserver"
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
// pending list: nothing idle), built the first time it is asked for.
func scaleClient(b *testing.B, n int, pending bool) *Client {
	b.Helper()
	scaleOnce.Do(func() { scaleSrv, scaleErr = testserver.Start() })
	if scaleErr != nil {
		b.Fatal(scaleErr)
	}
	vk := dial(b, scaleSrv.Addr)
	stream := fmt.Sprintf("scale:%d:pending=%v", n, pending)
	c, err := New(vk, Config{Stream: stream, Consumer: "alice"})
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

var scaleSizes = []struct {
	name string
	n    int
}{{"10", 10}, {"100k", 100_000}, {"1M", 1_000_000}}

// serverTime runs f b.N times and reports the server's own time per call
// from SLOWLOG (every command logged: threshold 0), for the commands whose
// name starts with prefix. The wall time still includes the round trip.
func serverTime(b *testing.B, c *Client, prefix string, f func()) {
	b.Helper()
	for _, args := range [][]string{
		{"CONFIG", "SET", "slowlog-log-slower-than", "0"},
		{"CONFIG", "SET", "slowlog-max-len", "100000"},
		{"SLOWLOG", "RESET"},
	} {
		if err := do(b, c, args...).Error(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.StopTimer()
	entries, err := do(b, c, "SLOWLOG", "GET", "100000").ToArray()
	if err != nil {
		b.Fatal(err)
	}
	var us []int64
	for _, e := range entries {
		f, err := e.ToArray()
		if err != nil || len(f) < 4 {
			continue
		}
		args, _ := f[3].AsStrSlice()
		if len(args) == 0 || !strings.HasPrefix(strings.ToUpper(args[0]), prefix) {
			continue
		}
		d, _ := f[2].AsInt64()
		us = append(us, d)
	}
	_ = do(b, c, "CONFIG", "SET", "slowlog-log-slower-than", "10000")
	if len(us) == 0 {
		b.Fatalf("SLOWLOG recorded no %s", prefix)
	}
	slices.Sort(us)
	var sum int64
	for _, d := range us {
		sum += d
	}
	b.ReportMetric(float64(sum)/float64(len(us)), "server-µs/op")
	b.ReportMetric(float64(us[len(us)*99/100]), "server-p99-µs")
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
