// Package queue is reviewq's one Valkey stream client: typed operations on
// the contact-message stream, its consumer group and its dead-letter stream.
// It knows nothing of the terminal.
package queue

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/valkey-io/valkey-go"
)

// ServerOptions say how to reach the server.
type ServerOptions struct {
	// URL is valkey://, valkeys://, redis:// or rediss://, with optional
	// user, password and database number.
	URL string
	// Endpoint is host:port, the form the web example's VALKEY_ENDPOINT uses.
	// Ignored when URL is set.
	Endpoint string
	// TLS turns TLS on for Endpoint (URL says it with its scheme).
	TLS bool
	// CAFile is a PEM file of extra certificate authorities to trust.
	CAFile string
	// InsecureSkipVerify skips certificate verification (self-signed demos).
	InsecureSkipVerify bool
	// DialTimeout bounds connecting; DefaultTimeout when zero.
	DialTimeout time.Duration
	// Standalone connects to one server even when it answers cluster
	// commands. The embedded server (miniredis) answers CLUSTER SLOTS, so
	// valkey-go would take it for a one-node cluster and reviewq would name
	// the dead-letter stream "{contact-messages}:dead" there but
	// "contact-messages:dead" on a real standalone server.
	Standalone bool
}

// Addr is the server address as shown to the user (no password).
func (o ServerOptions) Addr() string {
	if o.URL != "" {
		if opt, err := valkey.ParseURL(o.URL); err == nil && len(opt.InitAddress) > 0 {
			scheme, _, _ := strings.Cut(o.URL, "://")
			addr := scheme + "://" + strings.Join(opt.InitAddress, ",")
			if opt.Sentinel.MasterSet != "" {
				addr += " (sentinel " + opt.Sentinel.MasterSet + ")"
			}
			return addr
		}
		return "(invalid URL)"
	}
	return o.Endpoint
}

// sentinelRefresh is how often a client through Sentinel asks which server
// is the primary, in case it missed a failover's notice (valkey-go
// recommends a few seconds).
const sentinelRefresh = 5 * time.Second

// ErrConfig marks a bad server option (a user error, not the server's).
var ErrConfig = errors.New("invalid server option")

// Dial connects to the server. valkey-go reconnects by itself afterwards, so
// a server restart in the middle of a session needs nothing from callers.
// valkey-go also detects a cluster and routes by slot.
func Dial(ctx context.Context, o ServerOptions) (valkey.Client, error) {
	opt, err := clientOption(o)
	if err != nil {
		return nil, opError("connect", ErrConfig, err)
	}
	timeout := o.DialTimeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opt.Dialer.Timeout = timeout
	opt.ConnWriteTimeout = timeout
	if opt.Sentinel.MasterSet != "" {
		// Through Sentinel (…?master_set=NAME&addr=S2&addr=S3): the
		// sentinels are dialled with the same deadline and TLS as the
		// primary, and asked for the primary now and then besides their
		// +switch-master notice, which a client that was away misses.
		opt.Sentinel.Dialer.Timeout = timeout
		if opt.TLSConfig != nil {
			opt.Sentinel.TLSConfig = opt.TLSConfig.Clone()
		}
		opt.Sentinel.TopologyRefreshInterval = sentinelRefresh
	}
	// Client-side caching is not used and the embedded server lacks it.
	opt.DisableCache = true
	opt.ForceSingleClient = o.Standalone
	opt.ClientName = "reviewq"

	type result struct {
		c   valkey.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := valkey.NewClient(opt)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, wrap("connect "+o.Addr(), r.err)
		}
		return r.c, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, wrap("connect "+o.Addr(), ctx.Err())
	}
}

