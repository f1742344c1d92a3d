package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// StreamScreen is the stream, newest first, a page at a time: each entry's
// state in the group and who handled it, open one, jump to an ID or a
// time, filter the page, search the whole stream, replay what was acked.
// It never reads more than a page or two per key, whatever the stream's
// length: the page's first and last IDs are the cursors.
type StreamScreen struct {
	browse
	actions   []Action
	filtering bool // the input is the filter, not the jump
	statsKey  string

	// entries are the listed entries as they came (the page, or a
	// search's results): the rows are written from them again as their
	// ages move on, and an opened entry shows its outcome from them.
	entries []queue.StreamEntry
	// scheduled are the messages added for later, listed above the newest
	// page (not in the stream yet); scheduledTotal counts them all.
	scheduled      []queue.WaitingEntry
	scheduledTotal int64
	builtAt        time.Time // when the rows' ages were written
	aging          bool      // a rewrite of the ages is due (one timer at a time)

	// mark is the ID a range to replay starts at (it ends at the selected
	// entry); "" when none.
	mark string

	job     *streamJob     // a search or a replay under way (streamjob.go)
	jobSeq  int            // of the latest job; older replies are dropped
	results *searchResults // a search's results are listed instead of the stream
	bar     progress.Model
}

// agesEvery is how often the list's "4m ago" are written again.
const agesEvery = 30 * time.Second

// streamAgesMsg writes the list's ages again, while it is on screen. The
// header's numbers cannot be relied on for it: the SSH desk sends them
// only when they change.
type streamAgesMsg struct{}

// agesTick plans the next rewrite of the ages, one at a time, while the
// list is on screen.
func (s *StreamScreen) agesTick() tea.Cmd {
	if s.aging || !s.visible {
		return nil
	}
	s.aging = true
	return s.c.after(agesEvery, streamAgesMsg{})
}

const streamID ScreenID = "stream"

// NewStreamScreen builds the Stream screen.
func NewStreamScreen(c *Common) Screen {
	s := &StreamScreen{browse: newBrowse(c,
		tableCol{title: "ID", max: 24},
		tableCol{title: "time", max: 26, drop: 1},
		tableCol{title: "state", max: 40, min: 20, drop: 2}, // the screen's point: narrowed before it goes
		tableCol{title: "preview", min: 16},
	), bar: progress.New(progress.WithWidth(24), progress.WithFillCharacters('█', '░'))}
	s.actions = s.keyTable()
	return s
}

