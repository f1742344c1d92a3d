package tui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// The root's, Review's and Compose's server calls. Each captures its inputs
// when it is built and runs through Common.call, which applies the deadline.
// Results come back as typed messages that carry their own error, because
// every non-key message reaches every screen: a screen must be able to tell
// its own results from another screen's.

// ClaimedMsg is the outcome of a claim from the Review screen. Result.Message
// is nil when the queue was empty.
type ClaimedMsg struct {
	Result queue.ClaimResult
	Err    error
}

// ReviewAckedMsg is the outcome of acking the held message; N is 0 when it
// was no longer pending.
type ReviewAckedMsg struct {
	ID  string
	N   int64
	Err error
}

// ReleasedMsg is the outcome of handing the held message back.
type ReleasedMsg struct {
	ID  string
	Err error
}

// RejectedMsg is the outcome of dead-lettering the held message.
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

func statsCmd(c *Common) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		st, err := q.Stats(ctx)
		return StatsLoadedMsg{Stats: st, Err: err}
	})
}

func claimCmd(c *Common) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		res, err := q.Claim(ctx)
		return ClaimedMsg{Result: res, Err: err}
	})
}

func ackCmd(c *Common, id string) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		n, err := q.Ack(ctx, id)
		return ReviewAckedMsg{ID: id, N: n, Err: err}
	})
}

func releaseCmd(c *Common, id string) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		return ReleasedMsg{ID: id, Err: q.Release(ctx, id)}
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

func addContactCmd(c *Common, name, email, message string) tea.Cmd {
	q := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		added, err := q.AddContact(ctx, name, email, message)
		return ContactAddedMsg{Added: added, Err: err}
	})
}

// statusCmd puts one line on the status line above the footer.
func statusCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text, Error: isErr} }
}

// errReason is an error as a short, safe phrase for one line: the kind of
// failure ("server unreachable"), not the whole chain with the operation.
func errReason(err error) string {
	if err == nil {
		return "unknown error"
	}
	var qe *queue.Error
	if errors.As(err, &qe) && qe.Kind != nil {
		s := qe.Kind.Error()
		var held *queue.HeldError
		if errors.As(err, &held) && held.Owner != "" {
			s += " (" + held.Owner + ")"
		}
		return SanitizeLine(s)
	}
	return SanitizeLine(err.Error())
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
func safeID(id string) string { return Truncate(SanitizeLine(id), 48) }