func clientOption(o ServerOptions) (valkey.ClientOption, error) {
	var opt valkey.ClientOption
	switch {
	case o.URL != "":
		var err error
		if opt, err = valkey.ParseURL(o.URL); err != nil {
			return opt, err
		}
	case o.Endpoint != "":
		host, port, err := net.SplitHostPort(o.Endpoint)
		if err != nil {
			// The web example's endpoints are often a bare host name.
			host, port = o.Endpoint, "6379"
		}
		opt.InitAddress = []string{net.JoinHostPort(host, port)}
		if o.TLS {
			opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
		}
	default:
		return opt, errors.New("no server given: set --url, VALKEY_URL or VALKEY_ENDPOINT")
	}
	if o.CAFile != "" || o.InsecureSkipVerify {
		if opt.TLSConfig == nil {
			return opt, errors.New("--ca-file and --insecure need TLS (valkeys:// or rediss://)")
		}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return opt, err
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return opt, fmt.Errorf("%s: no PEM certificate in it", o.CAFile)
			}
			opt.TLSConfig.RootCAs = pool
		}
		opt.TLSConfig.InsecureSkipVerify = o.InsecureSkipVerify
	}
	return opt, nil
}

// Config names the stream, group and consumer a Client works on, and its
// policies. Zero values take the defaults.
type Config struct {
	Stream        string
	Group         string
	Consumer      string
	DeadStream    string        // "<stream>:dead" by default
	ReclaimAfter  time.Duration // a pending entry idle this long may be claimed by another
	MaxDeliveries int           // a delivery past this dead-letters the entry; 0: default, <0: never
	MaxLen        int64         // XADD MAXLEN ~ this; 0 never trims
	Timeout       time.Duration // deadline for a call whose context has none
	// OutcomeRetention is how long outcome records are kept, counted from
	// their entry's time, unless the stream trims the entry first:
	// DefaultOutcomeRetention when zero.
	OutcomeRetention time.Duration
	// WaitReplicas makes every add (AddContact, AddContactOnce, Add,
	// AddOnce, AddContacts) succeed only once this many replicas have the
	// entry: WAIT, in the add's own round trip. Fewer in time fail with
	// ErrNotReplicated, though the entry is on the primary. 0 does not
	// wait: an add the primary acknowledged is lost if it fails over
	// before a replica has it.
	WaitReplicas int
	// RetryBackoff turns the retry backoff on: a released message, or one
	// a claim finds abandoned past ReclaimAfter, waits RetryBackoff ×
	// 2^(deliveries−1), at most RetryBackoffMax
	// (DefaultRetryBackoffMax when zero), out of everyone's reach, before
	// it is offered again (see Release). 0 offers it again at once.
	RetryBackoff    time.Duration
	RetryBackoffMax time.Duration
	Now             func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.Consumer == "" {
		c.Consumer = "reviewq"
	}
	if c.DeadStream == "" {
		c.DeadStream = DeadStreamFor(c.Stream)
	}
	if c.ReclaimAfter <= 0 {
		c.ReclaimAfter = DefaultReclaimAfter
	}
	if c.MaxDeliveries == 0 {
		c.MaxDeliveries = DefaultMaxDeliveries
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.OutcomeRetention <= 0 {
		c.OutcomeRetention = DefaultOutcomeRetention
	}
	if c.RetryBackoff < 0 {
		c.RetryBackoff = 0
	}
	if c.RetryBackoffMax <= 0 {
		c.RetryBackoffMax = DefaultRetryBackoffMax
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Client works one stream and group as one consumer. It is safe for
// concurrent use; WithConsumer gives other consumers (SSH sessions) their
// own Client over the same connection pool.
type Client struct {
	vk  valkey.Client
	cfg Config
	// startKey is the hash where group starts are recorded (see
	// GroupInfo.Start).
	startKey string
	// outcomes and released are the group's outcome records and released
	// entries (outcomesKey, releasedKey), named once.
	outcomes, released string
	// The keys of the messages that wait (see lua/waiting.lua): the
	// group's waiting set and contents (waitingKey, snoozedKey,
	// backoffKey), the stream's scheduled set and contents (scheduledKey,
	// scheduledContentKey).
	waiting, snoozed, backoff, scheduled, scheduledContent string
}

// New wraps a connected valkey client. In a cluster the dead-letter stream
// must share the stream's slot, so the default one is then "{stream}:dead";
// an explicitly chosen one in another slot is refused.
func New(vk valkey.Client, cfg Config) (*Client, error) {
	explicitDead := cfg.DeadStream != ""
	cfg = cfg.withDefaults()
	cluster := vk.Mode() == valkey.ClientModeCluster
	if cluster {
		if !explicitDead {
			cfg.DeadStream = clusterDeadStreamFor(cfg.Stream)
		} else if keySlot(cfg.DeadStream) != keySlot(cfg.Stream) {
			return nil, opError("configure", ErrConfig, fmt.Errorf(
				"in a cluster the dead-letter stream %q must hash to the slot of %q (use a hash tag, e.g. %q)",
				cfg.DeadStream, cfg.Stream, clusterDeadStreamFor(cfg.Stream)))
		}
	}
	return &Client{vk: vk, cfg: cfg, startKey: groupStartKeyFor(cfg.Stream, cluster),
		outcomes: outcomesKey(cfg.Stream, cfg.Group), released: releasedKey(cfg.Stream, cfg.Group),
		waiting: waitingKey(cfg.Stream, cfg.Group), snoozed: snoozedKey(cfg.Stream, cfg.Group),
		backoff: backoffKey(cfg.Stream, cfg.Group), scheduled: scheduledKey(cfg.Stream),
		scheduledContent: scheduledContentKey(cfg.Stream)}, nil
}

// WithConsumer is the same client acting as another consumer.
func (c *Client) WithConsumer(name string) *Client {
	cp := *c
	cp.cfg.Consumer = name
	return &cp
}

// Config is the resolved configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Consumer is the consumer name this client claims as.
func (c *Client) Consumer() string { return c.cfg.Consumer }

// Close closes the connections.
func (c *Client) Close() { c.vk.Close() }

// Ping asks the server whether it answers, cheaply and without retries:
// the console's connection state must notice a lost server within a second
// or two, also while nothing else is asked of it. In a cluster it asks the
// stream's node.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	return wrap("ping", c.vk.Do(ctx, c.vk.B().Ping().Build().SetSlot(c.cfg.Stream)).Error())
}

// deadline gives every call a deadline, even when the caller forgot one.
func (c *Client) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.cfg.Timeout)
}

