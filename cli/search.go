package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

func (a *app) searchCommand() *cobra.Command {
	var q queue.SearchQuery
	cmd := &cobra.Command{
		Use:   "search TEXT",
		Short: "Find messages whose name, email or message contains TEXT, newest first",
		Long: `Search the whole stream, newest first, for messages whose name, email or
message contains TEXT. ASCII letters match whatever their case; other letters
match as typed, in lower case or in upper case ("crème" finds "Crème" and
"CRÈME"). The server looks at 500 messages per call, so a search never holds
it up however long the stream; on a terminal a progress bar shows how far it
got, and ctrl+c stops it with what it found so far and where to go on.`,
		Example: `  reviewq search "invoice"
  reviewq search ada@example.org --json --limit 5
  reviewq search refund --before 1764009314892-0     # go on where the last one stopped`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q.Text = args[0]
			if q.Limit < 0 {
				return userErrorf("--limit must be 0 (no limit) or more")
			}
			if q.Limit == 0 {
				q.Limit = -1 // the flag's 0 means "no limit"; queue's 0 means the default
			}
			if q.Before != "" {
				if _, err := queue.ParseID(q.Before); err != nil {
					return userErrorf("--before: %q is not a stream ID", q.Before)
				}
			}
			return a.withClient(cmd, func(s *session) error {
				// ctrl+c stops the search, not the program: what was found is
				// still written.
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
				defer stop()
				var bar *progressBar
				page, err := s.client.Search(ctx, q, func(p queue.SearchProgress) {
					if bar == nil {
						bar = a.progressBarFrom(int(p.Total), 2*queue.SearchChunk)
					}
					bar.show(int(p.Scanned))
				})
				if bar != nil {
					bar.finish()
				}
				stopped := err != nil && errors.Is(err, context.Canceled) && cmd.Context().Err() == nil
				if err != nil && !stopped {
					return err
				}
				if a.json {
					out := map[string]any{"entries": entryRows(page.Entries), "scanned": page.Scanned, "next": page.Next}
					if stopped {
						out["stopped"] = true
					}
					return a.printJSON(out)
				}
				a.printSearch(page, q, stopped, s.client)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&q.Limit, "limit", queue.DefaultSearchLimit, "stop after this many matches; 0 for all")
	cmd.Flags().StringVar(&q.Before, "before", "", "search messages older than this ID (the next cursor of a search that stopped)")
	return cmd
}

func (a *app) printSearch(p queue.SearchPage, q queue.SearchQuery, stopped bool, c *queue.Client) {
	if len(p.Entries) == 0 {
		fmt.Fprintln(a.stdout, "no messages found")
	} else {
		a.printRange(queue.StreamPage{Entries: p.Entries}, c.Config().Now(), "")
	}
	how := "searched"
	if stopped {
		how = "stopped after"
	}
	fmt.Fprintf(a.stdout, "%s %s\n", how, termtext.Plural(p.Scanned, "message", "messages"))
	if p.Next != "" {
		more := "reviewq search " + shellQuote(q.Text)
		if q.Limit > 0 && q.Limit != queue.DefaultSearchLimit {
			more += fmt.Sprintf(" --limit %d", q.Limit)
		} else if q.Limit < 0 {
			more += " --limit 0"
		}
		fmt.Fprintf(a.stdout, "more: %s --before %s\n", more, p.Next)
	}
}
