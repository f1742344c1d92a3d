package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/form"
	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

func (a *app) addCommand() *cobra.Command {
	var c form.Contact
	var from, key, at string
	var delay time.Duration
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a contact message (or many, as JSON lines)",
		Long: `Add a contact message. With --idempotency-key the message is added once: the
same key within 24 hours adds nothing and answers with the first message's ID
("duplicate":true in --json). In JSON lines, each line may carry its own
"idempotencyKey".

With --wait-replicas N the add succeeds only once N replicas have the
message. When fewer confirm in time, it is on the primary but not yet safe:
the add prints its ID, says so and exits 2; the same --idempotency-key again
waits again and adds nothing twice.

With --delay or --at the message is added for later: until then it waits out
of everyone's reach (not in the stream, where the web example would read it),
shown as "scheduled" by range and counted by stats; --json says
{"scheduledId":…,"notBefore":…}. An --idempotency-key works as for any add,
answering with the scheduled ID while it waits and the stream ID once added.
It enters the stream when due at the next claim, or within seconds while a
console or reviewq serve runs. In JSON lines, "notBefore" (RFC 3339) does the
same per line; one in the past adds at once.`,
		Example: `  reviewq add --name "Ada Lovelace" --email ada@example.org --message "Hello"
  reviewq add --name Ada --email ada@example.org --message Hello --idempotency-key form-7f3a
  reviewq add --wait-replicas 1 --name Ada --email ada@example.org --message Hello --idempotency-key form-7f3a
  reviewq add --delay 10m --name Ada --email ada@example.org --message "Call me back"
  reviewq add --at "tomorrow 09:00" --name Ada --email ada@example.org --message "Call me back"
  reviewq add --from messages.jsonl        # {"name":…,"email":…,"message":…[,"idempotencyKey":…]} per line
  generate | reviewq add --from - --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from != "" {
				if c != (form.Contact{}) || key != "" || at != "" || delay != 0 {
					return userErrorf("give either --from or --name/--email/--message/--idempotency-key/--delay/--at, not both (a line carries its own \"idempotencyKey\" and \"notBefore\")")
				}
				return a.addFrom(cmd, from)
			}
			if errs := form.ValidateAll(c); len(errs) > 0 {
				return userErrorf("%s", joinErrors(errs))
			}
			var notBefore time.Time
			switch {
			case at != "" && delay != 0:
				return userErrorf("give --delay or --at, not both")
			case delay < 0:
				return userErrorf("--delay %s: a delay cannot be negative", delay)
			case delay > 0:
				notBefore = time.Now().Add(delay)
			case at != "":
				t, err := termtext.ParseWhen(at, time.Now(), loc)
				if err != nil {
					return userErrorf("--at: %v", err)
				}
				notBefore = t
			}
			if cmd.Flags().Changed("idempotency-key") {
				if err := checkIdempotencyKey(key); err != nil {
					return err
				}
			}
			c = c.Trimmed()
			return a.withClient(cmd, func(s *session) error {
				var added queue.Added
				var err error
				switch {
				case !notBefore.IsZero():
					added, err = s.client.AddContactLater(cmd.Context(), key, c.Name, c.Email, c.Message, notBefore)
				case key != "":
					added, err = s.client.AddContactOnce(cmd.Context(), key, c.Name, c.Email, c.Message)
				default:
					added, err = s.client.AddContact(cmd.Context(), c.Name, c.Email, c.Message)
				}
				var notSafe *queue.ReplicationError
				if errors.As(err, &notSafe) {
					return a.addNotReplicated(added, notSafe, key, err)
				}
				if err != nil {
					return err
				}
				note := ""
				if added.Duplicate {
					note = fmt.Sprintf("idempotency key %q already added %s within %s; nothing was added", key, added.Handle(), shortDuration(queue.IdempotencyWindow))
				}
				if a.json {
					out := addedJSON(added)
					if note != "" {
						out["note"] = note
					}
					return a.printJSON(out)
				}
				what := added.ID
				if added.ScheduledID != "" {
					what = fmt.Sprintf("%s for %s (scheduled, not in the stream until then)", added.ScheduledID, termtext.Time(added.NotBefore, loc))
				}
				if added.Duplicate {
					fmt.Fprintf(a.stdout, "already added %s\n", what)
					fmt.Fprintln(a.stderr, "note:", note)
					return nil
				}
				fmt.Fprintf(a.stdout, "added %s\n", what)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&c.Name, "name", "", "sender's name (at most 200 characters)")
	cmd.Flags().StringVar(&c.Email, "email", "", "sender's email address")
	cmd.Flags().StringVar(&c.Message, "message", "", "the message (at most 10,000 characters)")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "add only once: the same key within 24 hours adds nothing and answers with the first ID")
	cmd.Flags().StringVar(&from, "from", "", "read JSON lines from FILE, or - for standard input")
	cmd.Flags().DurationVar(&delay, "delay", 0, "add it for later: offered to nobody before this long from now, e.g. 10m")
	cmd.Flags().StringVar(&at, "at", "", `add it for later: offered to nobody before this time (14:00, "tomorrow 09:00", 2026-11-24 09:00; local unless a zone is given)`)
	return cmd
}

// addedJSON is an add's JSON: the web example's shape, or for a message
// added for later {"scheduledId":…,"notBefore":…,"timestamp":…}; with
// "duplicate":true when its idempotency key had added it already.
func addedJSON(added queue.Added) map[string]any {
	out := map[string]any{"timestamp": added.Timestamp}
	if added.ScheduledID != "" {
		out["scheduledId"], out["notBefore"] = added.ScheduledID, rfc3339(added.NotBefore)
	} else {
		out["streamMessageId"] = added.ID
	}
	if added.Duplicate {
		out["duplicate"] = true
	}
	return out
}

// addNotReplicated reports an add that reached the primary but not yet
// --wait-replicas replicas: the entry's ID on stdout as for an add (it
// exists, and a failover now could lose it), and on stderr what to do;
// the exit code is 2, a server-side failure. With --json the add's shape
// says "replicated": false and how many replicas confirmed it.
func (a *app) addNotReplicated(added queue.Added, e *queue.ReplicationError, key string, err error) error {
	retry := "retry with the same --idempotency-key to wait again: it adds nothing twice"
	if key == "" {
		retry = "adding it again would add a second copy; --idempotency-key makes a retry safe"
	}
	if a.json {
		out := addedJSON(added)
		if added.Handle() == "" {
			out["streamMessageId"] = e.ID
		}
		out["duplicate"], out["replicated"], out["replicas"], out["waitReplicas"] = added.Duplicate, false, e.Confirmed, e.Want
		if perr := a.printJSON(out); perr != nil {
			return perr
		}
	} else {
		fmt.Fprintf(a.stdout, "added %s, not yet safe\n", e.ID)
	}
	return explained{text: fmt.Sprintf("add: %s; %s", termtext.SanitizeLine(e.Error()), retry), cause: err}
}

// explained is an error told in the command's own words; its exit code is
// its cause's.
type explained struct {
	text  string
	cause error
}

func (e explained) Error() string { return e.text }
func (e explained) Unwrap() error { return e.cause }

// checkIdempotencyKey is the add's own check, so a bad key is a user
// error before anything is sent.
func checkIdempotencyKey(key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return userErrorf("--idempotency-key is empty")
	case len(key) > queue.MaxIdempotencyKey:
		return userErrorf("--idempotency-key is %d bytes; at most %d", len(key), queue.MaxIdempotencyKey)
	}
	return nil
}

// shortDuration writes 24h0m0s as 24h.
func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(s, "0m")
}

func joinErrors(errs []error) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// claimJSON is the web example's claim shape.
type claimJSON struct {
	StreamMessageID  string `json:"streamMessageId"`
	Name             string `json:"name"`
	Email            string `json:"email"`
	Message          string `json:"message"`
	Timestamp        string `json:"timestamp"`
	Claimed          bool   `json:"claimed,omitempty"`
	Deliveries       int64  `json:"deliveries"`
	PreviousConsumer string `json:"previousConsumer,omitempty"`
	IdleMs           int64  `json:"idleMs,omitempty"`
	// ReleasedBy and ReleasedAt: its holder handed it back (not a failed
	// delivery: no idleMs, the same deliveries).
	ReleasedBy string `json:"releasedBy,omitempty"`
	ReleasedAt string `json:"releasedAt,omitempty"`
	// ReplayOf is the original's ID when the entry is a replay.
	ReplayOf string `json:"replayOf,omitempty"`
	// A message back from a snooze: who snoozed it, until when, and the
	// entry it was; from a retry backoff: the entry it was, why it waited
	// (released, reclaimed), by whom, until when. Deliveries counts those
	// before the wait too.
	SnoozedBy    string `json:"snoozedBy,omitempty"`
	SnoozedUntil string `json:"snoozedUntil,omitempty"`
	SnoozeOf     string `json:"snoozeOf,omitempty"`
	RetryOf      string `json:"retryOf,omitempty"`
	RetryAfter   string `json:"retryAfter,omitempty"`
	RetryBy      string `json:"retryBy,omitempty"`
	RetryUntil   string `json:"retryUntil,omitempty"`
	// Fields carries every field of an entry that is not a contact message.
	Fields map[string]string `json:"fields,omitempty"`
}

func (a *app) claimCommand() *cobra.Command {
	var ack string
	cmd := &cobra.Command{
		Use:   "claim",
		Short: "Claim the next message: an abandoned one first, else a new one",
		Long: `Claim the next message for --consumer. A message another reviewer left idle
longer than --reclaim-after is reclaimed first: the oldest among the first
ten pending, else the next one the group's sweep of the pending list comes
to (every pending message is looked at within one sweep); otherwise a new
one is read. With --ack ID the message you finished is acknowledged in the
same round trip. Exit code 0 also when the queue is empty ({"message":null}).`,
		Example: `  reviewq claim --json
  reviewq claim --ack 1764009314892-0 --json   # ack the one you finished, claim the next`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDialedClient(cmd, func(s *session) error {
				var (
					acked int64
					res   queue.ClaimResult
					err   error
				)
				if ack != "" {
					acked, res, err = s.client.AckAndClaim(cmd.Context(), ack)
				} else {
					res, err = s.client.Claim(cmd.Context())
				}
				if err != nil {
					return err
				}
				recreated := res.GroupRecreated
				if recreated {
					a.reportGroupCreated(s.client.Config())
				}
				note := ""
				switch {
				case ack != "" && acked == 0 && recreated:
					note = ack + " was not acked: the server no longer has it (it restarted empty or was flushed)"
				case ack != "" && acked == 0:
					note = ack + " was not pending: already acked, never delivered, or not in this group"
				}
				a.reportCleared(res, s.client.Config().DeadStream)
				if a.json {
					out := map[string]any{"message": nil}
					if m := res.Message; m != nil {
						j := claimJSON{
							StreamMessageID: m.ID, Name: m.Name(), Email: m.Email(), Message: m.Message(),
							Timestamp: m.Timestamp(), Deliveries: m.Deliveries,
						}
						switch {
						case m.Released:
							j.Claimed, j.PreviousConsumer = true, m.PreviousConsumer
							j.ReleasedBy, j.ReleasedAt = m.ReleasedBy, rfc3339(m.ReleasedAt)
						case m.Reclaimed:
							j.Claimed, j.PreviousConsumer, j.IdleMs = true, m.PreviousConsumer, m.Idle.Milliseconds()
						}
						j.ReplayOf = m.ReplayOf()
						if b := m.Returned(); b != nil && b.Kind == queue.WaitSnoozed {
							j.SnoozedBy, j.SnoozedUntil, j.SnoozeOf = b.By, rfc3339(b.Until), b.Of
						} else if b != nil {
							j.RetryOf, j.RetryAfter, j.RetryBy, j.RetryUntil = b.Of, b.After, b.By, rfc3339(b.Until)
						}
						if !m.IsContact() {
							j.Fields = fieldMap(m.Fields)
						}
						out["message"] = j
					}
					if ack != "" {
						out["acked"] = acked
					}
					if note != "" {
						out["note"] = note
					}
					if len(res.Dropped) > 0 {
						out["dropped"] = res.Dropped
					}
					if len(res.DeadLettered) > 0 {
						out["deadLettered"] = res.DeadLettered
					}
					if len(res.Waiting) > 0 {
						out["waiting"] = res.Waiting
					}
					if recreated {
						out["groupRecreated"] = true
					}
					return a.printJSON(out)
				}
				if ack != "" {
					if note != "" {
						fmt.Fprintln(a.stderr, "note:", note)
					} else {
						fmt.Fprintf(a.stdout, "acked %s\n", ack)
					}
				}
				if res.Message == nil {
					fmt.Fprintln(a.stdout, "no messages waiting")
					return nil
				}
				a.printClaimed(res.Message)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&ack, "ack", "", "acknowledge this message (the one you finished) in the same round trip")
	return cmd
}

