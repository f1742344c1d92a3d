package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/reviewq/reviewq/queue"
)

// The scene is what `make screenshots` (internal/screenshots) photographs:
// the embedded server on a clock that stands still, with an hour of four
// reviewers' work behind the samples, so that every screen has something
// to show (ages, states, dead letters, sparklines) and every run draws the
// same pictures. It is not a user feature: only the pictures use it.

// SceneAddr is where the scene's server listens: a fixed port, since the
// header shows it and the pictures must not change from run to run.
const SceneAddr = "127.0.0.1:16390"

// StartFrozen starts the server at addr on a clock that stands still at
// now: stream IDs, idle times and expiries are all read from it.
func StartFrozen(addr string, now time.Time) (*Server, error) {
	mr := miniredis.NewMiniRedis()
	mr.ClockTTL(true)
	mr.SetTime(now)
	if err := mr.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("embedded server: %w", err)
	}
	return &Server{mr: mr, frozen: now}, nil
}

// Now is the server's clock: the frozen instant, or the real time.
func (s *Server) Now() time.Time {
	if s.frozen.IsZero() {
		return time.Now()
	}
	return s.frozen
}

// at sets the server's clock to t for what a seeding does next; reset
// gives it back its own (real or frozen).
func (s *Server) at(t time.Time) { s.mr.SetTime(t) }
func (s *Server) reset()         { s.mr.SetTime(s.frozen) }

// sceneReviewers are who worked the queue in the scene's hour; the console
// of the pictures runs as alice.
const (
	alice = "alice"
	bob   = "bob"
	carol = "carol"
	dan   = "dan"
)

// handled is one message of the scene's hour and what became of it.
type handled struct {
	Sample
	arrived time.Duration // before the scene's now
	by      string        // who claimed it
	claimed time.Duration // before now; claims come in arrival order (a claim takes the oldest new entry)
	// done is when it was acked, dead-lettered (reason set) or snoozed
	// (snoozeUntil set: that long after now); zero leaves it held, kept
	// alive keptAlive before now.
	done        time.Duration
	reason      string
	snoozeUntil time.Duration
	keptAlive   time.Duration
}

// ago is minutes and seconds before the scene's now.
func ago(min, sec int) time.Duration {
	return time.Duration(min)*time.Minute + time.Duration(sec)*time.Second
}

