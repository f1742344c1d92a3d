package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// The only code in tui that calls the server. Each constructor captures its
// inputs before the closure and runs through Common.call, which applies
// the session's context and deadline off the Update loop. Results are
// typed messages that carry their own error; the root addresses them to
// the screen whose Cmd they come from, so each exists once, whichever
// screen uses it.

// ClaimedMsg is the outcome of claiming the next message. Result.Message
// is nil when the queue was empty. Seq is the claim's: a reply to a claim
// made before the screen took another message over comes too late.
type ClaimedMsg struct {
	Seq    int
	Result queue.ClaimResult
	Err    error
}

// AckedMsg is the outcome of acking one message; N is 0 when it was no
// longer pending.
type AckedMsg struct {
	ID  string
	N   int64
	Err error
}

// AckClaimedMsg is the outcome of acking one message and claiming the
// next (A); Seq is the claim's, as in ClaimedMsg.
type AckClaimedMsg struct {
	Seq    int
	ID     string
	N      int64
	Result queue.ClaimResult
	Err    error
}

// ReleasedMsg is the outcome of handing a message back; Due is when it is
// offered again when it waits first (the retry backoff), else zero.
type ReleasedMsg struct {
	ID  string
	Due time.Time
	Err error
}

// SnoozedMsg is the outcome of snoozing the held message until Until.
type SnoozedMsg struct {
	ID    string
	Until time.Time
	Err   error
}

// RejectedMsg is the outcome of dead-lettering a message.
type RejectedMsg struct {
	ID     string
	DeadID string
	Err    error
}

// KeptAliveMsg is the outcome of one keep-alive of the held message.
type KeptAliveMsg struct {
	ID  string
	Gen int
	Err error
}

// ContactAddedMsg is the outcome of Compose's submit.
type ContactAddedMsg struct {
	Added queue.Added
	Err   error
}

// PendingLoadedMsg is one page of the pending list. Query, Consumers and
// Stack are what produced it; the screen adopts them only when the load
// succeeds, so a failed page leaves everything as it was.
type PendingLoadedMsg struct {
	Seq       int
	Query     queue.PendingQuery
	Consumers []string
	Stack     []string
	Page      queue.PendingPage
	Err       error
}

// StreamLoadedMsg is one page of the stream, newest first; Newest when
// it is the newest page, which comes with the messages added for later
// (Scheduled, the soonest due; ScheduledTotal of them in all).
type StreamLoadedMsg struct {
	Seq            int
	Move           pageMove
	Newest         bool
	Entries        []queue.StreamEntry
	Scheduled      []queue.WaitingEntry
	ScheduledTotal int64
	Err            error
}

// DeadLoadedMsg is one page of the dead-letter stream, newest first;
// Newest when it is the newest page.
type DeadLoadedMsg struct {
	Seq     int
	Move    pageMove
	Newest  bool
	Letters []queue.DeadLetter
	Err     error
}

// EntryLoadedMsg is one entry read in full.
type EntryLoadedMsg struct {
	Seq   int
	ID    string
	Entry queue.Entry
	Err   error
}

// DeadOpenedMsg is one dead letter read in full.
type DeadOpenedMsg struct {
	Seq    int
	Letter queue.DeadLetter
	Err    error
}

// ClaimedIDMsg is the outcome of claiming one pending entry by ID.
type ClaimedIDMsg struct {
	ID      string
	Force   bool
	Claimed *queue.Claimed
	Err     error
}

// RedrivenMsg is the outcome of a redrive: NewID is the entry's ID on the
// main stream.
type RedrivenMsg struct {
	ID    string
	NewID string
	Err   error
}

// ActivityLoadedMsg is the last hour of the group, minute by minute.
type ActivityLoadedMsg struct {
	Activity queue.Activity
	Err      error
}

// SearchedMsg is the outcome of a search of the whole stream: what it
// found, and with context.Canceled when esc stopped it (Page holds what it
// found until then).
type SearchedMsg struct {
	Seq   int
	Query queue.SearchQuery
	Page  queue.SearchPage
	Err   error
}