// reportGroupCreated explains on stderr a consumer group the claim found
// missing and created: a new stream, or a server that restarted empty or
// was flushed.
func (a *app) reportGroupCreated(cfg queue.Config) {
	fmt.Fprintf(a.stderr, "note: consumer group %s did not exist on %s and was created at the start of the stream: a new stream, or the server restarted empty or was flushed (then messages claimed before are gone from it)\n",
		cfg.Group, cfg.Stream)
}

func (a *app) reportCleared(res queue.ClaimResult, dead string) {
	if len(res.Dropped) > 0 {
		fmt.Fprintf(a.stderr, "note: %s deleted from the stream before anyone acked them (%s); recorded in %s\n",
			termtext.Plural(int64(len(res.Dropped)), "pending message had been", "pending messages had been"), strings.Join(res.Dropped, " "), dead)
	}
	if len(res.DeadLettered) > 0 {
		fmt.Fprintf(a.stderr, "note: %s past the max deliveries and moved to %s (%s)\n",
			termtext.Plural(int64(len(res.DeadLettered)), "message went", "messages went"), dead, strings.Join(res.DeadLettered, " "))
	}
	if len(res.Waiting) > 0 {
		fmt.Fprintf(a.stderr, "note: %s abandoned past --reclaim-after and now %s before a retry (--retry-backoff): %s\n",
			termtext.Plural(int64(len(res.Waiting)), "message was", "messages were"), termtext.Plural(int64(len(res.Waiting)), "waits", "wait"), strings.Join(res.Waiting, " "))
	}
}