func (c *Client) nowMs() string { return msString(c.cfg.Now()) }

// EnsureGroup creates the consumer group when it is missing, at the start of
// the stream (ID 0) like the web example, creating the stream too. A group
// reviewq creates starts at 0, which it records (see GroupInfo.Start); a
// group it finds that nobody has used yet has its start recorded too.
func (c *Client) EnsureGroup(ctx context.Context) error {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	op := "create group " + c.cfg.Group
	err := idempotent(ctx, func() error {
		return c.vk.Do(ctx, c.vk.B().XgroupCreate().Key(c.cfg.Stream).Group(c.cfg.Group).Id("0").Mkstream().Build()).Error()
	})
	switch {
	case err == nil:
		// HSET, not HSETNX: a record left from a group of the same name
		// that vanished says nothing about this one.
		err = idempotent(ctx, func() error {
			return c.vk.Do(ctx, c.vk.B().Hset().Key(c.startKey).FieldValue().FieldValue(c.cfg.Group, "0-0").Build()).Error()
		})
	case valkey.IsValkeyBusyGroup(err):
		// The group was there already, perhaps created by another program:
		// note its start while that can still be known. A group destroyed
		// again in between is the next call's business.
		if _, err = c.groupInfo(ctx); isNoGroup(err) {
			err = nil
		}
	}
	return wrap(op, err)
}

// idempotent runs an operation that is safe to send twice again while it
// meets connections that died with a restarted server: valkey-go keeps up to
// four pipelined connections and each one only finds out on its next use.
// Claims and adds are not retried; a reviewer sees their error and retries.
func idempotent(ctx context.Context, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || attempt > 4 || ctx.Err() != nil || !brokenConn(err) {
			return err
		}
	}
}

func brokenConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// keySlot is the cluster hash slot of a key (CRC16/XMODEM of the hash tag
// or the whole key, modulo 16384).
func keySlot(key string) uint16 {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if close := strings.IndexByte(key[open+1:], '}'); close > 0 {
			key = key[open+1 : open+1+close]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}
