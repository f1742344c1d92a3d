package tui

import (
	"context"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// The browsing screens' server calls. Each constructor captures its inputs
// before the closure and runs through Common.call, which applies the
// session's deadline off the Update loop.

// pageMove is where a stream-like page (the stream, the dead letters) goes.
type pageMove int

const (
	moveNewest pageMove = iota // the newest page
	moveOlder                  // the page older than the current one; from is Before(last ID)
	moveNewer                  // the page newer than the current one; from is After(first ID)
	moveOldest                 // the oldest page
	moveAt                     // the page at or before from (an ID or a bare millisecond time)
	moveReload                 // the current page again; from is its first ID
	moveLatest                 // the newest page again, as a refresh: the selection stays
)

// fetchPage reads one page newest first. Going newer reads forward and
// reverses, because the page must end right after the current one; when
// fewer than a full page are newer, the newest page is read instead so the
// screen always shows a full page. Nothing reads more than two pages.
func fetchPage[T any](ctx context.Context, read func(context.Context, queue.StreamQuery) ([]T, error), move pageMove, from string, count int) ([]T, error) {
	switch move {
	case moveNewer:
		rows, err := read(ctx, queue.StreamQuery{From: from, Forward: true, Count: count})
		if err != nil || len(rows) == count {
			slices.Reverse(rows)
			return rows, err
		}
		return read(ctx, queue.StreamQuery{Count: count})
	case moveOldest:
		rows, err := read(ctx, queue.StreamQuery{Forward: true, Count: count})
		slices.Reverse(rows)
		return rows, err
	case moveNewest, moveLatest:
		from = ""
	}
	return read(ctx, queue.StreamQuery{From: from, Count: count})
}

func pendingPageCmd(c *Common, seq int, q queue.PendingQuery, stack []string) tea.Cmd {
	ql := c.Queue
	stack = slices.Clone(stack)
	return c.call(func(ctx context.Context) tea.Msg {
		page, err := ql.PendingPage(ctx, q)
		return PendingLoadedMsg{Seq: seq, Query: q, Stack: stack, Page: page, Err: err}
	})
}

func streamPageCmd(c *Common, seq int, move pageMove, from string, count int) tea.Cmd {
	sr := c.Queue
	read := func(ctx context.Context, q queue.StreamQuery) ([]queue.StreamEntry, error) {
		p, err := sr.StreamPage(ctx, q)
		return p.Entries, err
	}
	return c.call(func(ctx context.Context) tea.Msg {
		rows, err := fetchPage(ctx, read, move, from, count)
		return StreamLoadedMsg{Seq: seq, Move: move, Entries: rows, Err: err}
	})
}

func deadPageCmd(c *Common, seq int, move pageMove, from string, count int) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		rows, err := fetchPage(ctx, dl.DeadPage, move, from, count)
		return DeadLoadedMsg{Seq: seq, Move: move, Letters: rows, Err: err}
	})
}

func getEntryCmd(c *Common, screen, seq int, id string) tea.Cmd {
	g := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		e, err := g.Get(ctx, id)
		return EntryLoadedMsg{Screen: screen, Seq: seq, ID: id, Entry: e, Err: err}
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
		return PendingClaimedMsg{ID: id, Force: force, Claimed: m, Err: err}
	})
}

func ackPendingCmd(c *Common, id string) tea.Cmd {
	pl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		n, err := pl.Ack(ctx, id)
		return PendingAckedMsg{ID: id, N: n, Err: err}
	})
}

func redriveCmd(c *Common, id string) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		nid, err := dl.Redrive(ctx, id)
		return DeadRedrivenMsg{ID: id, NewID: nid, Err: err}
	})
}

func deleteDeadCmd(c *Common, id string) tea.Cmd {
	dl := c.Queue
	return c.call(func(ctx context.Context) tea.Msg {
		n, err := dl.DeleteDead(ctx, id)
		return DeadDeletedMsg{ID: id, N: n, Err: err}
	})
}
