package tui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// The Stream screen's longer work: searching the whole stream, and
// replaying acked entries (counting them, asking, copying). Each is a job
// (see runJob): one at a time, its progress on the bottom line, esc stops
// it between two server calls.

// streamJob is a search or a replay under way.
type streamJob struct {
	kind   jobKind
	seq    int
	cancel context.CancelFunc
	// subject is what it is about, as the notes name it: `"refund"`,
	// "Ann's message", "12 acked messages".
	subject string
	// what was marked: one entry (named by subject) or a range.
	single             bool
	done, total, found int64
}

type jobKind int

const (
	jobSearch jobKind = iota
	jobCount          // counting what a replay will copy
	jobReplay
)

func (j *streamJob) name() string {
	if j.kind == jobSearch {
		return "search"
	}
	return "replay"
}

// searchResults is one page of what a search of the whole stream found,
// listed in the stream's place until esc.
type searchResults struct {
	query   queue.SearchQuery // Before is where this page starts
	next    string            // where the next page of matches starts; "" at the stream's start
	scanned int64
	stopped bool // esc stopped it before it was done
	// saved is the stream page the results replaced, and its selection,
	// shown again on esc.
	saved    []queue.StreamEntry
	savedSel string
}

// startJob begins a job of kind; run starts its Cmd with the job's
// context and sequence number.
func (s *StreamScreen) startJob(kind jobKind, subject string, run func(ctx context.Context, seq int) tea.Cmd) tea.Cmd {
	if s.job != nil {
		s.c.warn("a %s is under way: wait for it, or %s to stop it", s.job.name(), s.c.key("back"))
		return nil
	}
	ctx, cancel := jobContext(s.c)
	s.jobSeq++
	s.job = &streamJob{kind: kind, seq: s.jobSeq, cancel: cancel, subject: subject}
	return run(ctx, s.jobSeq)
}

// endJob takes the job a reply is about off the screen; nil when the reply
// is stale.
func (s *StreamScreen) endJob(seq int) *streamJob {
	j := s.job
	if j == nil || j.seq != seq {
		return nil
	}
	j.cancel()
	s.job = nil
	return j
}

func (s *StreamScreen) jobUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case JobProgressMsg:
		if s.job == nil || s.job.seq != msg.Seq {
			return nil
		}
		s.job.done, s.job.total, s.job.found = msg.Done, msg.Total, msg.Found
		return listenJob(msg.next)
	case SearchedMsg:
		if j := s.endJob(msg.Seq); j != nil {
			s.searched(j, msg)
		}
	case ReplayPlannedMsg:
		if j := s.endJob(msg.Seq); j != nil {
			s.planned(j, msg)
		}
	case ReplayedMsg:
		if j := s.endJob(msg.Seq); j != nil {
			return s.replayed(j, msg)
		}
	}
	return nil
}

// jobLine is the bottom line while a job runs: what, how far (a bar when
// the total is known), and how to stop it.
func (s *StreamScreen) jobLine() string {
	th, j := s.c.Theme, s.job
	var what, tail string
	switch j.kind {
	case jobSearch:
		what = "searching " + j.subject
		tail = termtext.Thousands(j.found) + " found"
	case jobCount:
		what = "counting the acked messages to replay"
		tail = fmt.Sprintf("%s looked at, %s acked", termtext.Thousands(j.done), termtext.Thousands(j.found))
	case jobReplay:
		what = "replaying"
		tail = fmt.Sprintf("%s of %s copied", termtext.Thousands(j.done), termtext.Thousands(j.total))
	}
	tail += " · " + s.c.key("back") + " stops"
	bar := ""
	if j.total > 0 {
		b := s.bar
		b.FullColor, b.EmptyColor = th.Title.GetForeground(), th.Subtle.GetForeground()
		b.SetWidth(max(min(40, s.width-lenPrompt(what)-lenPrompt(tail)-4), 10))
		bar = "  " + b.ViewAs(min(float64(j.done)/float64(j.total), 1))
	}
	return termtext.Truncate(th.Prompt.Render(what)+bar+"  "+th.Subtle.Render(tail), s.width)
}

// Search.