// keyTable is the Stream screen's keys.
func (s *StreamScreen) keyTable() []Action {
	list := func() bool { return !s.detail.open }
	page := func() bool { return list() && s.results == nil }
	results := func() bool { return list() && s.results != nil }
	markable := func() bool { return page() && !s.c.ReadOnly && s.onEntry() }
	onMark := func() bool {
		r, _ := s.table.selected()
		return s.mark == r.id
	}
	replayable := func() bool { return !s.c.ReadOnly && s.onEntry() }
	stop := func() tea.Cmd {
		s.job.cancel() // its reply says what it did before it stopped
		return nil
	}
	acts := []Action{
		{Name: "back", Desc: "stop search", When: func() bool { return list() && s.job != nil && s.job.kind == jobSearch }, Run: do(stop)},
		{Name: "back", Desc: "stop replay", When: func() bool { return list() && s.job != nil && s.job.kind != jobSearch }, Run: do(stop)},
		{Name: "open", Desc: "open", When: func() bool { return list() && s.hasTarget() }, Run: do(func() tea.Cmd {
			r, _ := s.target()
			if r.pinned {
				s.openScheduled(r.id)
				return nil
			}
			return getEntryCmd(s.c, s.nextOpen(), r.id)
		})},
		{Name: "replay", Desc: "replay the range", When: func() bool { return replayable() && list() && s.mark != "" }, Run: do(s.replay)},
		{Name: "replay", Desc: "replay", When: func() bool { return replayable() && (s.mark == "" || s.detail.open) && s.targetAcked() }, Run: do(s.replay), Why: s.replayWhy},
		{Name: "mark", Desc: "mark a range", When: func() bool { return markable() && s.mark == "" }, Run: do(s.toggleMark)},
		{Name: "mark", Desc: "start the range here", When: func() bool { return markable() && s.mark != "" && !onMark() }, Run: do(s.toggleMark)},
		{Name: "mark", Desc: "unmark", When: func() bool { return markable() && s.mark != "" && onMark() }, Run: do(s.toggleMark)},
	}
	acts = append(acts, s.copyAction(func() bool { return s.detail.open }))
	acts = append(acts, s.detailActions()...)
	acts = append(acts,
		Action{Name: "back", Desc: "clear the range", When: func() bool { return list() && s.job == nil && s.mark != "" }, Run: do(func() tea.Cmd { s.mark = ""; return nil })},
		Action{Name: "back", Desc: "back to the stream", When: func() bool { return results() && s.job == nil && s.mark == "" }, Run: do(s.leaveResults)},
		Action{Name: "back", Desc: "clear filter", When: func() bool { return page() && s.job == nil && s.mark == "" && s.table.filter != "" }, Run: do(func() tea.Cmd {
			s.table.setFilter("")
			return nil
		})},
		Action{Name: "page-down", Desc: "more matches", When: func() bool { return results() && s.results.next != "" }, Why: func() string {
			if results() {
				return "no more matches: the search reached the stream's oldest message"
			}
			return ""
		}, Run: do(func() tea.Cmd { return s.searchAgain(s.results.next) })},
		Action{Name: "page-up", Desc: "first matches", When: func() bool { return results() && s.results.query.Before != "" }, Why: func() string {
			if results() {
				return "these are the newest matches"
			}
			return ""
		}, Run: do(func() tea.Cmd { return s.searchAgain("") })},
	)
	acts = append(acts, s.idPageActions(streamPageCmd, page)...)
	acts = append(acts,
		Action{Name: "jump", Desc: "jump to ID/time", When: list, Run: do(func() tea.Cmd {
			s.filtering = false
			return s.openInput("jump: ", "an ID, or a time like 2026-11-23 09:00", "", 0)
		})},
		Action{Name: "filter", Desc: "filter / search", When: page, Run: do(s.openFilter)},
		Action{Name: "filter", Desc: "search again", When: results, Run: do(s.openFilter)},
		s.copyAction(list),
	)
	acts = append(acts, s.selectActions(list, false)...)
	acts = append(acts, s.selectActions(results, true)[2:]...) // g and G: the first and the last result
	acts = append(acts,
		Action{Name: "refresh", Desc: "refresh", More: true, When: list, Run: do(func() tea.Cmd {
			if s.results != nil {
				return s.searchAgain(s.results.query.Before)
			}
			return s.reload()
		})},

		// The filter, as it is typed, and the jump.
		Action{Name: "apply", Mode: ModeInput, Desc: "search the whole stream", When: func() bool { return s.filtering }, Run: do(s.search)},
		Action{Name: "apply", Mode: ModeInput, Desc: "jump", When: func() bool { return !s.filtering }, Run: do(s.jump)},
		Action{Name: "up", Mode: ModeInput, Desc: "pick from the page", Short: "pick from the page", When: func() bool { return s.filtering }, Run: do(func() tea.Cmd { s.closeInput(); return nil })},
		Action{Name: "down", Mode: ModeInput, Desc: "pick from the page", Short: "pick from the page", When: func() bool { return s.filtering }, Run: do(func() tea.Cmd { s.closeInput(); return nil })},
		Action{Name: "back", Mode: ModeInput, Desc: "clear", When: func() bool { return s.filtering }, Run: do(func() tea.Cmd {
			s.table.setFilter("")
			s.closeInput()
			return nil
		})},
		Action{Name: "back", Mode: ModeInput, Desc: "cancel", When: func() bool { return !s.filtering }, Run: do(func() tea.Cmd { s.closeInput(); return nil })},
	)
	return append(acts, s.askActions()...)
}

func (s *StreamScreen) Init() tea.Cmd { return s.load(moveNewest, "") }

// onEntry reports whether the selection (or the opened entry) is an
// entry of the stream, not a message added for later.
func (s *StreamScreen) onEntry() bool {
	r, ok := s.target()
	return ok && !r.pinned
}

// openScheduled shows a message added for later, from what the page
// brought: it is not in the stream to be read.
func (s *StreamScreen) openScheduled(id string) {
	for _, w := range s.scheduled {
		if w.ID != id {
			continue
		}
		e, now, loc := w.Entry, s.c.Now(), s.c.Location
		wait := w.Wait
		s.showDetail(id, "Scheduled "+termtext.SanitizeLine(id), func(th *styles.Theme, width int) string {
			state := "scheduled: added for later, not in the stream yet; it is added at " + termtext.Time(wait.Until, loc) +
				" (" + termtext.WaitState(wait, now, loc) + ")"
			return labelled(th, "State", state, width) + "\n\n" + RenderEntry(th, e, loc, width)
		})
		return
	}
}

