// Package metrics serves the SSH desk's numbers in the Prometheus text
// format (reviewq serve --metrics ADDR).
//
// A scrape never calls the queue's server: the queue's numbers are the
// desk's one stats poller's latest snapshot (statsfeed), the sessions and
// the counts of claims and acks are the desk's own, all read when the
// scrape comes and turned into constant metrics then. So however often
// Prometheus scrapes, and however many scrape, the server sees the desk's
// one read every two seconds; and a consumer that no longer holds anything
// is simply not in the next scrape, rather than a series kept at its last
// value.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/reviewq/reviewq/sshd"
	"github.com/reviewq/reviewq/statsfeed"
)

// Stats is where the queue's numbers come from: the desk's poller
// (*statsfeed.Poller).
type Stats interface {
	// Latest is the newest snapshot; false before the first read.
	Latest() (statsfeed.Snapshot, bool)
}

// Desk is the SSH desk (*sshd.Server).
type Desk interface {
	Sessions() int
	Counts() sshd.Counts
}

// Sources are what a scrape reads.
type Sources struct {
	Stats       Stats
	Desk        Desk
	MaxSessions int              // the desk's --max-sessions; left out when zero
	Now         func() time.Time // time.Now when nil; the age of the numbers is taken from it
}

// Collector is the desk's metrics as a prometheus.Collector.
type Collector struct {
	src Sources

	up, age, info                                       *prometheus.Desc
	length, pending, lag, dead, oldest, consumerPending *prometheus.Desc
	scheduled, snoozed, waiting                         *prometheus.Desc
	sessions, maxSessions                               *prometheus.Desc
	claims, acks, releases, deadLettered                *prometheus.Desc
}

// NewCollector makes the collector of src; register it on a registry of
// its own (Listen does).
func NewCollector(src Sources) *Collector {
	if src.Now == nil {
		src.Now = time.Now
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("reviewq_"+name, help, labels, nil)
	}
	return &Collector{
		src: src,
		up:  d("up", "1 when the desk's latest read of the queue's numbers succeeded and the server has answered every probe since (once a second), 0 when a read or a probe failed or no read has finished yet; the queue's gauges are left out while it is 0."),
		age: d("stats_age_seconds", "Seconds since the queue's numbers were last read successfully (the desk reads them every 2 s, and within a second after a change it made)."),
		info: d("queue_info", "The stream, consumer group and dead-letter stream the numbers are of; always 1.",
			"stream", "group", "dead_stream"),
		length:  d("stream_length", "Entries in the stream (XLEN)."),
		pending: d("pending", "Entries delivered to a consumer and not yet acknowledged."),
		lag:     d("lag", "Entries not yet delivered to any consumer; left out when the server cannot tell."),
		dead:    d("dead_letters", "Entries in the dead-letter stream."),
		oldest:  d("oldest_unclaimed_seconds", "Age of the oldest entry nobody has claimed yet, from its ID's time; 0 when every entry has been claimed."),
		consumerPending: d("consumer_pending", "Entries each consumer holds (delivered, not acknowledged); consumers that hold nothing are left out.",
			"consumer"),
		scheduled:    d("scheduled", "Messages added for later (add --delay/--at), not in the stream until they are due."),
		snoozed:      d("snoozed", "Messages reviewers snoozed: out of the pending list and of everyone's claims until they are due."),
		waiting:      d("waiting", "Messages released or reclaimed that back off before their retry (--retry-backoff), out of everyone's claims until they are due."),
		sessions:     d("sessions", "Open SSH sessions."),
		maxSessions:  d("max_sessions", "The most SSH sessions the desk lets open at once (--max-sessions)."),
		claims:       d("desk_claims_total", "Messages handed to a reviewer through the desk: claim next (c, and the claim of A) and claims from Pending; an empty queue is not a claim."),
		acks:         d("desk_acks_total", "Entries acknowledged through the desk (a, and the ack of A); an ack of an entry no longer pending is not counted."),
		releases:     d("desk_releases_total", "Messages released back to the queue through the desk (r)."),
		deadLettered: d("desk_dead_letters_total", "Messages a reviewer dead-lettered through the desk (x); not those a claim moved past the max deliveries."),
	}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.age, c.info, c.length, c.pending, c.lag, c.dead, c.oldest,
		c.consumerPending, c.scheduled, c.snoozed, c.waiting, c.sessions, c.maxSessions, c.claims, c.acks, c.releases, c.deadLettered} {
		ch <- d
	}
}