func (s *StreamScreen) startSearch(q queue.SearchQuery) tea.Cmd {
	subject := `"` + termtext.Line(q.Text, 30) + `"`
	return s.startJob(jobSearch, subject, func(ctx context.Context, seq int) tea.Cmd {
		return searchCmd(s.c, ctx, seq, q)
	})
}

// searchAgain runs the listed search again from before (a page's start).
func (s *StreamScreen) searchAgain(before string) tea.Cmd {
	q := s.results.query
	q.Before, q.Limit = before, s.pageSize()
	return s.startSearch(q)
}

func (s *StreamScreen) searched(j *streamJob, msg SearchedMsg) {
	stopped := errors.Is(msg.Err, context.Canceled)
	if msg.Err != nil && !stopped {
		s.c.fail("search", "searching the stream for "+j.subject, msg.Err)
		return
	}
	s.c.succeeded("search")
	page := msg.Page
	if stopped && len(page.Entries) == 0 {
		s.c.info("search for %s stopped after %s messages: nothing found", j.subject, termtext.Thousands(page.Scanned))
		return
	}
	r := &searchResults{query: msg.Query, next: page.Next, scanned: page.Scanned, stopped: stopped}
	if s.results != nil {
		r.saved, r.savedSel = s.results.saved, s.results.savedSel
	} else {
		sel, _ := s.table.selected()
		r.saved, r.savedSel = s.entries, sel.id
	}
	s.results, s.entries, s.mark = r, page.Entries, ""
	s.table.top()
	s.buildRows("")
	if stopped {
		s.c.info("search for %s stopped: %d found so far; %s goes on", j.subject, len(page.Entries), s.c.key("page-down"))
	}
}

// leaveResults shows the stream page the results replaced, and reads it
// again: it may have changed meanwhile.
func (s *StreamScreen) leaveResults() tea.Cmd {
	r := s.results
	s.results, s.entries, s.mark = nil, r.saved, ""
	s.buildRows(r.savedSel)
	return s.reload()
}

// resultsAbout says what a page of results is: how many found in how
// many messages searched, and whether that was the whole stream or a
// search that stopped at a page's worth of matches (or at esc).
func (s *StreamScreen) resultsAbout() string {
	r := s.results
	text := termtext.Line(r.query.Text, 30)
	found, searched := termtext.Thousands(int64(len(s.table.rows))), termtext.Thousands(r.scanned)
	whole := r.next == "" && !r.stopped
	var about string
	switch {
	case r.query.Before == "" && whole:
		about = fmt.Sprintf(`"%s": %s found in all %s messages`, text, found, searched)
	case r.query.Before == "":
		about = fmt.Sprintf(`"%s": %s found in the newest %s messages, so far`, text, found, searched)
	case whole:
		about = fmt.Sprintf(`"%s", further back: %s found in the last %s messages`, text, found, searched)
	default:
		about = fmt.Sprintf(`"%s", further back: %s found in %s more messages, so far`, text, found, searched)
	}
	return about + " · newest first"
}

func (s *StreamScreen) resultsLine() string {
	r := s.results
	var where string
	switch {
	case r.stopped:
		where = "stopped before the end · " + s.c.key("page-down") + " goes on"
	case r.next != "":
		where = s.c.key("page-down") + " searches on for more"
	default:
		where = "searched to the stream's oldest message"
	}
	return where + " · " + s.c.key("back") + " back to the stream"
}

// Replay.

// toggleMark starts a range to replay at the selected entry, or clears
// it when it starts there already.
func (s *StreamScreen) toggleMark() tea.Cmd {
	r, _ := s.table.selected()
	if s.mark == r.id {
		s.mark = ""
	} else {
		s.mark = r.id
	}
	return nil
}

// followMark draws the marked range from the mark to the selection.
func (s *StreamScreen) followMark() {
	sel, ok := s.table.selected()
	if s.mark == "" || !ok {
		s.table.setRange("", "")
		return
	}
	s.table.setRange(s.mark, sel.id)
}

func (s *StreamScreen) markLine() string {
	sel, _ := s.table.selected()
	lo, hi := s.mark, sel.id
	// IDs that cannot be ordered (not IDs) are shown as marked.
	if order, err := queue.CompareIDs(lo, hi); hi == "" || (err == nil && order > 0) {
		lo, hi = hi, lo
	}
	if lo == "" {
		lo = hi
	}
	return fmt.Sprintf("range %s … %s: %s replays the acked ones, %s clears", safeID(lo), safeID(hi), s.c.key("replay"), s.c.key("back"))
}

