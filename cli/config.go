// Package cli is reviewq's command line: the console, the scriptable
// commands and the SSH server, over one configuration.
package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/reviewq/reviewq/embedded"
	"github.com/reviewq/reviewq/queue"
)

// options are the flags every command shares.
type options struct {
	url           string
	tls           bool
	caFile        string
	insecure      bool
	stream        string
	group         string
	consumer      string
	deadStream    string
	reclaimAfter  time.Duration
	retryBackoff  time.Duration
	retryMax      time.Duration
	maxDeliveries int
	maxLen        int64
	waitReplicas  int
	timeout       time.Duration
	embedded      bool
	readOnly      bool
	// endpoint is a profile's host:port, where $VALKEY_ENDPOINT would be.
	endpoint string
}

func (o *options) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.url, "url", "", "server URL: valkey://, valkeys://, redis:// or rediss:// with user, password, db (default $VALKEY_URL, or $VALKEY_ENDPOINT as host:port)")
	fs.BoolVar(&o.tls, "tls", false, "use TLS with $VALKEY_ENDPOINT (a URL says it with valkeys:// or rediss://)")
	fs.StringVar(&o.caFile, "ca-file", "", "PEM file of certificate authorities to trust for TLS")
	fs.BoolVar(&o.insecure, "insecure", false, "skip TLS certificate verification (self-signed demos only)")
	fs.StringVar(&o.stream, "stream", queue.DefaultStream, "stream key")
	fs.StringVar(&o.group, "group", queue.DefaultGroup, "consumer group (created at the stream's start when missing)")
	fs.StringVar(&o.consumer, "consumer", defaultConsumer(), "consumer name: who claims")
	fs.StringVar(&o.deadStream, "dead-stream", "", "dead-letter stream (default <stream>:dead)")
	fs.DurationVar(&o.reclaimAfter, "reclaim-after", queue.DefaultReclaimAfter, "a pending message idle this long may be reclaimed by another reviewer")
	fs.DurationVar(&o.retryBackoff, "retry-backoff", 0, "a released or reclaimed message waits this × 2^(deliveries−1) out of everyone's reach before it is offered again, e.g. 30s; 0 offers it again at once")
	fs.DurationVar(&o.retryMax, "retry-backoff-max", queue.DefaultRetryBackoffMax, "the longest a message waits before a retry (--retry-backoff)")
	fs.IntVar(&o.maxDeliveries, "max-deliveries", queue.DefaultMaxDeliveries, "dead-letter a message instead of delivering it more often than this; 0 disables")
	fs.Int64Var(&o.maxLen, "maxlen", 0, "trim the stream to about this many entries on add (XADD MAXLEN ~); 0 never trims")
	fs.IntVar(&o.waitReplicas, "wait-replicas", 0, "an add (add, Compose) succeeds only once this many replicas have it (WAIT, up to half of --timeout); 0 does not wait, and a failover may lose an add the primary acknowledged")
	fs.DurationVar(&o.timeout, "timeout", queue.DefaultTimeout, "deadline of every server call")
	fs.BoolVar(&o.embedded, "embedded", false, "use the embedded in-memory server with sample messages (nothing is kept)")
	fs.BoolVar(&o.readOnly, "read-only", false, "browse only: the console cannot claim, ack, release, dead-letter or compose, and commands that change the queue refuse")
}

// defaultConsumer is stable per reviewer: $USER@$HOSTNAME.
func defaultConsumer() string {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "reviewer"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return name
	}
	return name + "@" + host
}

func (o *options) config() queue.Config {
	maxDeliveries := o.maxDeliveries
	if maxDeliveries == 0 {
		maxDeliveries = -1 // the flag's 0 means "never"; queue's 0 means "default"
	}
	return queue.Config{
		Stream: o.stream, Group: o.group, Consumer: o.consumer, DeadStream: o.deadStream,
		ReclaimAfter: o.reclaimAfter, MaxDeliveries: maxDeliveries, MaxLen: o.maxLen, Timeout: o.timeout,
		WaitReplicas: o.waitReplicas, RetryBackoff: o.retryBackoff, RetryBackoffMax: o.retryMax,
	}
}

// serverOptions reads --url (or the profile's url), then the profile's
// endpoint, then $VALKEY_URL, then $VALKEY_ENDPOINT. configured is false
// when none of them is set.
func (o *options) serverOptions() (so queue.ServerOptions, configured bool) {
	so = queue.ServerOptions{TLS: o.tls, CAFile: o.caFile, InsecureSkipVerify: o.insecure, DialTimeout: o.timeout}
	switch {
	case o.url != "":
		so.URL = o.url
	case o.endpoint != "":
		so.Endpoint = o.endpoint
	case os.Getenv("VALKEY_URL") != "":
		so.URL = os.Getenv("VALKEY_URL")
	case os.Getenv("VALKEY_ENDPOINT") != "":
		so.Endpoint = os.Getenv("VALKEY_ENDPOINT")
	default:
		so.Endpoint = "localhost:6379"
		return so, false
	}
	return so, true
}