func (a *app) ackCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "ack ID...",
		Short: "Acknowledge messages (recorded as acked by --consumer)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return a.withClient(cmd, func(s *session) error {
				n, err := s.client.Ack(cmd.Context(), ids...)
				if err != nil {
					return err
				}
				note := ""
				if int(n) < len(ids) {
					note = fmt.Sprintf("%d of %s not pending: already acked, never delivered, or not in this group", len(ids)-int(n), termtext.Plural(int64(len(ids)), "ID", "IDs"))
				}
				if a.json {
					out := map[string]any{"success": true}
					if note != "" {
						out["acked"], out["note"] = n, note
					}
					return a.printJSON(out)
				}
				fmt.Fprintf(a.stdout, "acked %d\n", n)
				if note != "" {
					fmt.Fprintln(a.stderr, "note:", note)
				}
				return nil
			})
		},
	}
}

func (a *app) releaseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "release ID",
		Short: "Hand a message you hold back: the next claim takes it first, as released by --consumer",
		Long: `Hand a message you hold back: the next claim takes it first, as released by
--consumer, at the same delivery count (a release is not a failed delivery).

With --retry-backoff on, a release is a retry instead: the message waits
base × 2^(deliveries−1), at most --retry-backoff-max, out of everyone's reach
(the web example's too), then comes back as a new message whose delivery
counts; --json says when ("retryAt").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(cmd, func(s *session) error {
				due, err := s.client.ReleaseDue(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if due.IsZero() {
					return a.success(fmt.Sprintf("released %s", args[0]), nil)
				}
				return a.success(fmt.Sprintf("released %s: it waits, and is offered again at %s (in %s)", args[0], termtext.Time(due, loc),
					termtext.Span(time.Until(due))), map[string]any{"retryAt": rfc3339(due)})
			})
		},
	}
}

func (a *app) snoozeCommand() *cobra.Command {
	var forD time.Duration
	var until string
	cmd := &cobra.Command{
		Use:   "snooze ID (--for DURATION | --until TIME)",
		Short: "Put a message you hold away until a time: nobody's claim gets it before",
		Long: `Put a message you hold away until a time. It leaves the pending list, so no