// ReplayPlannedMsg is a replay counted: how many acked entries it will
// copy, before the reviewer is asked.
type ReplayPlannedMsg struct {
	Seq  int
	Plan queue.ReplayPlan
	Err  error
}

// ReplayedMsg is the outcome of a replay; on an error Result says how many
// were copied before it.
type ReplayedMsg struct {
	Seq    int
	Result queue.ReplayResult
	Err    error
}

// JobProgressMsg says how far a job (a search, a replay) has got: Done of
// Total (0 when the total is not known), Found so far.
type JobProgressMsg struct {
	Seq                int
	Done, Total, Found int64
	next               <-chan JobProgressMsg
}

// DeadDeletedMsg is the outcome of deleting a dead letter for good.
type DeadDeletedMsg struct {
	ID  string
	N   int64
	Err error
}

// statsCmd reads the numbers now; with a shared feed (Deps.Stats) it asks
// the feed to read soon instead, and the numbers come back from outside.
func statsCmd(c *Common) tea.Cmd {
	if feed := c.Stats; feed != nil {
		return func() tea.Msg { feed.Refresh(); return nil }
	}
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		st, err := q.Stats(ctx)
		return StatsLoadedMsg{Stats: st, Err: err}
	})
}

func claimCmd(c *Common, seq int) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		res, err := q.Claim(ctx)
		return ClaimedMsg{Seq: seq, Result: res, Err: err}
	})
}

func ackCmd(c *Common, id string) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		n, err := q.Ack(ctx, id)
		return AckedMsg{ID: id, N: n, Err: err}
	})
}

func ackClaimCmd(c *Common, id string, seq int) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		n, res, err := q.AckAndClaim(ctx, id)
		return AckClaimedMsg{Seq: seq, ID: id, N: n, Result: res, Err: err}
	})
}

func releaseCmd(c *Common, id string) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		due, err := q.ReleaseDue(ctx, id)
		return ReleasedMsg{ID: id, Due: due, Err: err}
	})
}

func snoozeCmd(c *Common, id string, until time.Time) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		return SnoozedMsg{ID: id, Until: until, Err: q.Snooze(ctx, id, until)}
	})
}

func rejectCmd(c *Common, id, reason string) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		did, err := q.Reject(ctx, id, reason)
		return RejectedMsg{ID: id, DeadID: did, Err: err}
	})
}

func keepAliveCmd(c *Common, id string, gen int) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		return KeptAliveMsg{ID: id, Gen: gen, Err: q.KeepAlive(ctx, id)}
	})
}

// addContactCmd adds a draft once: the same key again (a double submit,
// a retry after a timeout that did reach the server) adds nothing and
// answers with the first entry.
// addContactCmd adds a contact message once per key; a notBefore after now
// adds it for later (zero: now).
func addContactCmd(c *Common, key, name, email, message string, notBefore time.Time) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		added, err := q.AddContactLater(ctx, key, name, email, message, notBefore)
		return ContactAddedMsg{Added: added, Err: err}
	})
}

