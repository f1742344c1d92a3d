package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/form"
	"github.com/reviewq/reviewq/queue"
)

func (a *app) addCommand() *cobra.Command {
	var c form.Contact
	var from string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a contact message (or many, as JSON lines)",
		Example: `  reviewq add --name "Ada Lovelace" --email ada@example.org --message "Hello"
  reviewq add --from messages.jsonl        # {"name":…,"email":…,"message":…} per line
  generate | reviewq add --from - --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from != "" {
				if c != (form.Contact{}) {
					return userErrorf("give either --from or --name/--email/--message, not both")
				}
				return a.addFrom(cmd, from)
			}
			if errs := form.ValidateAll(c); len(errs) > 0 {
				return userErrorf("%s", joinErrors(errs))
			}
			c = c.Trimmed()
			return a.withClient(cmd, func(s *session) error {
				added, err := s.client.AddContact(cmd.Context(), c.Name, c.Email, c.Message)
				if err != nil {
					return err
				}
				if a.json {
					return a.printJSON(added)
				}
				fmt.Fprintf(a.stdout, "added %s\n", added.ID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&c.Name, "name", "", "sender's name (at most 200 characters)")
	cmd.Flags().StringVar(&c.Email, "email", "", "sender's email address")
	cmd.Flags().StringVar(&c.Message, "message", "", "the message (at most 10,000 characters)")
	cmd.Flags().StringVar(&from, "from", "", "read JSON lines from FILE, or - for standard input")
	return cmd
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
			return a.withClient(cmd, func(s *session) error {
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
				recreated := res.GroupRecreated || s.groupCreated
				a.reportGroupCreated(s, res.GroupRecreated)
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
						if m.Reclaimed {
							j.Claimed, j.PreviousConsumer, j.IdleMs = true, m.PreviousConsumer, m.Idle.Milliseconds()
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

// reportGroupCreated explains on stderr a consumer group that had to be
// created before the claim: found missing when connecting (a new stream, or
// a server that restarted empty or was flushed), or vanished under the claim
// itself (surely the latter).
func (a *app) reportGroupCreated(s *session, duringClaim bool) {
	cfg := s.client.Config()
	switch {
	case duringClaim:
		fmt.Fprintf(a.stderr, "note: consumer group %s vanished from %s (the server restarted empty or was flushed) and was created again at the start of the stream; messages claimed before are gone from the server\n",
			cfg.Group, cfg.Stream)
	case s.groupCreated:
		fmt.Fprintf(a.stderr, "note: consumer group %s did not exist on %s and was created at the start of the stream: a new stream, or the server restarted empty or was flushed (then messages claimed before are gone from it)\n",
			cfg.Group, cfg.Stream)
	}
}

func (a *app) reportCleared(res queue.ClaimResult, dead string) {
	if len(res.Dropped) > 0 {
		fmt.Fprintf(a.stderr, "note: %d pending message(s) had been deleted from the stream before anyone acked them (%s); recorded in %s\n",
			len(res.Dropped), strings.Join(res.Dropped, " "), dead)
	}
	if len(res.DeadLettered) > 0 {
		fmt.Fprintf(a.stderr, "note: %d message(s) went past the max deliveries and were moved to %s (%s)\n",
			len(res.DeadLettered), dead, strings.Join(res.DeadLettered, " "))
	}
}

func (a *app) ackCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "ack ID...",
		Short: "Acknowledge messages",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return a.withClient(cmd, func(s *session) error {
				n, err := s.client.Ack(cmd.Context(), ids...)
				if err != nil {
					return err
				}
				note := ""
				if int(n) < len(ids) {
					note = fmt.Sprintf("%d of %d ID(s) were not pending: already acked, never delivered, or not in this group", len(ids)-int(n), len(ids))
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
		Short: "Hand a message you hold back, so the next claim takes it at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(cmd, func(s *session) error {
				if err := s.client.Release(cmd.Context(), args[0]); err != nil {
					return err
				}
				return a.success(fmt.Sprintf("released %s", args[0]), nil)
			})
		},
	}
}

func (a *app) rejectCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "reject ID --reason R",
		Short: "Move a pending message to the dead-letter stream now",
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
					return a.printJSON(out)
				}
				a.printPending(page, q)
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
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if at != "" {
				t, err := queue.ParseTime(at)
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
				if a.json {
					rows := make([]map[string]any, len(page.Entries))
					for i, e := range page.Entries {
						rows[i] = map[string]any{"streamMessageId": e.ID, "state": e.State.String(), "fields": fieldMap(e.Fields), "cut": e.Cut}
						if e.State == queue.StatePending {
							rows[i]["consumer"], rows[i]["deliveries"] = e.Consumer, e.Deliveries
						}
					}
					return a.printJSON(map[string]any{"entries": rows, "lastDeliveredId": page.LastDelivered})
				}
				a.printRange(page)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&q.From, "from", "", "start at this ID, inclusive (newest end by default)")
	cmd.Flags().StringVar(&at, "at", "", "start at this time (RFC 3339, 2006-01-02 15:04, or 2006-01-02)")
	cmd.Flags().BoolVar(&q.Forward, "forward", false, "oldest first")
	cmd.Flags().IntVar(&q.Count, "count", 20, "page size")
	return cmd
}

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
		Short: "Stream length, group lag and pending, consumers, dead letters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withClient(cmd, func(s *session) error {
				st, err := s.client.Stats(cmd.Context())
				if err != nil {
					return err
				}
				if a.json {
					cons := make([]map[string]any, len(st.Consumers))
					for i, c := range st.Consumers {
						cons[i] = map[string]any{"name": c.Name, "pending": c.Pending, "idleMs": c.Idle.Milliseconds()}
					}
					return a.printJSON(map[string]any{
						"stream": st.Stream, "length": st.Length, "group": st.Group,
						"consumers": cons, "deadStream": st.DeadStream, "deadLength": st.DeadLength,
					})
				}
				a.printStats(st)
				return nil
			})
		},
	}
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
					fmt.Fprintf(a.stderr, "note: %d of %d ID(s) were not in %s\n", len(ids)-int(n), len(ids), s.client.Config().DeadStream)
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
