package metrics

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers the profiler on http.DefaultServeMux, which the metrics must not serve
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valkey-io/valkey-go"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/sshd"
	"github.com/reviewq/reviewq/statsfeed"
)

// The queue's numbers come from a real server through a real poller; the
// desk's sessions and counts, proven through SSH in sshd and cli, are set
// here by hand.
var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

type desk struct {
	mu       sync.Mutex
	sessions int
	counts   sshd.Counts
}

func (d *desk) Sessions() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sessions
}

func (d *desk) Counts() sshd.Counts {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.counts
}

func client(t *testing.T, consumer string) *queue.Client {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	stream := fmt.Sprintf("metrics:%s:%d", t.Name(), time.Now().UnixNano())
	c, err := queue.New(vk, queue.Config{Stream: stream, Consumer: consumer})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// exporter serves src's metrics on a free loopback port until the test
// ends, and returns the scrape URL.
func exporter(t *testing.T, src Sources) string {
	t.Helper()
	s, err := Listen("127.0.0.1:0", src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return "http://" + s.Addr().String()
}

// scrape is one scrape: each sample's value by its line's name and
// labels as written ("reviewq_consumer_pending{consumer=\"alice\"}").
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expect fails unless every sample in want is in got with that value.
func expect(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present: %v), want %v", k, g, ok, v)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// refreshed asks the poller for a read and waits until one that began
// after now has finished.
func refreshed(t *testing.T, p *statsfeed.Poller) {
	t.Helper()
	before := p.Reads()
	p.Refresh()
	deadline := time.Now().Add(10 * time.Second)
	for p.Reads() == before {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not read")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func poller(t *testing.T, c *queue.Client) *statsfeed.Poller {
	t.Helper()
	// Reads only when the test asks, so the reads counted are the test's.
	p := statsfeed.New(c, statsfeed.Options{Every: time.Hour, MinGap: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	// The poller reads once as it starts: wait for that read, or a
	// Refresh sent meanwhile would be answered by a second read later, in
	// the middle of what a test counts.
	deadline := time.Now().Add(10 * time.Second)
	for p.Reads() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not make its first read")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return p
}

func TestAScrapeShowsTheQueueAsTheDeskLastReadIt(t *testing.T) {
	ctx := context.Background()
	c := client(t, "test")
	p := poller(t, c)
	d := &desk{sessions: 2, counts: sshd.Counts{Claims: 5, Acks: 3, Releases: 1, DeadLetters: 2}}
	url := exporter(t, Sources{Stats: p, Desk: d, MaxSessions: 50})

	var ids []string
	for _, w := range []string{"one", "two", "three", "four"} {
		a, err := c.AddContact(ctx, "Ada", "ada@example.org", w)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	alice, bob := c.WithConsumer("alice"), c.WithConsumer("bob")
	for _, q := range []*queue.Client{alice, bob, bob} {
		if res, err := q.Claim(ctx); err != nil || res.Message == nil {
			t.Fatalf("claim: %+v %v", res, err)
		}
	}
	refreshed(t, p)
	got := scrape(t, url)
	cfg := c.Config()
	expect(t, got, map[string]float64{
		"reviewq_up":            1,
		"reviewq_stream_length": 4,
		"reviewq_pending":       3,
		"reviewq_lag":           1,
		"reviewq_dead_letters":  0,
		`reviewq_consumer_pending{consumer="alice"}`:                                                                1,
		`reviewq_consumer_pending{consumer="bob"}`:                                                                  2,
		fmt.Sprintf(`reviewq_queue_info{dead_stream=%q,group=%q,stream=%q}`, cfg.DeadStream, cfg.Group, cfg.Stream): 1,
		"reviewq_sessions":                2,
		"reviewq_max_sessions":            50,
		"reviewq_desk_claims_total":       5,
		"reviewq_desk_acks_total":         3,
		"reviewq_desk_releases_total":     1,
		"reviewq_desk_dead_letters_total": 2,
	})
	// The fourth entry waits for its first claim: its age is the time
	// since it was added, as the server's clock has it.
	if age := got["reviewq_oldest_unclaimed_seconds"]; age < 0 || age > 60 {
		t.Fatalf("reviewq_oldest_unclaimed_seconds = %v", age)
	}
	if age, ok := got["reviewq_stats_age_seconds"]; !ok || age < 0 || age > 10 {
		t.Fatalf("reviewq_stats_age_seconds = %v (present: %v)", age, ok)
	}
	// What operators expect of any Go exporter.
	for _, name := range []string{"go_goroutines", "go_gc_gomemlimit_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total", "promhttp_metric_handler_requests_total{code=\"200\"}"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s", name)
		}
	}

	// alice acks what she held: she is gone from the output, not left at 0.
	if n, err := alice.Ack(ctx, ids[0]); err != nil || n != 1 {
		t.Fatalf("ack: %d %v", n, err)
	}
	if _, err := c.WithConsumer("carol").Claim(ctx); err != nil {
		t.Fatal(err)
	}
	refreshed(t, p)
	got = scrape(t, url)
	if v, ok := got[`reviewq_consumer_pending{consumer="alice"}`]; ok {
		t.Fatalf("alice holds nothing, yet reviewq_consumer_pending{consumer=\"alice\"} is %v", v)
	}
	expect(t, got, map[string]float64{
		"reviewq_pending": 3,
		"reviewq_lag":     0,
		`reviewq_consumer_pending{consumer="bob"}`:   2,
		`reviewq_consumer_pending{consumer="carol"}`: 1,
		"reviewq_oldest_unclaimed_seconds":           0, // everything has been claimed
	})

	// A dead letter.
	if _, err := bob.Reject(ctx, ids[1], "spam"); err != nil {
		t.Fatal(err)
	}
	refreshed(t, p)
	expect(t, scrape(t, url), map[string]float64{"reviewq_dead_letters": 1, "reviewq_pending": 2, `reviewq_consumer_pending{consumer="bob"}`: 1,
		"reviewq_scheduled": 0, "reviewq_snoozed": 0, "reviewq_waiting": 0})

	// Messages that wait: one added for later, bob's snoozed, carol's
	// released with a retry backoff.
	if _, err := c.AddContactLater(ctx, "", "Ada", "ada@example.org", "later", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := bob.Snooze(ctx, ids[2], time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	backingOff := cfg
	backingOff.Consumer, backingOff.RetryBackoff = "carol", time.Minute
	carol, err := queue.New(vkOf(t), backingOff)
	if err != nil {
		t.Fatal(err)
	}
	if err := carol.Release(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	refreshed(t, p)
	expect(t, scrape(t, url), map[string]float64{"reviewq_scheduled": 1, "reviewq_snoozed": 1, "reviewq_waiting": 1, "reviewq_pending": 0})
}

// vkOf is another connection to the test server.
func vkOf(t *testing.T) valkey.Client {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	return vk
}

// A scrape reads the poller's latest snapshot: however many come, the
// server is not read once more.
func TestScrapesDoNotReadTheServer(t *testing.T) {
	c := client(t, "test")
	p := poller(t, c)
	url := exporter(t, Sources{Stats: p, Desk: &desk{}})
	refreshed(t, p)
	before := p.Reads()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if got := scrape(t, url); got["reviewq_up"] != 1 {
					t.Errorf("reviewq_up = %v", got["reviewq_up"])
				}
			}
		}()
	}
	wg.Wait()
	if after := p.Reads(); after != before {
		t.Fatalf("100 scrapes made %d reads of the server", after-before)
	}
}

// snapshots is a Stats of fixed snapshots, for what the desk's reads
// cannot be made to do on demand: fail, or not know the lag.
type snapshots struct {
	snap statsfeed.Snapshot
	ok   bool
}

func (s snapshots) Latest() (statsfeed.Snapshot, bool) { return s.snap, s.ok }

func collect(t *testing.T, st Stats, now time.Time) map[string]float64 {
	t.Helper()
	return scrape(t, exporter(t, Sources{Stats: st, Desk: &desk{}, Now: func() time.Time { return now }}))
}

func TestNumbersTheDeskDoesNotHaveAreLeftOut(t *testing.T) {
	now := time.Now()
	queueGauges := []string{"reviewq_stream_length", "reviewq_pending", "reviewq_lag", "reviewq_dead_letters", "reviewq_oldest_unclaimed_seconds"}
	absent := func(got map[string]float64, names ...string) {
		t.Helper()
		for _, n := range names {
			if v, ok := got[n]; ok {
				t.Errorf("%s = %v, want it left out", n, v)
			}
		}
	}

	// Before the first read: no numbers, up 0, sessions and counts still.
	got := collect(t, snapshots{}, now)
	expect(t, got, map[string]float64{"reviewq_up": 0, "reviewq_sessions": 0, "reviewq_desk_acks_total": 0})
	absent(got, append(queueGauges, "reviewq_stats_age_seconds")...)

	good := statsfeed.Snapshot{
		Stats:   queue.Stats{Length: 10, Group: queue.GroupInfo{Pending: 2, Lag: -1}, OldestUnclaimed: -1},
		At:      now.Add(-time.Second),
		StatsAt: now.Add(-time.Second),
	}
	// The lag unknown (-1): left out, never the length; every entry
	// claimed (-1): 0.
	got = collect(t, snapshots{good, true}, now)
	expect(t, got, map[string]float64{"reviewq_up": 1, "reviewq_stream_length": 10, "reviewq_pending": 2,
		"reviewq_oldest_unclaimed_seconds": 0, "reviewq_stats_age_seconds": 1})
	absent(got, "reviewq_lag")

	// The latest read failed: the last numbers are stale, so they are left
	// out; up says so and the age says since when.
	failed := good
	failed.Err, failed.At = errors.New("connection refused"), now
	failed.StatsAt = now.Add(-90 * time.Second)
	got = collect(t, snapshots{failed, true}, now)
	expect(t, got, map[string]float64{"reviewq_up": 0, "reviewq_stats_age_seconds": 90})
	absent(got, queueGauges...)
}

// Consumer names are whatever programs on the stream chose: one that is
// not UTF-8 still makes a valid scrape.
func TestAnyConsumerNameMakesAValidScrape(t *testing.T) {
	snap := statsfeed.Snapshot{StatsAt: time.Now(), Stats: queue.Stats{Consumers: []queue.ConsumerInfo{
		{Name: "a\xffb", Pending: 1}, {Name: "a\xfeb", Pending: 2}, {Name: `quote"and\back`, Pending: 3}, {Name: "idle", Pending: 0},
	}}}
	got := collect(t, snapshots{snap, true}, time.Now())
	expect(t, got, map[string]float64{
		"reviewq_consumer_pending{consumer=\"a\uFFFDb\"}":       3, // two names, one series
		`reviewq_consumer_pending{consumer="quote\"and\\back"}`: 3,
	})
	for k := range got {
		if strings.Contains(k, `"idle"`) {
			t.Fatalf("a consumer that holds nothing: %s", k)
		}
	}
}

// The names, types and help pass Prometheus's own lint.
func TestTheMetricsPassPromlint(t *testing.T) {
	snap := statsfeed.Snapshot{StatsAt: time.Now(), Stats: queue.Stats{Length: 1, Group: queue.GroupInfo{Lag: 1},
		Consumers: []queue.ConsumerInfo{{Name: "alice", Pending: 1}}}}
	problems, err := testutil.CollectAndLint(NewCollector(Sources{Stats: snapshots{snap, true}, Desk: &desk{}, MaxSessions: 50}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// Only /metrics (and a line at /) is served: not the profiler that
// net/http/pprof registers on http.DefaultServeMux.
func TestTheMetricsAddressServesNothingElse(t *testing.T) {
	url := exporter(t, Sources{Stats: snapshots{}, Desk: &desk{}})
	for path, want := range map[string]int{"/": 200, "/debug/pprof/": 404, "/debug/pprof/cmdline": 404, "/metricsx": 404} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %s, want %d", path, resp.Status, want)
		}
	}
	resp, err := http.Post(url+"/metrics", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %s", resp.Status)
	}
}

func TestABadAddressFailsAtOnce(t *testing.T) {
	for _, addr := range []string{"nonsense", "127.0.0.1:99999", "192.0.2.1:80"} {
		if s, err := Listen(addr, Sources{}, slog.Default()); err == nil {
			_ = s.l.Close()
			t.Errorf("Listen(%q) did not fail", addr)
		}
	}
}

// A killed server is reviewq_up 0 at the desk's next probe, long before a
// read would give up on it; back, it is 1 again after one read.
func TestUpFollowsTheServerAtOnce(t *testing.T) {
	own := testserver.StartT(t)
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: own.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	c, err := queue.New(vk, queue.Config{Stream: "metrics:up", Consumer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	p := poller(t, c)
	url := exporter(t, Sources{Stats: p, Desk: &desk{}})
	refreshed(t, p)
	expect(t, scrape(t, url), map[string]float64{"reviewq_up": 1})

	own.Kill()
	reads := p.Reads()
	waitScrape(t, url, "reviewq_up", 0)
	if p.Reads() != reads {
		t.Fatal("a read told it, not the probe")
	}
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	waitScrape(t, url, "reviewq_up", 1)
}

// waitScrape scrapes until name has the value want.
func waitScrape(t *testing.T, url, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, ok := scrape(t, url)[name]
		if ok && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v (present %v), want %v", name, got, ok, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