// pendingPageCmd reads one page of the pending list. With several
// consumers (a filter that matches more than one name) it reads a page of
// each at the same time and keeps the lowest IDs: each consumer's list is
// in ID order, so the last ID kept is a cursor that skips nothing.
func pendingPageCmd(c *Common, seq int, q queue.PendingQuery, consumers, stack []string) tea.Cmd {
	ql := c.Queue
	consumers, stack = slices.Clone(consumers), slices.Clone(stack)
	return c.call(func(ctx context.Context) tea.Msg {
		msg := PendingLoadedMsg{Seq: seq, Query: q, Consumers: consumers, Stack: stack}
		if len(consumers) <= 1 {
			if len(consumers) == 1 {
				q.Consumer = consumers[0]
			}
			msg.Page, msg.Err = ql.PendingPage(ctx, q)
			return msg
		}
		pages := make([]queue.PendingPage, len(consumers))
		errs := make([]error, len(consumers))
		var wg sync.WaitGroup
		for i, name := range consumers {
			wg.Go(func() {
				cq := q
				cq.Consumer = name
				pages[i], errs[i] = ql.PendingPage(ctx, cq)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			msg.Err = err
			return msg
		}
		// Each consumer's page says nothing past its own Next (the end of
		// a full page, or where an idle scan stopped), so the merged page
		// keeps only entries up to the lowest such point and goes on from
		// there.
		// An ID the pages hold that is not one is the merge's error.
		var badID error
		compare := func(a, b string) int {
			order, err := queue.CompareIDs(a, b)
			if err != nil && badID == nil {
				badID = err
			}
			return order
		}
		var all []queue.PendingEntry
		limit := ""
		for _, p := range pages {
			all = append(all, p.Entries...)
			msg.Page.Scanned += p.Scanned
			msg.Page.Pending += p.Pending
			if p.Next != "" && (limit == "" || compare(p.Next, limit) < 0) {
				limit = p.Next
			}
		}
		slices.SortFunc(all, func(a, b queue.PendingEntry) int { return compare(a.ID, b.ID) })
		if limit != "" {
			all = slices.DeleteFunc(all, func(e queue.PendingEntry) bool { return compare(e.ID, limit) > 0 })
		}
		if badID != nil {
			msg.Err = badID
			return msg
		}
		msg.Page.Next = limit
		if len(all) > q.Count {
			all = all[:q.Count]
			msg.Page.Next = all[len(all)-1].ID
		}
		msg.Page.Entries = all
		return msg
	})
}

func streamPageCmd(c *Common, seq int, move pageMove, from string, count int) tea.Cmd {
	sr := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		var newestPage queue.StreamPage // the page at the newest end, when read
		read := func(ctx context.Context, q queue.StreamQuery) ([]queue.StreamEntry, error) {
			p, err := sr.StreamPage(ctx, q)
			if q.From == "" && !q.Forward {
				newestPage = p
			}
			return p.Entries, err
		}
		rows, newest, err := fetchPage(ctx, read, move, from, count)
		msg := StreamLoadedMsg{Seq: seq, Move: move, Newest: newest, Entries: rows, Err: err}
		if newest {
			msg.Scheduled, msg.ScheduledTotal = newestPage.Scheduled, newestPage.ScheduledTotal
		}
		return msg
	})
}

func deadPageCmd(c *Common, seq int, move pageMove, from string, count int) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		rows, newest, err := fetchPage(ctx, dl.DeadPage, move, from, count)
		return DeadLoadedMsg{Seq: seq, Move: move, Newest: newest, Letters: rows, Err: err}
	})
}

func getEntryCmd(c *Common, seq int, id string) tea.Cmd {
	g := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		e, err := g.Get(ctx, id)
		return EntryLoadedMsg{Seq: seq, ID: id, Entry: e, Err: err}
	})
}

func getDeadCmd(c *Common, seq int, id string) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		d, err := dl.GetDead(ctx, id)
		return DeadOpenedMsg{Seq: seq, Letter: d, Err: err}
	})
}

func claimIDCmd(c *Common, id string, force bool) tea.Cmd {
	pl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		m, err := pl.ClaimID(ctx, id, force)
		return ClaimedIDMsg{ID: id, Force: force, Claimed: m, Err: err}
	})
}

func redriveCmd(c *Common, id string) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		nid, err := dl.Redrive(ctx, id)
		return RedrivenMsg{ID: id, NewID: nid, Err: err}
	})
}

func deleteDeadCmd(c *Common, id string) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		n, err := dl.DeleteDead(ctx, id)
		return DeadDeletedMsg{ID: id, N: n, Err: err}
	})
}

// copyEmailCmd puts a sender's address on the clipboard of the terminal
// the reviewer sits at (OSC 52, so it works over SSH too) and says so.
func copyEmailCmd(c *Common, e *queue.Entry) tea.Cmd {
	if e == nil {
		c.warn("nothing selected to copy an email address from")
		return nil
	}
	email := termtext.SanitizeLine(e.Email())
	if email == "" {
		c.warn("%s has no email address to copy", about(e.ID, e))
		return nil
	}
	c.ok("copied %s (from %s) to the clipboard", termtext.Truncate(email, 40), about(e.ID, e))
	return tea.SetClipboard(email)
}