// Collect reads the sources as they are now; it calls no server.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}

	gauge(c.sessions, float64(c.src.Desk.Sessions()))
	if c.src.MaxSessions > 0 {
		gauge(c.maxSessions, float64(c.src.MaxSessions))
	}
	n := c.src.Desk.Counts()
	counter(c.claims, n.Claims)
	counter(c.acks, n.Acks)
	counter(c.releases, n.Releases)
	counter(c.deadLettered, n.DeadLetters)

	snap, ok := c.src.Stats.Latest()
	if !snap.StatsAt.IsZero() {
		gauge(c.age, max(c.src.Now().Sub(snap.StatsAt).Seconds(), 0))
	}
	if !ok || snap.Err != nil || snap.StatsAt.IsZero() {
		// No numbers, or only stale ones: an alert on the queue's gauges
		// must not act on numbers the desk could not read, so they are
		// left out and reviewq_up says why.
		gauge(c.up, 0)
		return
	}
	gauge(c.up, 1)
	st := snap.Stats
	gauge(c.info, 1, validLabel(st.Stream), validLabel(st.Group.Name), validLabel(st.DeadStream))
	gauge(c.length, float64(st.Length))
	gauge(c.pending, float64(st.Group.Pending))
	if st.Group.Lag >= 0 {
		gauge(c.lag, float64(st.Group.Lag))
	}
	gauge(c.dead, float64(st.DeadLength))
	gauge(c.oldest, max(st.OldestUnclaimed.Seconds(), 0))
	gauge(c.scheduled, float64(st.Scheduled))
	gauge(c.snoozed, float64(st.Snoozed))
	gauge(c.waiting, float64(st.Waiting))

	// Consumer names are whatever the programs on the stream chose; two
	// that are the same once made valid UTF-8 are one series, summed.
	held := map[string]int64{}
	for _, ci := range st.Consumers {
		if ci.Pending > 0 {
			held[validLabel(ci.Name)] += ci.Pending
		}
	}
	for name, p := range held {
		gauge(c.consumerPending, float64(p), name)
	}
}

// validLabel makes s a valid label value (UTF-8), which a consumer or
// stream name need not be.
func validLabel(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// registry is a registry with the desk's metrics, Go's runtime metrics,
// the process's (CPU, memory, file descriptors) and the build's.
func registry(src Sources) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(src),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return reg
}

// handler serves reg at /metrics, and a line saying so at /; nothing else.
func handler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	mux := http.NewServeMux() // never http.DefaultServeMux: serve's --pprof registers the profiler there
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// A collector that fails (the process's, say) costs its own
		// metrics, not the queue's.
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg,
		MaxRequestsInFlight: maxScrapesInFlight,
		Timeout:             scrapeTimeout,
	})))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "reviewq desk metrics: /metrics")
	})
	return mux
}

// A scrape reads memory only, so it is quick; these bound what many
// scrapers at once, or slow ones, can make the desk do.
const (
	maxScrapesInFlight = 4
	scrapeTimeout      = 10 * time.Second
	shutdownTimeout    = 5 * time.Second
)

// Server serves the metrics on an address of its own.
type Server struct {
	l   net.Listener
	hs  *http.Server
	log *slog.Logger
}

// Listen binds addr, so that a bad or taken address fails when serve
// starts, not later; Run serves.
func Listen(addr string, src Sources, log *slog.Logger) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{l: l, log: log, hs: &http.Server{
		Handler: handler(registry(src), log),
		// A scraper sends a small GET and reads a few dozen KiB: whatever
		// takes longer is not one.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      scrapeTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}, nil
}

// Addr is where it listens.
func (s *Server) Addr() net.Addr { return s.l.Addr() }

// Run serves until ctx is done, then lets the scrapes in flight finish
// (for a few seconds at most) and returns.
func (s *Server) Run(ctx context.Context) error {
	s.log.Info("serving metrics", "addr", s.l.Addr().String(), "path", "/metrics")
	served := make(chan error, 1)
	go func() { served <- s.hs.Serve(s.l) }()
	select {
	case err := <-served:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.hs.Shutdown(stop)
	if err != nil {
		_ = s.hs.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = nil // the scrapes cut short are the scrapers' to retry
	}
	return err
}