// sceneHour is the hour before the scene's now, oldest first. The samples
// of Samples then arrive, newer than all of it: new messages are handed
// out in the stream's order, so what is still new is the stream's tail.
var sceneHour = []handled{
	{Sample: Sample{"Noah Williams", "noah.w@example.com", "Can we change the billing email on our account? The invoices still go to someone who left in June."},
		arrived: ago(58, 0), by: bob, claimed: ago(57, 0), done: ago(55, 0)},
	{Sample: Sample{"Fatima Zahra", "fatima.zahra@example.ma", "The mobile app logs me out every time my phone switches from Wi-Fi to 4G."},
		arrived: ago(56, 0), by: carol, claimed: ago(54, 0), done: ago(50, 0)},
	{Sample: Sample{"Lucky Winner Team", "promo@win-big.example", "CONGRATULATIONS!!! You were selected for a FREE phone. Click here and enter your card to claim it now."},
		arrived: ago(53, 0), by: bob, claimed: ago(52, 0), done: ago(51, 40), reason: "spam"},
	{Sample: Sample{"Hannah Schmidt", "hannah.schmidt@example.de", "Is the Frankfurt region open for new projects yet? We need EU data residency."},
		arrived: ago(51, 0), by: dan, claimed: ago(49, 0), done: ago(46, 0)},
	{Sample: Sample{"Ravi Kumar", "ravi.kumar@example.in", "Our webhook secret leaked in a public repository. How do we rotate it without downtime?"},
		arrived: ago(50, 0), by: alice, claimed: ago(48, 0), done: ago(41, 0)},
	{Sample: Sample{"Emma Johansson", "emma.j@example.se", "Two-factor codes arrive after they have already expired. Is your SMS provider slow today?"},
		arrived: ago(47, 0), by: bob, claimed: ago(46, 30), done: ago(44, 0)},
	{Sample: Sample{"Noah Williams", "noah.w@example.com", "Can we change the billing email on our account? The invoices still go to someone who left in June."},
		arrived: ago(46, 20), by: carol, claimed: ago(46, 0), done: ago(45, 40), reason: "duplicate"},
	// The dashboard went down for a while: three at once.
	{Sample: Sample{"Ola Nordmann", "ola@nordmann.example", "The dashboard has been a blank page for a few minutes. Anyone else?"},
		arrived: ago(45, 40), by: carol, claimed: ago(45, 30), done: ago(43, 0)},
	{Sample: Sample{"Lena Fischer", "lena.fischer@example.at", "Dashboard down for us too (eu-west), but the status page says all green."},
		arrived: ago(45, 20), by: dan, claimed: ago(45, 10), done: ago(42, 30)},
	{Sample: Sample{"Arjun Mehta", "arjun.mehta@example.in", "Is the dashboard outage related to the maintenance announced for tonight?"},
		arrived: ago(45, 5), by: bob, claimed: ago(43, 50), done: ago(41, 30)},
	{Sample: Sample{"Mateo Silva", "mateo.silva@example.br", "Please add Portuguese (Brazil) to the languages an invoice can be issued in."},
		arrived: ago(44, 0), by: carol, claimed: ago(42, 50), done: ago(36, 0)},
	{Sample: Sample{"Grace Kim", "grace.kim@example.kr", "We were charged for 12 seats but only have 9 active users. Can you prorate the difference?"},
		arrived: ago(42, 0), by: dan, claimed: ago(41, 50), done: ago(31, 0)},
	{Sample: Sample{"Liam O'Connor", "liam@oconnor.example", "The API documentation link in your welcome email returns a 404."},
		arrived: ago(37, 0), by: alice, claimed: ago(36, 0), done: ago(34, 0)},
	{Sample: Sample{"Zara Ahmed", "zara.ahmed@example.pk", "How long do you keep audit logs? Our auditor asks for at least a year."},
		arrived: ago(36, 0), by: bob, claimed: ago(35, 30), done: ago(27, 0)},
	{Sample: Sample{"Anonymous", "x@flood.example", "Answer me NOW or I will fill your form with thousands of messages every hour until you do."},
		arrived: ago(34, 0), by: alice, claimed: ago(33, 0), done: ago(32, 30), reason: "abuse"},
	{Sample: Sample{"Ben Carter", "ben.carter@example.com", "Bulk import fails on every row with an emoji in the company name."},
		arrived: ago(31, 0), by: dan, claimed: ago(30, 0), done: ago(22, 0)},
	{Sample: Sample{"Ines Duarte", "ines.duarte@example.pt", "Could you reissue March's invoice with our VAT number on it? PT509876543."},
		arrived: ago(29, 0), by: alice, claimed: ago(28, 0), done: ago(24, 0)},
	{Sample: Sample{"Yuki Sato", "yuki.sato@example.jp", "Please call me on Thursday, not before: we are migrating our accounts this week."},
		arrived: ago(27, 0), by: carol, claimed: ago(26, 0), done: ago(25, 30), snoozeUntil: 90 * time.Minute},
	{Sample: Sample{"Kofi Mensah", "kofi.mensah@example.gh", "Where can I download all of last year's invoices as one ZIP file?"},
		arrived: ago(25, 0), by: alice, claimed: ago(23, 0), done: ago(4, 0)},
	{Sample: Sample{"Anna Kowalska", "anna.kowalska@example.pl", "SSO with Okta: since the certificate change our users get 'invalid audience'."},
		arrived: ago(22, 0), by: carol, claimed: ago(19, 0), keptAlive: ago(0, 40)},
	{Sample: Sample{"Samuel Okafor", "samuel.okafor@example.ng", "Is there a sandbox account for testing payments before we go live?"},
		arrived: ago(19, 0), by: dan, claimed: ago(17, 0), keptAlive: ago(0, 20)},
	{Sample: Sample{"Chloé Martin", "chloe.martin@example.fr", "Merci ! The export works again since this morning's update."},
		arrived: ago(16, 0), by: bob, claimed: ago(15, 0), done: ago(13, 0)},
}

