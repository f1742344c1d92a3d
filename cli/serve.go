package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/metrics"
	"github.com/reviewq/reviewq/sshd"
	"github.com/reviewq/reviewq/statsfeed"
)

// serveOptions are the serve command's own flags.
type serveOptions struct {
	addr           string
	authorizedKeys string
	allowAnonymous bool
	hostKey        string
	consumerPrefix string
	readOnly       bool
	readOnlyUsers  []string
	maxSessions    int
	maxPerUser     int
	idleTimeout    time.Duration
	pprof          string
	metrics        string
	maxSize        string
	retention      string
	deadRetention  string
}

// anonymousHost is where an anonymous desk listens unless --ssh says
// otherwise: a demo is for this machine until someone decides it is not.
const anonymousHost = "127.0.0.1"

func (a *app) serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve --ssh ADDR",
		Short: "Serve the console over SSH, one console per session",
		Long: fmt.Sprintf(`Serve the console over SSH: every session that opens a terminal gets its own
console and claims as its SSH user name (with --consumer-prefix before it);
--consumer is not used. A key logs in only as the user its line in
--authorized-keys names ("ssh-ed25519 AAAA… alice"; reviewq serve keys add
writes such lines); the file is read at every login. --allow-anonymous lets
anyone in as any name, and then listens on 127.0.0.1 unless --ssh is given.
The host key is created on first start and kept.

A session renders at most --max-size (%s), however large the client's
terminal: the rest of its screen stays blank. A larger maximum costs memory
on every session (%.1f MiB each at 200x60, against %.0f MiB at %s). One user
holds at most --max-sessions-per-user sessions.

--metrics ADDR serves Prometheus metrics at http://ADDR/metrics: the queue's
numbers as the desk last read them (a scrape never reads the server), the
open sessions and the claims and acks made through the desk.

--retention AGE (30d, 720h) trims the stream at start and every 5 minutes as
reviewq trim --before AGE --yes does: only messages every group is done with
go, with their outcome records. --dead-retention AGE does the same for dead
letters. Of several desks on one stream one at a time does it (a lock key
that expires by itself), and each run that removed something is logged.

On SIGINT or SIGTERM every session is told and closed; nothing is acked, and
the log lists what each consumer still holds.`, sshd.DefaultMaxSize,
			float64(sshd.SessionMemoryAt(sshd.Size{Width: 200, Height: 60}))/(1<<20),
			float64(sshd.SessionMemoryAt(sshd.DefaultMaxSize))/(1<<20), sshd.DefaultMaxSize),
		Example: `  reviewq serve keys add alice alice_id_ed25519.pub
  reviewq serve --ssh :23234 --url redis://localhost:6379 --metrics 127.0.0.1:9299
  ssh -p 23234 alice@localhost

  reviewq serve --allow-anonymous --embedded     # a demo on 127.0.0.1: anyone, sample messages, nothing kept`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd, o) },
	}
	cmd.PersistentFlags().StringVar(&o.authorizedKeys, "authorized-keys", "reviewq_authorized_keys",
		"authorized_keys file: each key and the user it logs in as; must be readable unless --allow-anonymous")
	cmd.AddCommand(a.keysCommand(&o))
	f := cmd.Flags()
	f.StringVar(&o.addr, "ssh", ":23234", "address to listen on for SSH (127.0.0.1:23234 with --allow-anonymous)")
	f.BoolVar(&o.allowAnonymous, "allow-anonymous", false, "let anyone in, with any key or none, as any name (demos only)")
	f.StringVar(&o.hostKey, "host-key", "reviewq_host_ed25519", "host key file, created (ed25519, 0600) when missing")
	f.StringVar(&o.consumerPrefix, "consumer-prefix", "", `put this before each SSH user name to make its consumer name (e.g. "desk:")`)
	f.BoolVar(&o.readOnly, "read-only", false, "every session browses only: no claim, ack, release, dead-letter or compose")
	f.StringSliceVar(&o.readOnlyUsers, "read-only-users", nil, "these users browse only (comma-separated, matched exactly)")
	f.IntVar(&o.maxSessions, "max-sessions", sshd.DefaultMaxSessions, "sessions open at once; one more is turned away")
	f.IntVar(&o.maxPerUser, "max-sessions-per-user", sshd.DefaultMaxSessionsPerUser, "sessions one user may hold at once; one more is turned away")
	f.StringVar(&o.maxSize, "max-size", sshd.DefaultMaxSize.String(), fmt.Sprintf(
		"the largest terminal a session renders at, `WIDTHxHEIGHT` from %dx%d to %dx%d; memory per session grows with it",
		sshd.LeastMaxWidth, sshd.LeastMaxHeight, sshd.MostMaxWidth, sshd.MostMaxHeight))
	f.DurationVar(&o.idleTimeout, "idle-timeout", sshd.DefaultIdleTimeout, "close a session after this long without a key press; 0 never")
	f.StringVar(&o.pprof, "pprof", "", "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; no authentication, keep it on loopback")
	f.StringVar(&o.retention, "retention", "", "every 5 minutes remove the messages older than this `AGE` (30d, 720h) that every group is done with")
	f.StringVar(&o.deadRetention, "dead-retention", "", "every 5 minutes remove the dead letters older than this `AGE` (90d)")
	f.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics, e.g. :9299 (queue numbers, sessions, the desk's claims and acks); no authentication")
	return cmd
}