func (s *StreamScreen) Title() string             { return "Stream" }
func (s *StreamScreen) Actions() []Action         { return s.actions }
func (s *StreamScreen) SetSize(width, height int) { s.setSize(width, height) }

// openFilter opens the filter, which applies to the page as it is typed.
func (s *StreamScreen) openFilter() tea.Cmd {
	s.filtering = true
	return s.openInput("filter: ", "type to filter this page", s.table.filter, 32)
}

// search searches the whole stream for the filter's text.
func (s *StreamScreen) search() tea.Cmd {
	text := strings.TrimSpace(s.input.Value())
	s.closeInput()
	if text == "" {
		s.table.setFilter("")
		return nil
	}
	s.table.setFilter("") // the results are the filter now
	return s.startSearch(queue.SearchQuery{Text: text, Limit: s.pageSize()})
}

// jump goes to the page at the typed ID or time; a bad one keeps the
// input open for correcting, and says what it takes.
func (s *StreamScreen) jump() tea.Cmd {
	from, err := parseJump(s.input.Value(), s.c.Location)
	if err != nil {
		s.c.failf("jump", false, "jump: %s", err.Error())
		return nil
	}
	s.c.succeeded("jump")
	s.closeInput()
	return s.load(moveAt, from)
}

// targetAcked is true when the entry the actions apply to is acked.
func (s *StreamScreen) targetAcked() bool {
	r, ok := s.target()
	if !ok {
		return false
	}
	e, listed := s.entry(r.id)
	return listed && e.State == queue.StateAcked
}

// replayWhy says why r does nothing on the selected entry.
func (s *StreamScreen) replayWhy() string {
	r, ok := s.target()
	switch {
	case !ok:
		return ""
	case s.c.ReadOnly:
		return "read-only session: replay is off"
	}
	if e, listed := s.entry(r.id); listed && e.State != queue.StateAcked {
		return fmt.Sprintf("only acked messages are replayed: %s is %s", about(r.id, r.entry), e.State)
	}
	return ""
}

func (s *StreamScreen) load(move pageMove, from string) tea.Cmd {
	return s.loadIDs(streamPageCmd, move, from)
}

func (s *StreamScreen) reload() tea.Cmd { return s.reloadIDs(streamPageCmd) }

func (s *StreamScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	cmd := s.update(msg)
	if s.resized() && s.results == nil {
		cmd = tea.Batch(cmd, s.reload())
	}
	return s, cmd
}

func (s *StreamScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case StreamLoadedMsg:
		if msg.Seq == s.seq {
			s.pageArrived(msg)
		}
	case EntryLoadedMsg:
		if msg.Seq != s.openSeq {
			return nil
		}
		if msg.Err != nil {
			s.c.fail("open", "opening "+safeID(msg.ID), msg.Err)
			return nil
		}
		s.c.succeeded("open")
		e, loc, now := msg.Entry, s.c.Location, s.c.Now()
		se, listed := s.entry(msg.ID)
		s.showDetail(msg.ID, "Entry "+termtext.SanitizeLine(msg.ID), func(th *styles.Theme, w int) string {
			if !listed {
				return RenderEntry(th, e, loc, w)
			}
			return renderOutcome(th, se, now, loc, w) + "\n" + RenderEntry(th, e, loc, w)
		})
	case SearchedMsg, ReplayPlannedMsg, ReplayedMsg, JobProgressMsg:
		return s.jobUpdate(msg)
	case StatsLoadedMsg:
		if msg.Err != nil {
			return nil
		}
		// Who holds what is part of an entry's state: a reclaim moves a
		// message between consumers without changing any total.
		key := fmt.Sprintf("%d %d %d %d %d ", msg.Stats.Length, msg.Stats.DeadLength, msg.Stats.Scheduled, msg.Stats.Snoozed, msg.Stats.Waiting) + pendingStatsKey(msg.Stats)
		changed := s.statsKey != "" && key != s.statsKey
		// A change met in the middle of something (a prompt, a question,
		// an opened entry, search results) is kept for the first stats
		// after it: the page catches up then, instead of staying as it was.
		later := changed && (s.busy() || s.results != nil || s.job != nil)
		if !later {
			s.statsKey = key
		}
		if changed && !later {
			return s.refresh(s.reload)
		}
		if s.visible {
			s.refreshAges()
		}
	case streamAgesMsg:
		s.aging = false
		if s.visible {
			s.refreshAges()
			return s.agesTick()
		}
	case VisibleMsg:
		if msg.Visible {
			s.refreshAges()
		}
		return tea.Batch(s.setVisible(msg.Visible, s.reload), s.agesTick())
	case tea.KeyPressMsg:
		if s.inputOn {
			cmd := s.updateInput(msg)
			if s.filtering {
				s.table.setFilter(s.input.Value())
			}
			return cmd
		}
	case tea.MouseMsg:
		s.mouse(msg)
	}
	return nil
}