claim takes it, reviewq's or the web example's, and comes back as a new
message when due, at the next claim (or within seconds while a console or
reviewq serve runs), with a SNOOZED badge: who snoozed it, until when
("snoozedBy", "snoozedUntil" in claim --json). Its delivery count stays: a
snooze is not a failed delivery. The outcome trail records the snooze.

--until reads 14:00 (today), "tomorrow 09:00", or a date and time, in the
local zone unless one is given; a time in the past is an error.`,
		Example: `  reviewq snooze 1764009314892-0 --for 1h
  reviewq snooze 1764009314892-0 --until "tomorrow 09:00"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			var t time.Time
			switch {
			case (forD != 0) == (until != ""):
				return userErrorf("give --for or --until (one of them)")
			case forD < 0:
				return userErrorf("--for %s: cannot be negative", forD)
			case forD > 0:
				t = now.Add(forD)
			default:
				var err error
				if t, err = termtext.ParseWhen(until, now, loc); err != nil {
					return userErrorf("--until: %v", err)
				}
			}
			return a.withClient(cmd, func(s *session) error {
				if err := s.client.Snooze(cmd.Context(), args[0], t); err != nil {
					return err
				}
				return a.success(fmt.Sprintf("snoozed %s until %s", args[0], termtext.Time(t, loc)),
					map[string]any{"snoozedUntil": rfc3339(t)})
			})
		},
	}
	cmd.Flags().DurationVar(&forD, "for", 0, "snooze for this long, e.g. 15m, 1h")
	cmd.Flags().StringVar(&until, "until", "", `snooze until this time: 14:00, "tomorrow 09:00", 2026-11-24 09:00`)
	return cmd
}

