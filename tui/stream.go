package tui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
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
	filtering bool // the input is the filter, not the jump
	atNewest  bool // a refresh reads the newest page, so arrivals show
	statsKey  string

	// entries are the listed entries as they came (the page, or a
	// search's results): the rows are written from them again as their
	// ages move on, and an opened entry shows its outcome from them.
	entries []queue.StreamEntry
	builtAt time.Time // when the rows' ages were written
	aging   bool      // a rewrite of the ages is due (one timer at a time)

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
	return s.to.after(agesEvery, streamAgesMsg{})
}

// NewStreamScreen builds the Stream screen.
func NewStreamScreen(c *Common, id ScreenID) Screen {
	return &StreamScreen{browse: newBrowse(c, id,
		tableCol{title: "ID", max: 24},
		tableCol{title: "time", max: 26, drop: 1},
		tableCol{title: "state", max: 40, drop: 2},
		tableCol{title: "preview", min: 16},
	), bar: progress.New(progress.WithWidth(24), progress.WithFillCharacters('█', '░'))}
}

func (s *StreamScreen) Init() tea.Cmd { return s.load(moveNewest, "") }

func (s *StreamScreen) Title() string             { return "Stream" }
func (s *StreamScreen) Capturing() bool           { return s.capturing() }
func (s *StreamScreen) SetSize(width, height int) { s.setSize(width, height) }

func (s *StreamScreen) load(move pageMove, from string) tea.Cmd {
	return s.loadIDs(streamPageCmd, move, from)
}

func (s *StreamScreen) reload() tea.Cmd { return s.reloadIDs(streamPageCmd, s.atNewest) }

