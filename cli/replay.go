package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

func (a *app) replayCommand() *cobra.Command {
	var from, to string
	var yes bool
	cmd := &cobra.Command{
		Use:   "replay --from ID|TIME [--to ID|TIME]",
		Short: "Put acked messages back in front of reviewers, as new messages",
		Long: `Copy the acked messages of a range back onto the stream as new messages, with
the original fields and "replay.of" = the original's ID; the originals stay
as they are. Messages that are new, pending, dead-lettered or skipped are
not copied. Both ends are inclusive: an ID, or a time (RFC 3339,
"2006-01-02 15:04", a date; local (TZ) unless a zone is given, as the times
printed). --to defaults to the newest message. A --from after --to, or
after the newest message, is refused.

It counts first and asks (y/N) on the terminal; without a terminal it needs
--yes. The work goes 100 messages per server call, whatever the range.`,
		Example: `  reviewq replay --from "2026-11-23 09:00"               # everything acked since 09:00
  reviewq replay --from 1764009314892-0 --to 1764009314892-0 --yes --json
  #   {"replayed":1}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return userErrorf("--from is required: an ID or a time")
			}
			r, err := replayRange(from, to)
			if err != nil {
				return err
			}
			return a.withClient(cmd, func(s *session) error {
				plan, err := s.client.PlanReplay(cmd.Context(), r, nil)
				if err != nil {
					return err
				}
				if plan.Range.To != "" && idAfter(plan.Range.From, plan.Range.To) {
					return userErrorf("--from %s is after the newest message, %s: nothing to replay", asRead(from, r.From), boundText(plan.Range.To))
				}
				if plan.Count == 0 {
					if a.json {
						return a.printJSON(map[string]any{"replayed": 0})
					}
					fmt.Fprintf(a.stdout, "nothing to replay: no acked messages %s\n", describeRange(plan.Range))
					return nil
				}
				if !yes {
					ask := fmt.Sprintf("replay %s acked messages %s as new ones", termtext.Thousands(plan.Count), describeRange(plan.Range))
					if plan.Count == 1 {
						ask = fmt.Sprintf("replay 1 acked message %s as a new one", describeRange(plan.Range))
					}
					if err := a.confirm(ask); err != nil {
						return err
					}
				}
				bar := a.progressBarFrom(int(plan.Count), 1_000)
				res, err := s.client.Replay(cmd.Context(), plan.Range, func(p queue.ReplayProgress) { bar.show(int(p.Acked)) })
				bar.finish()
				if err != nil {
					if res.Replayed > 0 {
						return fmt.Errorf("replayed %d, then: %w (go on with --from %s)", res.Replayed, err, res.Next)
					}
					return err
				}
				if a.json {
					return a.printJSON(map[string]any{"replayed": res.Replayed})
				}
				switch res.Replayed {
				case 0:
					fmt.Fprintln(a.stdout, "replayed 0: the messages counted were no longer acked")
				case 1:
					fmt.Fprintf(a.stdout, "replayed 1 as %s\n", res.First)
				default:
					fmt.Fprintf(a.stdout, "replayed %d as %s … %s\n", res.Replayed, res.First, res.Last)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the first message: an ID or a time (inclusive)")
	cmd.Flags().StringVar(&to, "to", "", "the last message: an ID or a time (inclusive; default the newest)")
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask")
	return cmd
}

// replayRange reads --from and --to: a stream ID (a bare number is a
// millisecond: from its start, to its end) or a time. A range that ends
// before it starts is the user's mistake (often a time read in another
// zone than they meant), not an empty replay.
func replayRange(from, to string) (queue.ReplayRange, error) {
	var r queue.ReplayRange
	var err error
	if r.From, err = replayBound(from, false); err != nil {
		return r, usageError{fmt.Errorf("--from: %w", err)}
	}
	if to != "" {
		if r.To, err = replayBound(to, true); err != nil {
			return r, usageError{fmt.Errorf("--to: %w", err)}
		}
		if idAfter(r.From, r.To) {
			return r, userErrorf("--from %s is after --to %s: the range holds nothing", asRead(from, r.From), asRead(to, r.To))
		}
	}
	return r, nil
}

// idAfter reports whether stream ID a comes after b; both are valid.
func idAfter(a, b string) bool {
	pa, errA := queue.ParseID(a)
	pb, errB := queue.ParseID(b)
	return errA == nil && errB == nil && pb.Less(pa)
}

// asRead is a bound as the user typed it and, for a time, as it was read:
// the zone it was read in is what a user who meant another one must see.
func asRead(typed, id string) string {
	if _, err := queue.ParseID(typed); err == nil {
		return typed
	}
	return fmt.Sprintf("%q (%s)", typed, termtext.Time(queue.IDTime(id), loc))
}

func replayBound(s string, end bool) (string, error) {
	if id, err := queue.ParseID(s); err == nil {
		if end && !strings.Contains(s, "-") {
			return queue.ReplayRangeAt(time.Time{}, queue.IDTime(id.String())).To, nil
		}
		return id.String(), nil
	}
	t, err := termtext.ParseTime(s, loc)
	if err != nil {
		return "", errors.New("not a stream ID nor a time: " + err.Error())
	}
	if end {
		return queue.ReplayRangeAt(time.Time{}, t).To, nil
	}
	return queue.ReplayRangeAt(t, time.Time{}).From, nil
}

func describeRange(r queue.ReplayRange) string {
	return fmt.Sprintf("from %s to %s", boundText(r.From), boundText(r.To))
}

// boundText writes a range's bound as an ID with its time in the viewer's
// zone, or as "the end of" a millisecond the user gave as a time.
func boundText(id string) string {
	p, err := queue.ParseID(id)
	if err != nil || p.Ms == 0 {
		return id
	}
	at := queue.IDTime(id).In(loc).Format("2006-01-02 15:04:05.000 MST")
	if p.Seq == math.MaxUint64 {
		return "the end of " + at
	}
	return id + " at " + at
}

// stdinIsTerminal says whether the user can be asked. A variable so tests
// can play a user at a terminal.
var stdinIsTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// errNotConfirmed is the answer "no" (or none).
var errNotConfirmed = errors.New("not confirmed: nothing was copied")

// confirm asks whether to do what it says, on the terminal (stderr), and
// reads the answer from stdin; only y or yes goes on. Without a terminal it
// refuses: a script must say --yes.
func (a *app) confirm(what string) error {
	if !stdinIsTerminal(a.stdin) {
		return userErrorf("this would %s: add --yes to go ahead (there is no terminal to ask on)", what)
	}
	fmt.Fprintf(a.stderr, "%s? [y/N] ", what)
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && line == "" {
		return usageError{errNotConfirmed}
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return usageError{errNotConfirmed}
}