func (a *app) rejectCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "reject ID --reason R",
		Short: "Move a pending message to the dead-letter stream now (recorded as by --consumer)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return userErrorf("--reason is required: say why, for whoever reads the dead letters")
			}
			return a.withClient(cmd, func(s *session) error {
				did, err := s.client.Reject(cmd.Context(), args[0], strings.TrimSpace(reason))
				if err != nil {
					return err
				}
				return a.success(fmt.Sprintf("moved %s to %s as %s", args[0], s.client.Config().DeadStream, did),
					map[string]any{"deadLetterId": did})
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the message is dead-lettered")
	return cmd
}

func (a *app) success(human string, extra map[string]any) error {
	if a.json {
		out := map[string]any{"success": true}
		for k, v := range extra {
			out[k] = v
		}
		return a.printJSON(out)
	}
	fmt.Fprintln(a.stdout, human)
	return nil
}

func (a *app) pendingCommand() *cobra.Command {
	var q queue.PendingQuery
	cmd := &cobra.Command{
		Use:   "pending",
		Short: "List pending messages (delivered, not acknowledged), one page",
		Long: `List one page of the pending list. With --min-idle the list is scanned in
bounded steps, at most --scan entries per call (the server is never asked to
walk the whole list): the output says how far the scan got and how to go on.`,
		Example: `  reviewq pending --for bob
  reviewq pending --min-idle 5m                # scanned 20,000 of 1,000,000 …
  reviewq pending --min-idle 5m --after 1764009314892-0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.ScanLimit < 0 {
				return userErrorf("--scan must be positive")
			}
			return a.withClient(cmd, func(s *session) error {
				page, err := s.client.PendingPage(cmd.Context(), q)
				if err != nil {
					return err
				}
				if a.json {
					rows := make([]map[string]any, len(page.Entries))
					for i, e := range page.Entries {
						rows[i] = map[string]any{
							"streamMessageId": e.ID, "consumer": e.Consumer, "idleMs": e.Idle.Milliseconds(),
							"deliveries": e.Deliveries, "deleted": e.Entry == nil,
						}
						if e.Entry != nil {
							rows[i]["preview"] = e.Entry.Preview()
						}
					}
					out := map[string]any{"pending": rows, "next": page.Next}
					if q.MinIdle > 0 {
						out["scanned"], out["total"] = page.Scanned, page.Pending
					}
					if q.After == "" && q.Consumer == "" && q.MinIdle <= 0 {
						out["waiting"], out["waitingTotal"] = waitingRows(page.Waiting), page.WaitingTotal
					}
					return a.printJSON(out)
				}
				a.printPending(page, q, s.client.Config().Now())
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&q.After, "after", "", "start after this ID (the previous page's next cursor)")
	cmd.Flags().IntVar(&q.Count, "count", 20, "page size")
	cmd.Flags().StringVar(&q.Consumer, "for", "", "only this consumer's messages")
	cmd.Flags().DurationVar(&q.MinIdle, "min-idle", 0, "only messages idle at least this long (a bounded scan)")
	cmd.Flags().IntVar(&q.ScanLimit, "scan", queue.DefaultPendingScan, "with --min-idle: look at most at this many pending messages")
	return cmd
}

func (a *app) rangeCommand() *cobra.Command {
	var q queue.StreamQuery
	var at string
	cmd := &cobra.Command{
		Use:   "range",
		Short: "Show one page of the stream with each entry's state, newest first",
		Long: `Show one page of the stream with each entry's state (new, pending with its
consumer, acked), newest first, or oldest first with --forward.

--at starts the page at a time: newest first it shows the entries added at
or before that time, going back; with --forward the entries at or after it,
going forward. A time without a zone is local (TZ), as the times printed.

When the page is full, the last line is the command for the next page
(its --from cursor is exclusive of what was shown); --json gives it as
"next".`,
		Example: `  reviewq range --at "2026-11-23 09:00"            # what came in up to 09:00, newest first
  reviewq range --at 2026-11-23 --forward --count 50  # the day's first 50
  reviewq range --from 1764009314892-0               # from an ID (inclusive)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if at != "" {
				if q.From != "" {
					return userErrorf("give --from or --at, not both")
				}
				t, err := termtext.ParseTime(at, loc)
				if err != nil {
					return usageError{err}
				}
				if q.Forward {
					q.From = queue.IDAt(t)
				} else {
					q.From = fmt.Sprint(t.UnixMilli())
				}
			}
			return a.withClient(cmd, func(s *session) error {
				page, err := s.client.StreamPage(cmd.Context(), q)
				if err != nil {
					return err
				}
				next := nextRangeCursor(q, page)
				if a.json {
					out := map[string]any{"entries": entryRows(page.Entries), "lastDeliveredId": page.LastDelivered, "next": next}
					if q.From == "" && !q.Forward {
						out["scheduled"], out["scheduledTotal"] = waitingRows(page.Scheduled), page.ScheduledTotal
					}
					return a.printJSON(out)
				}
				more := ""
				if next != "" {
					more = "reviewq range --from " + next
					if q.Forward {
						more += " --forward"
					}
					if q.Count != rangeCount {
						more += fmt.Sprintf(" --count %d", q.Count)
					}
				}
				a.printRange(page, s.client.Config().Now(), more)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&q.From, "from", "", "start at this ID, inclusive (newest end by default; the oldest with --forward)")
	cmd.Flags().StringVar(&at, "at", "", "start at this time: at or before it newest first, at or after it with --forward (RFC 3339, 2006-01-02 15:04, or 2006-01-02; local unless a zone is given)")
	cmd.Flags().BoolVar(&q.Forward, "forward", false, "oldest first")
	cmd.Flags().IntVar(&q.Count, "count", rangeCount, "page size")
	return cmd
}

// rangeCount is range's default page size.
const rangeCount = 20

// nextRangeCursor is the --from of the page after p, or "" when p was not
// full (nothing more that way). The cursor is exclusive of p's last entry.
func nextRangeCursor(q queue.StreamQuery, p queue.StreamPage) string {
	count := q.Count
	if count <= 0 {
		count = 50 // the queue's default page
	}
	if len(p.Entries) < count {
		return ""
	}
	last := p.Entries[len(p.Entries)-1].ID
	if q.Forward {
		next, _ := queue.After(last)
		return next
	}
	next, ok := queue.Before(last)
	if id, err := queue.ParseID(next); ok && err == nil && id.Seq == math.MaxUint64 {
		// "up to the end of that millisecond", as range reads a bare time,
		// is the same cursor and reads better.
		return strconv.FormatUint(id.Ms, 10)
	}
	if !ok {
		return ""
	}
	return next
}

// entryRows are stream rows as range and search write them in JSON: state,
// and for pending entries who holds them (and who released them), for acked
// and dead-lettered ones who did it ("by", empty for an ack another program
// made), when, after how long a hold, why, and what a redrive made of it.
func entryRows(entries []queue.StreamEntry) []map[string]any {
	rows := make([]map[string]any, len(entries))
	for i, e := range entries {
		row := map[string]any{"streamMessageId": e.ID, "state": e.State.String(), "fields": fieldMap(e.Fields), "cut": e.Cut}
		if of := e.ReplayOf(); of != "" {
			row["replayOf"] = of
		}
		if b := e.Returned(); b != nil && b.Kind == queue.WaitSnoozed {
			row["snoozeOf"] = b.Of
		} else if b != nil {
			row["retryOf"] = b.Of
		}
		switch e.State {
		case queue.StatePending:
			row["consumer"], row["deliveries"] = e.Consumer, e.Deliveries
			if r := e.Released; r != nil {
				row["releasedBy"], row["releasedAt"] = r.By, rfc3339(r.At)
			}
		case queue.StateAcked, queue.StateDeadLettered:
			row["by"] = ""
			if o := e.Outcome; o != nil {
				row["by"], row["at"] = o.By, rfc3339(o.At)
				if o.Held >= 0 {
					row["heldMs"] = o.Held.Milliseconds()
				}
				if e.State == queue.StateDeadLettered {
					row["reason"] = o.Reason
				}
				if o.RedrivenAs != "" {
					row["redrivenAs"], row["redrivenBy"], row["redrivenAt"] = o.RedrivenAs, o.RedrivenBy, rfc3339(o.RedrivenAt)
				}
			}
		case queue.StateSnoozed, queue.StateWaiting, queue.StateReturned:
			for k, v := range waitJSON(*e.Wait) {
				row[k] = v
			}
			if e.State == queue.StateReturned {
				row["as"], row["wait"] = e.Wait.BackAs, string(e.Wait.Kind)
			}
		}
		rows[i] = row
	}
	return rows
}

// waitJSON is what range, pending and search say of a wait: "until", and
// but for a scheduled message "by", "at" (put away), "deliveries" (how
// many it had before its wait) and, backing off, "after" (released or
// reclaimed).
func waitJSON(w queue.Wait) map[string]any {
	out := map[string]any{"until": rfc3339(w.Until)}
	if w.Kind != queue.WaitScheduled {
		out["by"], out["at"], out["deliveries"] = w.By, rfc3339(w.At), w.Delivered()
	}
	if w.After != "" {
		out["after"] = w.After
	}
	return out
}

// waitingRows are messages that wait, in JSON: "id" (the entry it was,
// or a scheduled ID), "state" (scheduled, snoozed or waiting), the wait,
// the fields and whether they were cut.
func waitingRows(list []queue.WaitingEntry) []map[string]any {
	rows := make([]map[string]any, len(list))
	for i, w := range list {
		row := waitJSON(w.Wait)
		row["state"], row["fields"], row["cut"] = string(w.Wait.Kind), fieldMap(w.Fields), w.Cut
		if w.Wait.Kind == queue.WaitScheduled {
			row["scheduledId"] = w.ID
		} else {
			row["streamMessageId"] = w.ID
		}
		rows[i] = row
	}
	return rows
}

// rfc3339 writes a time for JSON: RFC 3339 in UTC, milliseconds.
func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// fieldMap keeps field order in JSON output as a list of pairs would not be
// the web example's shape; an object with the fields is.
func fieldMap(fields []queue.Field) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		if _, dup := m[f.Name]; !dup {
			m[f.Name] = f.Value
		}
	}
	return m
}