func (s *StreamScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	cmd := s.update(msg)
	if s.resized() && s.results == nil {
		cmd = tea.Batch(cmd, s.reload())
	}
	s.followMark()
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
		key := fmt.Sprintf("%d %d ", msg.Stats.Length, msg.Stats.DeadLength) + pendingStatsKey(msg.Stats)
		changed := s.statsKey != "" && key != s.statsKey
		s.statsKey = key
		if changed && !s.busy() && s.results == nil && s.job == nil {
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
		return s.key(msg)
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
	s.buildRows(s.keepOnArrival(msg.Move))
	s.atNewest = msg.Move == moveNewest || msg.Move == moveLatest
}

// buildRows writes the listed entries as rows, with their ages as of now,
// keeping the selection on keep.
func (s *StreamScreen) buildRows(keep string) {
	now := s.c.Now()
	s.builtAt = now
	rows := make([]tableRow, len(s.entries))
	for i, e := range s.entries {
		state := stateCell(e, now)
		entry := e.Entry
		preview := termtext.Preview(&entry, 1<<10)
		if e.ReplayOf() != "" {
			preview = "replay: " + preview
		}
		rows[i] = tableRow{
			id:    e.ID,
			entry: &entry,
			cells: []tableCell{
				{text: termtext.SanitizeLine(e.ID)},
				{text: termtext.Time(queue.IDTime(e.ID), s.c.Location)},
				state,
				{text: preview, style: warnIfMarked(preview)},
			},
			search: searchText(e.ID, state.text, e.Fields),
		}
	}
	s.table.setRows(rows, keep)
}

// refreshAges writes the rows again when their ages are old enough to be
// wrong: no server call, the selection stays.
func (s *StreamScreen) refreshAges() {
	if s.loaded && s.c.Now().Sub(s.builtAt) >= agesEvery {
		sel, _ := s.table.selected()
		s.buildRows(sel.id)
	}
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

func (s *StreamScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case s.ask != nil:
		return s.answer(msg)
	case s.inputOn:
		return s.typed(msg)
	case key.Matches(msg, k.Copy):
		r, _ := s.target()
		return copyEmailCmd(s.c, r.entry)
	case key.Matches(msg, k.Replay):
		return s.replay()
	}
	if s.detailKeys(msg) {
		return nil
	}
	if key.Matches(msg, k.Back) {
		return s.back()
	}
	if s.results != nil {
		if cmd, ok := s.resultKeys(msg); ok {
			return cmd
		}
	} else if cmd, ok := s.pageIDKeys(msg, streamPageCmd); ok {
		return cmd
	}
	switch {
	case s.moveKeys(msg):
	case key.Matches(msg, k.Mark):
		s.toggleMark()
	case key.Matches(msg, k.Open):
		if r, ok := s.target(); ok {
			return getEntryCmd(s.to, s.nextOpen(), r.id)
		}
	case key.Matches(msg, k.Refresh):
		if s.results != nil {
			return s.searchAgain(s.results.query.Before)
		}
		return s.reload()
	case key.Matches(msg, k.Filter):
		s.filtering = true
		return s.openInput("filter: ", "type to filter this page", s.table.filter, 32)
	case key.Matches(msg, k.Jump):
		s.filtering = false
		return s.openInput("jump: ", "an ID, or a time like 2026-11-23 09:00", "", 0)
	}
	return nil
}

// back is esc on the list: it stops a job, else clears the mark, else
// leaves a search's results, else clears the filter.
func (s *StreamScreen) back() tea.Cmd {
	switch {
	case s.job != nil:
		s.job.cancel() // its reply says what it did before it stopped
	case s.mark != "":
		s.mark = ""
	case s.results != nil:
		return s.leaveResults()
	default:
		s.table.setFilter("")
	}
	return nil
}

// typed handles a key while the filter or the jump input is open. The
// filter applies to the page as it is typed, ↑/↓ leave it applied to pick
// a row, and enter searches the whole stream for it; the jump goes on
// enter.
func (s *StreamScreen) typed(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		if s.filtering {
			s.table.setFilter("")
		}
		s.closeInput()
		return nil
	case "up", "down":
		if s.filtering {
			s.closeInput()
			return nil
		}
	case "enter":
		if s.filtering {
			text := strings.TrimSpace(s.input.Value())
			s.closeInput()
			if text == "" {
				return nil
			}
			s.table.setFilter("") // the results are the filter now
			return s.startSearch(queue.SearchQuery{Text: text, Limit: s.pageSize()})
		}
		from, err := parseJump(s.input.Value(), s.c.Location)
		if err != nil {
			s.c.failf("jump", false, "jump: %s", err.Error())
			return nil
		}
		s.c.succeeded("jump")
		s.closeInput()
		return s.load(moveAt, from)
	}
	cmd := s.updateInput(msg)
	if s.filtering {
		s.table.setFilter(s.input.Value())
	}
	return cmd
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
	title, about := "Stream", ""
	if first, last := s.table.first(), s.table.last(); first != "" {
		about = fmt.Sprintf("%s … %s · newest first", termtext.SanitizeLine(first), termtext.SanitizeLine(last))
	}
	var bottom string
	count := fmt.Sprintf("(%d of %d on this page)", len(s.table.shown), len(s.table.rows))
	switch {
	case s.inputOn && s.filtering:
		bottom = fmt.Sprintf("%d of %d · enter searches the stream", len(s.table.shown), len(s.table.rows))
	case s.table.filter != "":
		bottom = "filter: " + termtext.SanitizeLine(s.table.filter) + " " + count + " · esc clears"
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

func (s *StreamScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.inputOn && s.filtering {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search the whole stream")),
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "pick from the page")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
		}
	}
	var list []key.Binding
	if s.job != nil {
		list = append(list, withHelp(k.Back, "esc", "stop "+s.job.name()))
	}
	if s.hasTarget() {
		list = append(list, k.Open)
	}
	list = append(list, s.replayHelp()...)
	switch {
	case s.results != nil:
		if s.results.next != "" {
			list = append(list, withHelp(k.PageDown, "pgdn", "more matches"))
		}
		if s.results.query.Before != "" {
			list = append(list, withHelp(k.PageUp, "pgup", "first matches"))
		}
		list = append(list, withHelp(k.Filter, "/", "search again"))
		if s.job == nil && s.mark == "" {
			list = append(list, withHelp(k.Back, "esc", "back to the stream"))
		}
	default:
		if len(s.table.rows) > 0 {
			list = append(list, k.PageDown, k.PageUp)
		}
		list = append(list, k.Jump, withHelp(k.Filter, "/", "filter / search"))
		if s.table.filter != "" && s.job == nil && s.mark == "" {
			list = append(list, withHelp(k.Back, "esc", "clear filter"))
		}
		list = append(list, withHelp(k.Top, "g", "newest"), withHelp(k.Bottom, "G", "oldest"))
	}
	if s.hasTarget() {
		list = append(list, k.Copy)
	}
	return s.helpFor(list, append(s.replayHelp(), k.Copy))
}

func (s *StreamScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	if s.capturing() || s.detail.open {
		return [][]key.Binding{s.ShortHelp()}
	}
	return [][]key.Binding{s.ShortHelp(), {k.Up, k.Down, k.Refresh}}
}