func (a *app) serve(cmd *cobra.Command, o serveOptions) error {
	if o.maxSessions < 1 {
		return userErrorf("--max-sessions must be at least 1")
	}
	if o.maxPerUser < 1 {
		return userErrorf("--max-sessions-per-user must be at least 1")
	}
	if o.idleTimeout < 0 {
		return userErrorf("--idle-timeout cannot be negative")
	}
	maxSize, err := sshd.ParseSize(o.maxSize)
	if err == nil {
		err = sshd.CheckMaxSize(maxSize)
	}
	if err != nil {
		return userErrorf("--max-size %s: %v", o.maxSize, err)
	}
	var keep retention
	for _, f := range []struct {
		flag, value string
		age         *time.Duration
	}{{"--retention", o.retention, &keep.messages}, {"--dead-retention", o.deadRetention, &keep.deadLetters}} {
		if f.value == "" {
			continue
		}
		if *f.age, err = parseAge(f.value); err != nil || *f.age == 0 {
			return userErrorf("%s %s: write an age such as 30d or 720h", f.flag, f.value)
		}
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	if o.allowAnonymous {
		if !cmd.Flags().Changed("ssh") {
			_, port, err := net.SplitHostPort(o.addr)
			if err != nil {
				return usageError{fmt.Errorf("--ssh %s: %w", o.addr, err)}
			}
			o.addr = net.JoinHostPort(anonymousHost, port)
			fmt.Fprintf(a.stderr, "reviewq: warning: --allow-anonymous: anyone on this machine gets the console, as any name, on %s (--ssh :%s opens it to the network)\n", o.addr, port)
		} else {
			fmt.Fprintln(a.stderr, "reviewq: warning: --allow-anonymous: anyone who can reach", o.addr, "gets the console, as any name")
		}
	} else if _, err := os.Stat(o.authorizedKeys); err != nil {
		return usageError{fmt.Errorf("cannot read the authorized-keys file (%w): create it with a key per reviewer (reviewq serve keys add alice alice.pub --authorized-keys %s), or pass --allow-anonymous for a demo", err, o.authorizedKeys)}
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal starts a clean shutdown; a second one kills.
		<-ctx.Done()
		stop()
	}()

	// One client for every session; the embedded server is allowed, as
	// for the console, since demos are what anonymous desks are for.
	if err := a.prepare(ctx); err != nil {
		return err
	}
	dialCtx, cancel := context.WithTimeout(ctx, a.opts.timeout+2*time.Second)
	s, err := a.opts.connect(dialCtx, true)
	cancel()
	if err != nil {
		return err
	}
	defer s.Close()
	if s.embedded {
		log.Warn("embedded in-memory server with sample messages: nothing is kept after exit", "addr", s.server)
	}

	idle := o.idleTimeout
	if idle == 0 {
		idle = -1 // sshd's zero means its default
	}
	// The desk's numbers are read once for every session; anything else
	// serve shows them with reads the same poller.
	stats := statsfeed.New(s.client, statsfeed.Options{Timeout: a.opts.timeout})
	go stats.Run(ctx)
	if keep.messages > 0 || keep.deadLetters > 0 {
		keep.client, keep.log, keep.now = s.client, log, time.Now
		keep.every, keep.lockTTL, keep.holder, keep.timeout = retentionEvery, retentionLockTTL, deskName(), a.opts.timeout
		done := make(chan struct{})
		go func() { defer close(done); keep.run(ctx) }()
		defer func() {
			// However serve ends: the run stops, and releases the lock
			// before the client closes.
			stop()
			<-done
		}()
	}
	srv, err := sshd.New(sshd.Config{
		Client: s.client, Server: s.server, Embedded: s.embedded, Stats: stats,
		ConsumerPrefix: o.consumerPrefix, ReadOnly: o.readOnly, ReadOnlyUsers: o.readOnlyUsers,
		AuthorizedKeys: o.authorizedKeys, AllowAnonymous: o.allowAnonymous, HostKey: o.hostKey,
		MaxSessions: o.maxSessions, MaxSessionsPerUser: o.maxPerUser, IdleTimeout: idle, Logger: log,
		MaxSize: maxSize, MemoryPerSession: memoryPerSession(maxSize),
		Profile: a.cfg.choice.Name, Theme: a.cfg.file.Styles(),
	})
	if err != nil {
		return usageError{err}
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageError{fmt.Errorf("listen on %s: %w", o.addr, err)}
	}
	if o.metrics != "" {
		// Scrapes read the desk's numbers as the sessions get them (the
		// one poller), never the server.
		ms, err := metrics.Listen(o.metrics, metrics.Sources{Stats: stats, Desk: srv, MaxSessions: o.maxSessions}, log)
		if err != nil {
			_ = l.Close()
			return usageError{fmt.Errorf("--metrics %s: %w", o.metrics, err)}
		}
		metricsCtx, stopMetrics := context.WithCancel(ctx)
		metricsDone := make(chan struct{})
		go func() {
			defer close(metricsDone)
			if err := ms.Run(metricsCtx); err != nil {
				log.Error("metrics server", "err", err)
			}
		}()
		defer func() { stopMetrics(); <-metricsDone }()
	}
	if o.pprof != "" {
		stopProfiler, err := serveProfiler(o.pprof, log)
		if err != nil {
			_ = l.Close()
			return usageError{err}
		}
		defer stopProfiler()
	}
	err = srv.Serve(ctx, l)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// serveProfiler serves net/http/pprof on addr, on a mux of its own, until
// the returned func is called. Importing net/http/pprof also registers its
// handlers on http.DefaultServeMux: nothing in reviewq may serve that mux
// (a metrics endpoint included), or it would publish the profiler too.
func serveProfiler(addr string, log *slog.Logger) (func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Warn("serving the Go profiler (no authentication)", "addr", l.Addr().String())
	go func() { _ = hs.Serve(l) }()
	return func() { _ = hs.Close() }, nil
}

// memoryPerSession is the desk's memory budget per session at the largest
// size a session renders at, unless the operator set the process's limit
// with GOMEMLIMIT.
func memoryPerSession(most sshd.Size) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	return sshd.SessionMemoryAt(most)
}