// checkURL turns a server address given where a URL belongs (--url
// 127.0.0.1:6411) into the URL to write instead of the URL parser's "first
// path segment in URL cannot contain colon". A value with a user name or
// password in it is not repeated.
func (o *options) checkURL() error {
	flag, value := "--url ", o.url
	if value == "" {
		flag, value = "VALKEY_URL=", os.Getenv("VALKEY_URL")
	}
	if value == "" || strings.Contains(value, "://") {
		return nil
	}
	if strings.Contains(value, "@") {
		return userErrorf("%s is not a URL: write %sredis://user:password@host:port (rediss:// for TLS)", strings.TrimSpace(strings.TrimSuffix(flag, "=")), flag)
	}
	return userErrorf("%s%s is not a URL: write %sredis://%s (rediss:// for TLS)", flag, value, flag, value)
}

// session is a connected client and what to close afterwards.
type session struct {
	client   *queue.Client
	server   string
	embedded bool
	closers  []func()
}

func (s *session) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// errNoServer is returned to scripts when nothing is configured and nothing
// listens on localhost:6379: an embedded server would lose what they write.
var errNoServer = errors.New("no server configured and nothing listens on localhost:6379: set --url, VALKEY_URL or VALKEY_ENDPOINT")

// connect opens the configured server and creates the consumer group when
// it is missing. allowEmbedded lets the console fall back to the in-memory
// server with samples when nothing is configured and nothing answers on
// localhost:6379.
func (o *options) connect(ctx context.Context, allowEmbedded bool) (*session, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	so, configured := o.serverOptions()
	if allowEmbedded && (o.embedded || (!configured && !listening(so.Endpoint))) {
		if o.waitReplicas > 0 {
			return nil, userErrorf("--wait-replicas %d: the embedded server has no replicas (give a server with --url)", o.waitReplicas)
		}
		return o.startEmbedded(ctx)
	}
	s, err := o.dial(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.client.EnsureGroup(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// validate checks the options no server is needed to judge.
func (o *options) validate() error {
	if err := o.checkURL(); err != nil {
		return err
	}
	if o.waitReplicas < 0 {
		return userErrorf("--wait-replicas cannot be negative")
	}
	if o.retryBackoff < 0 || o.retryMax < time.Millisecond {
		return userErrorf("--retry-backoff cannot be negative, nor --retry-backoff-max less than a millisecond")
	}
	return nil
}

// dial connects a command to the configured server (never the embedded
// one) and sends nothing yet: claim leaves the group to its script, so
// that a claim is one command after connecting.
func (o *options) dial(ctx context.Context) (*session, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.embedded {
		return nil, usageError{errors.New("--embedded is for the console; a command's writes would vanish with it")}
	}
	so, configured := o.serverOptions()
	if !configured && !listening(so.Endpoint) {
		return nil, usageError{errNoServer}
	}
	vk, err := queue.Dial(ctx, so)
	if err != nil {
		return nil, err
	}
	c, err := queue.New(vk, o.config())
	if err != nil {
		vk.Close()
		return nil, err
	}
	return &session{client: c, server: so.Addr(), closers: []func(){vk.Close}}, nil
}

func (o *options) startEmbedded(ctx context.Context) (*session, error) {
	scene, err := sceneClock()
	if err != nil {
		return nil, err
	}
	cfg := o.config()
	var srv *embedded.Server
	if scene.IsZero() {
		srv, err = embedded.Start()
	} else {
		srv, err = embedded.StartFrozen(embedded.SceneAddr, scene)
		cfg.Now = func() time.Time { return scene }
	}
	if err != nil {
		return nil, err
	}
	s := &session{server: srv.Addr(), embedded: true, closers: []func(){srv.Close}}
	vk, err := queue.Dial(ctx, srv.Options())
	if err != nil {
		s.Close()
		return nil, err
	}
	s.closers = append(s.closers, vk.Close)
	if s.client, err = queue.New(vk, cfg); err == nil {
		if err = s.client.EnsureGroup(ctx); err == nil {
			if scene.IsZero() {
				err = srv.Seed(ctx, s.client)
			} else {
				err = srv.SeedScene(ctx, s.client.Config())
			}
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sceneClockEnv is for `make screenshots` only (internal/screenshots), not
// a user setting: set to an RFC 3339 time, the embedded default runs the
// scene of the pictures (embedded.SeedScene) instead of the samples alone,
// on a clock that stands still at that time (the queue's and so the
// console's), at embedded.SceneAddr, so that every run draws the same
// pictures.
const sceneClockEnv = "REVIEWQ_SCREENSHOT_CLOCK"

// sceneClock is sceneClockEnv's time; zero when it is not set.
func sceneClock() (time.Time, error) {
	v := os.Getenv(sceneClockEnv)
	if v == "" {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, userErrorf("%s=%q: not an RFC 3339 time (2026-11-23T10:30:00Z)", sceneClockEnv, v)
	}
	return at, nil
}

// listening tells whether something accepts connections at addr, quickly.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// usageError is the user's mistake: exit code 1.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// reportedError is a user error already told on stderr, line by line:
// exit 1, and nothing more is said.
type reportedError struct{ error }

func (e reportedError) Unwrap() error { return e.error }

// ExitCode maps an error to the documented exit codes: 0 success, 1 user
// error, 2 server error.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case queue.IsServerSide(err):
		return 2
	}
	return 1
}

// userErrorf is a one-line user error.
func userErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