func (a *app) statsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Stream length, group lag and pending, consumers, dead letters, and the last hour's activity",
		Long: `Stream length, the group's lag, pending and last-delivered ID, consumers,
dead letters, the age of the oldest message nobody has claimed yet, how
many messages were trimmed from the stream before the group read them
(another program's XADD … MAXLEN; unknown where the server keeps no count:
the embedded server, Redis before 7), and the last hour minute by minute: arrivals, acks and dead letters, time-to-ack
(from a message's ID time to its ack) p50/p90, and per reviewer their acks,
rejects and median time held.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(s *session) error {
				st, err := s.client.Stats(cmd.Context())
				if err != nil {
					return err
				}
				act, err := s.client.Activity(cmd.Context())
				if err != nil {
					return err
				}
				if a.json {
					cons := make([]map[string]any, len(st.Consumers))
					for i, c := range st.Consumers {
						cons[i] = map[string]any{"name": c.Name, "pending": c.Pending, "idleMs": c.Idle.Milliseconds()}
					}
					out := map[string]any{
						"stream": st.Stream, "length": st.Length, "group": st.Group,
						"consumers": cons, "deadStream": st.DeadStream, "deadLength": st.DeadLength,
						"oldestUnclaimedMs": msOrNil(st.OldestUnclaimed), "trimmedUnread": countOrNil(st.TrimmedUnread),
						"scheduled": st.Scheduled, "snoozed": st.Snoozed, "waiting": st.Waiting,
					}
					for k, v := range activityJSON(act) {
						out[k] = v
					}
					return a.printJSON(out)
				}
				a.printStats(st)
				a.printActivity(act)
				return nil
			})
		},
	}
}

// countOrNil is a count for JSON, null when negative (unknown).
func countOrNil(n int64) any {
	if n < 0 {
		return nil
	}
	return n
}

// msOrNil is a duration in ms for JSON, null when negative (none, or
// unknown).
func msOrNil(d time.Duration) any {
	if d < 0 {
		return nil
	}
	return d.Milliseconds()
}

// activityJSON is what stats --json adds: activity, timeToAck, reviewers.
func activityJSON(act queue.Activity) map[string]any {
	activity := map[string]any{
		"bucket": "1m", "start": rfc3339(act.Start),
		"arrivals": act.Arrivals, "acks": act.Acks, "dead": act.Dead,
		"snoozes": act.Snoozes, "retries": act.Retries,
	}
	if act.ArrivalsBehind {
		activity["arrivalsBehind"] = true
	}
	tta := map[string]any{"count": act.TimeToAck.Count, "p50Ms": nil, "p90Ms": nil}
	if act.TimeToAck.Count > 0 {
		tta["p50Ms"], tta["p90Ms"] = act.TimeToAck.P50.Milliseconds(), act.TimeToAck.P90.Milliseconds()
	}
	reviewers := make([]map[string]any, len(act.Reviewers))
	for i, r := range act.Reviewers {
		reviewers[i] = map[string]any{"name": r.Name, "acked": r.Acked, "dead": r.Dead, "medianHeldMs": msOrNil(r.MedianHeld)}
	}
	return map[string]any{"activity": activity, "timeToAck": tta, "reviewers": reviewers}
}

func (a *app) deadCommand() *cobra.Command {
	dead := &cobra.Command{Use: "dead", Short: "Browse, redrive and delete dead letters"}
	var q queue.StreamQuery
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(s *session) error {
				letters, err := s.client.DeadPage(cmd.Context(), q)
				if err != nil {
					return err
				}
				if a.json {
					rows := make([]map[string]any, len(letters))
					for i, d := range letters {
						rows[i] = map[string]any{
							"deadLetterId": d.ID, "streamMessageId": d.OriginalID, "reason": d.Reason,
							"deliveries": d.Deliveries, "consumer": d.Consumer, "at": queue.FormatTimestamp(d.At),
							"fields": fieldMap(d.Original.Fields),
						}
						// A message back from a wait keeps the entry it was.
						if b := d.Original.Returned(); b != nil && b.Kind == queue.WaitSnoozed {
							rows[i]["snoozeOf"] = b.Of
						} else if b != nil {
							rows[i]["retryOf"] = b.Of
						}
					}
					return a.printJSON(map[string]any{"deadLetters": rows})
				}
				a.printDead(letters)
				return nil
			})
		},
	}
	list.Flags().StringVar(&q.From, "from", "", "start at this dead-letter ID, inclusive")
	list.Flags().IntVar(&q.Count, "count", 20, "page size")
	redrive := &cobra.Command{
		Use:   "redrive ID...",
		Short: "Put dead letters back on the stream as new messages",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return a.withClient(cmd, func(s *session) error {
				out := map[string]string{}
				for _, id := range ids {
					nid, err := s.client.Redrive(cmd.Context(), id)
					if err != nil {
						if len(out) > 0 && !a.json {
							fmt.Fprintf(a.stderr, "redrove %d of %d before the error\n", len(out), len(ids))
						}
						return err
					}
					out[id] = nid
					if !a.json {
						fmt.Fprintf(a.stdout, "redrove %s as %s\n", id, nid)
					}
				}
				if a.json {
					return a.printJSON(map[string]any{"success": true, "redriven": out})
				}
				return nil
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete dead letters for good",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return a.withClient(cmd, func(s *session) error {
				n, err := s.client.DeleteDead(cmd.Context(), ids...)
				if err != nil {
					return err
				}
				if int(n) < len(ids) && !a.json {
					fmt.Fprintf(a.stderr, "note: %d of %s not in %s\n", len(ids)-int(n), termtext.Plural(int64(len(ids)), "ID", "IDs"), s.client.Config().DeadStream)
				}
				return a.success(fmt.Sprintf("deleted %d", n), map[string]any{"deleted": n})
			})
		},
	}
	dead.AddCommand(list, redrive, del)
	return dead
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	return enc.Encode(v)
}