func (s *StreamScreen) pageArrived(msg StreamLoadedMsg) {
	if msg.Err != nil {
		s.c.fail("stream page", "loading the stream", msg.Err)
		return
	}
	s.c.succeeded("stream page")
	// An empty page away from the ends keeps the current one: there is
	// nothing older, or nothing at that time.
	if len(msg.Entries) == 0 && s.loaded {
		switch msg.Move {
		case moveOlder:
			s.atOldest = true
			s.c.info("no older entries: this is the oldest page")
			return
		case moveAt:
			s.c.info("nothing at or before that point")
			return
		}
	}
	s.loaded = true
	s.results = nil // a page asked for while results were listed (a jump) replaces them
	s.entries = msg.Entries
	s.scheduled, s.scheduledTotal = msg.Scheduled, msg.ScheduledTotal
	s.buildRows(s.keepOnArrival(msg.Move))
	s.arrived(msg.Move, msg.Newest, len(s.table.rows))
}

// buildRows writes the listed entries as rows, with their ages as of now,
// keeping the selection on keep.
func (s *StreamScreen) buildRows(keep string) {
	now := s.c.Now()
	s.builtAt = now
	rows := make([]tableRow, 0, len(s.scheduled)+len(s.entries))
	if s.results == nil {
		// Above the newest page: what will be added after it.
		for _, w := range s.scheduled {
			entry := w.Entry
			state := termtext.WaitState(w.Wait, now, s.c.Location)
			preview := termtext.Preview(&entry, 1<<10)
			rows = append(rows, tableRow{
				id:     w.ID,
				entry:  &entry,
				pinned: true,
				cells: []tableCell{
					{text: termtext.SanitizeLine(w.ID), style: cellSubtle},
					{text: termtext.Time(w.Wait.Until, s.c.Location), style: cellSubtle},
					{text: state, style: cellSubtle},
					{text: preview, style: warnIfMarked(preview)},
				},
				search: searchText(w.ID, state, w.Fields),
			})
		}
	}
	for _, e := range s.entries {
		state := stateCell(e, now, s.c.Location)
		entry := e.Entry
		preview := termtext.Preview(&entry, 1<<10)
		if e.ReplayOf() != "" {
			preview = "replay: " + preview
		}
		rows = append(rows, tableRow{
			id:    e.ID,
			entry: &entry,
			cells: []tableCell{
				{text: termtext.SanitizeLine(e.ID)},
				{text: termtext.Time(queue.IDTime(e.ID), s.c.Location)},
				state,
				{text: preview, style: warnIfMarked(preview)},
			},
			search: searchText(e.ID, state.text, e.Fields),
		})
	}
	s.table.setRows(rows, keep)
}

// refreshAges writes the rows again when their ages are old enough to be
// wrong: no server call, the selection stays.
//
// Only the state cells are written again (the rest of a row does not age),
// and the table keeps the lines of rows whose state reads the same.
func (s *StreamScreen) refreshAges() {
	if !s.loaded || s.c.Now().Sub(s.builtAt) < agesEvery {
		return
	}
	sel, _ := s.table.selected()
	if !s.restate() {
		s.buildRows(sel.id)
	}
}