// sceneSamples is when each of Samples arrives, before now; bob claims the
// first (Maya Patel) at bobClaims and walks away from it, so the console's
// first claim reclaims it, as on the real clock's embedded server.
var sceneSamples = []time.Duration{
	ago(14, 0), ago(13, 40), ago(13, 20), ago(11, 30), ago(10, 50), ago(10, 40),
	ago(10, 30), ago(10, 10), ago(6, 0), ago(5, 40), ago(3, 0), ago(1, 0),
}

var bobClaims = ago(12, 30)

// SeedScene seeds the scene on a server started with StartFrozen, as the
// queue cfg (stream, group, dead-letter stream) names it: the hour of
// sceneHour, then the samples and the message added for later, as Seed
// adds them. It checks that each claim got the message meant, so a
// changed claim order cannot quietly draw other pictures.
func (s *Server) SeedScene(ctx context.Context, cfg queue.Config) error {
	if s.frozen.IsZero() {
		return fmt.Errorf("embedded server: the scene needs a frozen clock (StartFrozen)")
	}
	if len(sceneSamples) != len(Samples) {
		return fmt.Errorf("embedded server: %d arrival times for %d samples", len(sceneSamples), len(Samples))
	}
	vk, err := queue.Dial(ctx, s.Options())
	if err != nil {
		return err
	}
	defer vk.Close()
	defer s.reset()
	var clock time.Time
	cfg.Now = func() time.Time { return clock }
	// Nobody's hold is reclaimed while the hour is replayed: reviewers
	// held messages for minutes, as people do.
	cfg.ReclaimAfter = 2 * time.Hour
	c, err := queue.New(vk, cfg)
	if err != nil {
		return err
	}

	type event struct {
		at time.Duration // before now
		do func() error
	}
	var events []event
	ids := make(map[int]string) // sceneHour index → stream ID
	add := func(at time.Duration, smp Sample, i int) {
		events = append(events, event{at, func() error {
			a, err := c.AddContact(ctx, smp.Name, smp.Email, smp.Message)
			ids[i] = a.ID
			return err
		}})
	}
	claim := func(at time.Duration, who string, i int, name string) {
		events = append(events, event{at, func() error {
			r, err := c.WithConsumer(who).Claim(ctx)
			switch {
			case err != nil:
				return err
			case r.Message == nil || r.Message.ID != ids[i]:
				return fmt.Errorf("%s's claim did not get %s's message: %+v", who, name, r.Message)
			}
			return nil
		}})
	}
	for i, h := range sceneHour {
		add(h.arrived, h.Sample, i)
		claim(h.claimed, h.by, i, h.Name)
		me := c.WithConsumer(h.by)
		switch {
		case h.reason != "":
			events = append(events, event{h.done, func() error { _, err := me.Reject(ctx, ids[i], h.reason); return err }})
		case h.snoozeUntil > 0:
			events = append(events, event{h.done, func() error { return me.Snooze(ctx, ids[i], s.frozen.Add(h.snoozeUntil)) }})
		case h.done > 0:
			events = append(events, event{h.done, func() error { _, err := me.Ack(ctx, ids[i]); return err }})
		default:
			events = append(events, event{h.keptAlive, func() error { return me.KeepAlive(ctx, ids[i]) }})
		}
	}
	for i, smp := range Samples {
		add(sceneSamples[i], smp, len(sceneHour)+i)
	}
	claim(bobClaims, bob, len(sceneHour), Samples[0].Name)

	// Oldest first; at one time, in the order written.
	slices.SortStableFunc(events, func(a, b event) int { return int(b.at - a.at) })
	for _, e := range events {
		clock = s.frozen.Add(-e.at)
		s.at(clock)
		if err := e.do(); err != nil {
			return fmt.Errorf("embedded server: the scene at -%s: %w", e.at, err)
		}
	}
	clock = s.frozen
	s.reset()
	_, err = c.AddContactLater(ctx, "", Later.Name, Later.Email, Later.Message, s.frozen.Add(LaterDelay))
	return err
}
