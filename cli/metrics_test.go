package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
)

var metricsAt = regexp.MustCompile(`serving metrics" addr=(\S+)`)

// scrapeMetrics is one scrape of url: each sample's value by its name and
// labels as written, nil when the scrape failed.
func scrapeMetrics(url string) map[string]float64 {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				out[line[:i]] = v
			}
		}
	}
	return out
}

// TestServeMetrics runs `reviewq serve --metrics` end to end: what a
// reviewer does in an SSH session shows in the scrape, the queue's numbers
// as the desk's poller read them, and the endpoint goes with the desk.
func TestServeMetrics(t *testing.T) {
	ctx := context.Background()
	st := fmt.Sprintf("%s:%d", stream(t), time.Now().UnixNano()) // empty, whatever ran before
	d := startServe(t, st, "--ssh", "127.0.0.1:0", "--allow-anonymous", "--host-key", filepath.Join(t.TempDir(), "host"),
		"--metrics", "127.0.0.1:0")
	stderr := d.stderr
	sshAddr := listenAddr(t, stderr)
	var url string
	waitUntil(t, "the metrics to listen", func() bool {
		if m := metricsAt.FindStringSubmatch(stderr.String()); m != nil {
			url = "http://" + m[1] + "/metrics"
		}
		return url != ""
	})

	vk, err := queue.Dial(ctx, queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Close()
	q, err := queue.New(vk, queue.Config{Stream: st, Consumer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"apple", "quince", "mango"} {
		if _, err := q.AddContact(ctx, "Ada", "ada@example.org", w); err != nil {
			t.Fatal(err)
		}
	}

	var last map[string]float64
	scrapeShows := func(what string, want map[string]float64, gone ...string) {
		t.Helper()
		waitUntil(t, what+" in the scrape", func() bool {
			last = scrapeMetrics(url)
			if last == nil {
				return false
			}
			for k, v := range want {
				if g, ok := last[k]; !ok || g != v {
					return false
				}
			}
			for _, k := range gone {
				if _, ok := last[k]; ok {
					return false
				}
			}
			return true
		})
	}
	scrapeShows("the stream", map[string]float64{"reviewq_up": 1, "reviewq_stream_length": 3, "reviewq_lag": 3, "reviewq_pending": 0, "reviewq_sessions": 0, "reviewq_max_sessions": 50})

	screen, keys, conn := anonymousTerm(t, sshAddr, "guest")
	press := func(k string) {
		t.Helper()
		if _, err := keys.Write([]byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	shows := func(word string) {
		t.Helper()
		waitUntil(t, word+" on screen", func() bool { return strings.Contains(ansi.Strip(screen.String()), word) })
	}
	shows("q quit")
	scrapeShows("the session", map[string]float64{"reviewq_sessions": 1})

	const guest = `reviewq_consumer_pending{consumer="guest"}`
	press("c")
	shows("apple")
	scrapeShows("the claim", map[string]float64{"reviewq_desk_claims_total": 1, "reviewq_desk_acks_total": 0,
		guest: 1, "reviewq_pending": 1, "reviewq_lag": 2})
	press("A") // ack apple, claim quince
	shows("quince")
	scrapeShows("the ack and claim", map[string]float64{"reviewq_desk_claims_total": 2, "reviewq_desk_acks_total": 1,
		guest: 1, "reviewq_pending": 1, "reviewq_lag": 1})
	press("a")
	shows("acked")
	// guest holds nothing now: gone from the scrape, not left at 0.
	scrapeShows("the ack", map[string]float64{"reviewq_desk_claims_total": 2, "reviewq_desk_acks_total": 2,
		"reviewq_pending": 0, "reviewq_lag": 1, "reviewq_stream_length": 3}, guest)
	if age := last["reviewq_oldest_unclaimed_seconds"]; age <= 0 || age > 60 {
		t.Fatalf("mango waits for its first claim, yet reviewq_oldest_unclaimed_seconds = %v", age)
	}
	if age, ok := last["reviewq_stats_age_seconds"]; !ok || age > 10 {
		t.Fatalf("reviewq_stats_age_seconds = %v (present: %v)", age, ok)
	}

	press("q")
	scrapeShows("the session's end", map[string]float64{"reviewq_sessions": 0})
	_ = conn.Close() // or the desk's shutdown waits for it

	d.stop(t)
	if scrapeMetrics(url) != nil {
		t.Fatal("the metrics are still served after serve stopped")
	}
}

func TestServeRefusesABadMetricsAddress(t *testing.T) {
	r := run(t, "", "serve", "--allow-anonymous", "--ssh", "127.0.0.1:0", "--host-key", filepath.Join(t.TempDir(), "host"),
		"--metrics", "nonsense")
	if r.code != 1 || !strings.Contains(r.stderr, "--metrics nonsense") || strings.Contains(r.stderr, "serving the console") {
		t.Fatalf("--metrics nonsense: %+v", r)
	}
}