// replay counts what r would copy (the marked range, else the selected
// entry) and asks; only acked entries are copied.
func (s *StreamScreen) replay() tea.Cmd {
	r, _ := s.target()
	var rng queue.ReplayRange
	var subject string
	single := s.mark == "" || s.detail.open
	if single {
		if e, listed := s.entry(r.id); listed && e.State != queue.StateAcked {
			s.c.info("only acked messages are replayed: %s is %s", about(r.id, r.entry), e.State)
			return nil
		}
		rng, subject = queue.ReplayRange{From: r.id, To: r.id}, about(r.id, r.entry)
	} else {
		lo, hi := s.mark, r.id
		order, err := queue.CompareIDs(lo, hi)
		if err != nil {
			s.c.fail("replay", "replaying the range", err)
			return nil
		}
		if order > 0 {
			lo, hi = hi, lo
		}
		rng, subject = queue.ReplayRange{From: lo, To: hi}, safeID(lo)+" … "+safeID(hi)
	}
	cmd := s.startJob(jobCount, subject, func(ctx context.Context, seq int) tea.Cmd {
		return planReplayCmd(s.c, ctx, seq, rng)
	})
	if s.job != nil {
		s.job.single = single
	}
	return cmd
}

func (s *StreamScreen) planned(j *streamJob, msg ReplayPlannedMsg) {
	switch {
	case errors.Is(msg.Err, context.Canceled):
		s.c.info("replay cancelled: nothing copied")
		return
	case msg.Err != nil:
		s.c.fail("replay", "counting the replay of "+j.subject, msg.Err)
		return
	}
	s.c.succeeded("replay")
	plan := msg.Plan
	switch {
	case plan.Count == 0 && j.single:
		s.c.info("nothing to replay: %s is no longer acked", j.subject)
		return
	case plan.Count == 0:
		s.c.info("nothing to replay: no acked messages in %s", j.subject)
		return
	}
	question := fmt.Sprintf("replay %s (acked) as a new message? y/n", j.subject)
	switch {
	case !j.single && plan.Count == 1:
		question = fmt.Sprintf("replay the 1 acked message in %s as a new one? y/n", j.subject)
	case !j.single:
		question = fmt.Sprintf("replay %s (%s) as new ones? y/n", plural(plan.Count, "acked message"), j.subject)
	}
	subject, single := j.subject, j.single
	s.confirm(question, func() tea.Cmd {
		cmd := s.startJob(jobReplay, subject, func(ctx context.Context, seq int) tea.Cmd {
			return replayCmd(s.c, ctx, seq, plan)
		})
		if s.job != nil {
			s.job.single, s.job.total = single, plan.Count
		}
		return cmd
	})
}

func (s *StreamScreen) replayed(j *streamJob, msg ReplayedMsg) tea.Cmd {
	res := msg.Result
	s.mark = ""
	switch {
	case errors.Is(msg.Err, context.Canceled) && res.Replayed == 0:
		s.c.info("replay stopped: nothing copied")
	case errors.Is(msg.Err, context.Canceled):
		s.c.warn("replay stopped: %s copied (up to %s), the rest not", plural(res.Replayed, "message"), safeID(res.Last))
	case msg.Err != nil:
		s.c.fail("replay", fmt.Sprintf("replaying %s (after %d copied)", j.subject, res.Replayed), msg.Err)
	case res.Replayed == 0:
		s.c.info("replayed nothing: %s was no longer acked", j.subject)
	case res.Replayed == 1 && j.single:
		s.c.succeeded("replay")
		s.c.ok("replayed %s as %s: it waits for the next claim", j.subject, safeID(res.First))
	case res.Replayed == 1:
		s.c.succeeded("replay")
		s.c.ok("replayed 1 message as %s: it waits for the next claim", safeID(res.First))
	default:
		s.c.succeeded("replay")
		s.c.ok("replayed %d messages as %s … %s", res.Replayed, safeID(res.First), safeID(res.Last))
	}
	if res.Replayed == 0 {
		return nil
	}
	return statsCmd(s.c) // the numbers changed: the header, and this page, follow
}