// restate writes the rows' states as of now, as buildRows would, into a
// copy of the rows; false when the rows are not the ones buildRows made
// from the listed entries (then buildRows must).
func (s *StreamScreen) restate() bool {
	var scheduled []queue.WaitingEntry
	if s.results == nil {
		scheduled = s.scheduled
	}
	old := s.table.rows
	if len(old) != len(scheduled)+len(s.entries) {
		return false
	}
	now := s.c.Now()
	rows := slices.Clone(old)
	for i, w := range scheduled {
		r := &rows[i]
		if r.id != w.ID || len(r.cells) != 4 {
			return false
		}
		if state := termtext.WaitState(w.Wait, now, s.c.Location); state != r.cells[2].text {
			r.cells = slices.Clone(r.cells)
			r.cells[2].text = state
			r.search = searchText(w.ID, state, w.Fields)
		}
	}
	for i, e := range s.entries {
		r := &rows[len(scheduled)+i]
		if r.id != e.ID || len(r.cells) != 4 {
			return false
		}
		if state := stateCell(e, now, s.c.Location); state != r.cells[2] {
			r.cells = slices.Clone(r.cells)
			r.cells[2] = state
			r.search = searchText(e.ID, state.text, e.Fields)
		}
	}
	s.builtAt = now
	sel, _ := s.table.selected()
	s.table.setRows(rows, sel.id)
	return true
}

// entry is the listed entry id, with its state and outcome.
func (s *StreamScreen) entry(id string) (queue.StreamEntry, bool) {
	for _, e := range s.entries {
		if e.ID == id {
			return e, true
		}
	}
	return queue.StreamEntry{}, false
}

// searchText is what the page filter matches: the sanitised ID, state
// (with the consumer) and field values, lower-cased once.
func searchText(id, state string, fields []queue.Field) string {
	parts := []string{id, state}
	for _, f := range fields {
		parts = append(parts, termtext.SanitizeLine(f.Value))
	}
	return strings.ToLower(termtext.SanitizeLine(strings.Join(parts, "\x1f")))
}

var (
	reID = regexp.MustCompile(`^[0-9]+-[0-9]+$`)
	reMs = regexp.MustCompile(`^[0-9]+$`)
)

// parseJump reads where to jump: a stream ID, a bare millisecond time, or a
// time (RFC 3339, "2006-01-02 15:04" or a date, in loc unless it names its
// zone). A time becomes its bare millisecond, which a newest-first page
// reads as "up to the end of that millisecond": the entries at or before
// it.
func parseJump(text string, loc *time.Location) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", fmt.Errorf("type an ID or a time")
	case reID.MatchString(text):
		if _, err := queue.ParseID(text); err != nil {
			return "", fmt.Errorf("%q is not a stream ID", text)
		}
		return text, nil
	case reMs.MatchString(text):
		if _, err := strconv.ParseUint(text, 10, 64); err != nil {
			return "", fmt.Errorf("%q is not a millisecond time", text)
		}
		return text, nil
	}
	if t, err := termtext.ParseTime(text, loc); err == nil {
		if t.Before(time.UnixMilli(0)) {
			return "", fmt.Errorf("%s is before 1970", text)
		}
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	}
	return "", fmt.Errorf("%q is not an ID (1795…-0), a millisecond time or a time (2026-11-23 09:00, 2026-11-23, 2026-11-23T09:00:00Z)", termtext.SanitizeLine(text))
}

func (s *StreamScreen) View() string {
	s.followMark()
	title := "Stream"
	about := s.pageAbout(title)
	var bottom string
	count := fmt.Sprintf("(%d of %d on this page)", len(s.table.shown), len(s.table.rows))
	switch {
	case s.inputOn && s.filtering:
		bottom = fmt.Sprintf("%d of %d · %s searches the stream", len(s.table.shown), len(s.table.rows), s.c.key("apply"))
	case s.table.filter != "":
		bottom = "filter: " + termtext.SanitizeLine(s.table.filter) + " " + count + " · " + s.c.key("back") + " clears"
	case s.mark != "":
		bottom = s.markLine()
	case s.results != nil:
		bottom = s.resultsLine()
	}
	empty := "The stream is empty."
	switch {
	case s.table.filter != "":
		empty = "Nothing on this page matches the filter."
	case s.results != nil:
		title, about = "Search", s.resultsAbout()
		empty = "Nothing found."
	}
	v := s.view(title, about, bottom, empty)
	if s.job != nil && !s.inputOn && s.ask == nil {
		// The job's progress takes the bottom line while it runs.
		v = v[:strings.LastIndexByte(v, '\n')+1] + s.jobLine()
	}
	return v
}