// errReason is an error as a short, safe phrase for one line: the kind of
// failure ("server unreachable"), not the whole chain with the operation.
func errReason(err error) string {
	if err == nil {
		return "unknown error"
	}
	var notSafe *queue.ReplicationError
	if errors.As(err, &notSafe) {
		// Its ID and how many replicas have it, not only that it fell short.
		return termtext.SanitizeLine(notSafe.Error())
	}
	var qe *queue.Error
	if errors.As(err, &qe) && qe.Kind != nil {
		s := qe.Kind.Error()
		var held *queue.HeldError
		if errors.As(err, &held) && held.Owner != "" {
			s += " (" + held.Owner + ")"
		}
		return termtext.SanitizeLine(s)
	}
	return termtext.SanitizeLine(err.Error())
}

// isConnection reports whether err means the server could not be reached or
// did not answer, rather than refused the action.
func isConnection(err error) bool {
	return errors.Is(err, queue.ErrUnreachable) || errors.Is(err, queue.ErrTimeout) ||
		errors.Is(err, queue.ErrTLS) || errors.Is(err, queue.ErrAuth)
}

// plural writes "1 message" or "3 messages".
func plural(n int64, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// safeID is an ID or name echoed on one line: sanitised and cut, since it
// may come from the server or the user.
func safeID(id string) string { return termtext.Truncate(termtext.SanitizeLine(id), 48) }

func activityCmd(c *Common) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		a, err := q.Activity(ctx)
		return ActivityLoadedMsg{Activity: a, Err: err}
	})
}

// A job is a server operation that goes chunk by chunk and may take a
// while: a search of the whole stream, counting or copying a replay. It
// runs with a context the screen cancels (esc, or the session ending),
// not one deadline for the whole: each of its server calls has its own
// (the queue's). Its progress comes back on a channel, the latest only,
// which the screen listens to one message at a time.

// jobContext is a job's context: the session's, cancellable.
func jobContext(c *Common) (context.Context, context.CancelFunc) {
	return context.WithCancel(c.Context)
}

// runJob runs work off the Update loop; its result comes back to the
// screen, and so does its progress while it runs.
func runJob(ctx context.Context, seq int, work func(ctx context.Context, report func(done, total, found int64)) tea.Msg) tea.Cmd {
	ch := make(chan JobProgressMsg, 1)
	report := func(done, total, found int64) {
		p := JobProgressMsg{Seq: seq, Done: done, Total: total, Found: found}
		select { // an unread report is stale: replace it
		case <-ch:
		default:
		}
		select {
		case ch <- p:
		default:
		}
	}
	do := func() tea.Msg {
		defer close(ch)
		return work(ctx, report)
	}
	return tea.Batch(do, listenJob(ch))
}

// listenJob waits for a job's next report; nothing once the job is over.
func listenJob(ch <-chan JobProgressMsg) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		p.next = ch
		return p
	}
}

func searchCmd(c *Common, ctx context.Context, seq int, q queue.SearchQuery) tea.Cmd {
	sr := c.Queue
	return runJob(ctx, seq, func(ctx context.Context, report func(done, total, found int64)) tea.Msg {
		page, err := sr.Search(ctx, q, func(p queue.SearchProgress) { report(p.Scanned, p.Total, int64(p.Found)) })
		return SearchedMsg{Seq: seq, Query: q, Page: page, Err: err}
	})
}

func planReplayCmd(c *Common, ctx context.Context, seq int, r queue.ReplayRange) tea.Cmd {
	rq := c.Queue
	return runJob(ctx, seq, func(ctx context.Context, report func(done, total, found int64)) tea.Msg {
		plan, err := rq.PlanReplay(ctx, r, func(p queue.ReplayProgress) { report(p.Scanned, 0, p.Acked) })
		return ReplayPlannedMsg{Seq: seq, Plan: plan, Err: err}
	})
}

func replayCmd(c *Common, ctx context.Context, seq int, plan queue.ReplayPlan) tea.Cmd {
	rq := c.Queue
	return runJob(ctx, seq, func(ctx context.Context, report func(done, total, found int64)) tea.Msg {
		res, err := rq.Replay(ctx, plan.Range, func(p queue.ReplayProgress) { report(p.Acked, plan.Count, p.Acked) })
		return ReplayedMsg{Seq: seq, Result: res, Err: err}
	})
}
