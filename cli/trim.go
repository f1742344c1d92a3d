package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

func (a *app) trimCommand() *cobra.Command {
	var before, deadBefore string
	var dryRun, yes bool
	cmd := &cobra.Command{
		Use:   "trim --before AGE|TIME [--dead-before AGE|TIME] [--dry-run] --yes",
		Short: "Remove old messages every group is done with, and old dead letters",
		Long: `Remove the messages added before --before that every consumer group of the
stream has been delivered and none holds, with their outcome records: a
message nobody has been offered yet, one someone holds, one handed back
(released), snoozed or waiting to be offered again, stays however old it
is. --dead-before removes the dead letters dead-lettered before it,
whatever their reason.

AGE is 30d (days), or a Go duration: 720h, 90m. TIME is RFC 3339,
"2006-01-02 15:04" or a date, local (TZ) unless a zone is given, as the
times printed. A message's time is its ID's.

--dry-run counts what would go and removes nothing; anything else needs
--yes. The work goes 100 messages per server call, whatever the stream's
length, with a progress bar on a terminal; ctrl+c stops it with what it
did so far (run it again to go on). reviewq serve --retention does the
same on the desk every few minutes.`,
		Example: `  reviewq trim --before 30d --dead-before 90d --dry-run
  reviewq trim --before 30d --yes --json
  #   {"removed":1234,"kept":{"undelivered":3,"pending":2,"released":0,"waiting":1}}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if before == "" && deadBefore == "" {
				return userErrorf("say what to remove: --before AGE|TIME for messages, --dead-before AGE|TIME for dead letters")
			}
			now := time.Now()
			var q queue.TrimQuery
			var err error
			if q.Before, err = cutoff("--before", before, now); err != nil {
				return err
			}
			if q.DeadBefore, err = cutoff("--dead-before", deadBefore, now); err != nil {
				return err
			}
			q.DryRun = dryRun
			if !dryRun && !yes {
				return userErrorf("this would remove %s: add --yes to go ahead (or --dry-run to count them first)", trimWhat(q, before, deadBefore))
			}
			return a.withClient(cmd, func(s *session) error {
				// ctrl+c stops the trim, not the program: what went is
				// still reported.
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
				defer stop()
				var bar *progressBar
				dead := false
				res, err := s.client.Trim(ctx, q, func(p queue.TrimProgress) {
					if bar != nil && p.Dead != dead {
						bar.finish()
						bar = nil
					}
					dead = p.Dead
					if bar == nil && p.Total >= trimProgressMin {
						bar = a.progressBarFrom(int(p.Total), trimProgressMin)
					}
					if bar != nil {
						bar.total = int(p.Total)
						bar.show(int(p.Looked))
					}
				})
				if bar != nil {
					bar.finish()
				}
				stopped := err != nil && errors.Is(err, context.Canceled) && cmd.Context().Err() == nil
				if err != nil && !stopped {
					if res.Removed > 0 || res.DeadRemoved > 0 {
						return fmt.Errorf("removed %d messages and %d dead letters, then: %w (run it again to go on)", res.Removed, res.DeadRemoved, err)
					}
					return err
				}
				if a.json {
					out := trimJSON{Removed: res.Removed, Kept: res.Kept, DryRun: q.DryRun, Stopped: stopped}
					if !q.DeadBefore.IsZero() {
						out.DeadRemoved = &res.DeadRemoved
					}
					return a.printJSON(out)
				}
				a.printTrim(q, res, before, deadBefore, stopped)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&before, "before", "", "remove the messages added before this, every group done with them: an age (30d, 720h) or a time")
	cmd.Flags().StringVar(&deadBefore, "dead-before", "", "remove the dead letters dead-lettered before this: an age (90d) or a time")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count what would go; remove nothing")
	cmd.Flags().BoolVar(&yes, "yes", false, "remove (without it, only --dry-run runs)")
	return cmd
}

// trimJSON is trim --json's reply, in this order.
type trimJSON struct {
	Removed     int64          `json:"removed"`
	Kept        queue.TrimKept `json:"kept"`
	DeadRemoved *int64         `json:"deadRemoved,omitempty"` // with --dead-before
	DryRun      bool           `json:"dryRun,omitempty"`
	Stopped     bool           `json:"stopped,omitempty"` // ctrl+c
}

// trimProgressMin is the smallest trim (in messages to look at, as
// estimated) worth a progress bar.
const trimProgressMin = 1_000

// days reads "30d", optionally followed by a Go duration ("1d12h").
var days = regexp.MustCompile(`^(\d+)d(.*)$`)

// parseAge reads an age: 30d, or a Go duration (720h, 90m); never
// negative.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if m := days.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100_000 {
			return 0, fmt.Errorf("%q: too many days", s)
		}
		d = time.Duration(n) * 24 * time.Hour
		if m[2] == "" {
			return d, nil
		}
		s = m[2]
	}
	rest, err := time.ParseDuration(s)
	if err != nil || rest < 0 {
		return 0, fmt.Errorf("%q is not an age: write 30d, 720h or 90m", s)
	}
	return d + rest, nil
}

// cutoff reads flag's value: an age before now, or a time (zero when the
// value is empty).
func cutoff(flag, value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	if age, err := parseAge(value); err == nil {
		return now.Add(-age), nil
	}
	t, err := termtext.ParseTime(value, loc)
	if err != nil {
		return time.Time{}, userErrorf("%s %s: not an age (30d, 720h) nor a time (2026-11-23, 2026-11-23 09:00)", flag, value)
	}
	return t, nil
}

// trimWhat says what a trim removes, in one line.
func trimWhat(q queue.TrimQuery, before, deadBefore string) string {
	var parts []string
	if !q.Before.IsZero() {
		parts = append(parts, fmt.Sprintf("the messages added before %s that every group is done with, and their outcome records", cutoffText(q.Before, before)))
	}
	if !q.DeadBefore.IsZero() {
		parts = append(parts, fmt.Sprintf("the dead letters from before %s", cutoffText(q.DeadBefore, deadBefore)))
	}
	return strings.Join(parts, ", and ")
}

// cutoffText writes a cutoff in the viewer's zone, with the age it was
// given as.
func cutoffText(t time.Time, typed string) string {
	at := termtext.Time(t, loc)
	if _, err := parseAge(typed); err == nil {
		return fmt.Sprintf("%s (%s ago)", at, strings.TrimSpace(typed))
	}
	return at
}

func (a *app) printTrim(q queue.TrimQuery, res queue.TrimResult, before, deadBefore string, stopped bool) {
	verb := "removed"
	if q.DryRun {
		verb = "would remove"
	}
	if !q.Before.IsZero() {
		fmt.Fprintf(a.stdout, "%s %s added before %s, with their outcome records\n", verb,
			termtext.Plural(res.Removed, "message", "messages"), cutoffText(q.Before, before))
		k := res.Kept
		var kept []string
		for _, c := range []struct {
			n    int64
			what string
		}{{k.Undelivered, "not yet delivered to every group"}, {k.Pending, "pending"}, {k.Released, "released"}, {k.Waiting, "waiting"}} {
			if c.n > 0 {
				kept = append(kept, termtext.Thousands(c.n)+" "+c.what)
			}
		}
		if len(kept) > 0 {
			fmt.Fprintf(a.stdout, "kept %s older: %s\n", termtext.Plural(k.Undelivered+k.Pending+k.Released+k.Waiting, "message", "messages"), strings.Join(kept, ", "))
		}
	}
	if !q.DeadBefore.IsZero() {
		fmt.Fprintf(a.stdout, "%s %s from before %s\n", verb, termtext.Plural(res.DeadRemoved, "dead letter", "dead letters"), cutoffText(q.DeadBefore, deadBefore))
	}
	if stopped {
		fmt.Fprintln(a.stdout, "stopped: run it again to go on")
	}
}
