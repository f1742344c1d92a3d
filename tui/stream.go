package tui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// StreamScreen is the stream, newest first, a page at a time: each entry's
// state in the group, open one, jump to an ID or a time, filter the page.
// It never reads more than a page or two per key, whatever the stream's
// length: the page's first and last IDs are the cursors.
type StreamScreen struct {
	browse
	filtering bool // the input is the filter, not the jump
	atNewest  bool // a refresh reads the newest page, so arrivals show
	statsKey  string
}

// NewStreamScreen builds the Stream screen.
func NewStreamScreen(c *Common) Screen {
	return &StreamScreen{browse: newBrowse(c,
		tableCol{title: "ID", width: 16},
		tableCol{title: "time (UTC)", width: 19},
		tableCol{title: "state", width: 14},
		tableCol{title: "preview"},
	)}
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
	if s.resized() {
		cmd = tea.Batch(cmd, s.reload())
	}
	return s, cmd
}

func (s *StreamScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case StreamLoadedMsg:
		if msg.Seq != s.seq {
			return nil
		}
		s.pageArrived(msg)
	case EntryLoadedMsg:
		if msg.Screen != screenStream || msg.Seq != s.openSeq {
			return nil
		}
		if msg.Err != nil {
			s.fail("open", msg.Err)
			return nil
		}
		th, e := s.c.Theme, msg.Entry
		s.detail.show(msg.ID, "Entry "+SanitizeLine(msg.ID), func(w int) string { return RenderEntry(th, e, w) }, s.width, s.height-2)
	case StatsLoadedMsg:
		key := fmt.Sprintf("%d %s %d", msg.Stats.Length, msg.Stats.Group.LastDelivered, msg.Stats.Group.Pending)
		changed := s.statsKey != "" && key != s.statsKey
		if msg.Err == nil {
			s.statsKey = key
		}
		if msg.Err == nil && changed && !s.busy() {
			return s.refresh(s.reload)
		}
	case VisibleMsg:
		return s.setVisible(msg.Visible, s.reload)
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *StreamScreen) pageArrived(msg StreamLoadedMsg) {
	if msg.Err != nil {
		s.fail("stream", msg.Err)
		return
	}
	// An empty page away from the ends keeps the current one: there is
	// nothing older, or nothing at that time.
	if len(msg.Entries) == 0 && s.browse.loaded {
		switch msg.Move {
		case moveOlder:
			s.say("no older entries: this is the oldest page")
			return
		case moveAt:
			s.say("nothing at or before that point")
			return
		}
	}
	s.browse.loaded = true
	th := s.c.Theme
	rows := make([]tableRow, len(msg.Entries))
	for i, e := range msg.Entries {
		state := tableCell{text: "new", style: &th.StateNew}
		switch e.State {
		case queue.StatePending:
			state = tableCell{text: "pending·" + SanitizeLine(e.Consumer), style: &th.StatePend}
		case queue.StateAcked:
			state = tableCell{text: "acked", style: &th.StateAck}
		}
		rows[i] = tableRow{
			id: e.ID,
			cells: []tableCell{
				{text: SanitizeLine(e.ID)},
				{text: idTime(e.ID)},
				state,
				{text: Preview(&e.Entry, 1<<10)},
			},
			search: searchText(e.ID, state.text, e.Fields),
		}
	}
	keep, _ := s.table.selected()
	if msg.Move != moveReload && msg.Move != moveLatest {
		keep.id = ""
		s.table.top()
	}
	s.table.setRows(rows, keep.id)
	s.atNewest = msg.Move == moveNewest || msg.Move == moveLatest
}

// idTime is the time in a stream ID, as the tables show it.
func idTime(id string) string {
	t := queue.IDTime(id)
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}

// searchText is what the page filter matches: the sanitised ID, state
// (with the consumer) and field values, lower-cased once.
func searchText(id, state string, fields []queue.Field) string {
	parts := []string{id, state}
	for _, f := range fields {
		parts = append(parts, SanitizeLine(f.Value))
	}
	return strings.ToLower(SanitizeLine(strings.Join(parts, "\x1f")))
}

func (s *StreamScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.inputOn {
		return s.typed(msg)
	}
	if s.detailKeys(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Top):
		return s.load(moveNewest, "")
	case key.Matches(msg, k.Bottom):
		return s.load(moveOldest, "")
	case s.moveKeys(msg):
		return nil
	case key.Matches(msg, k.PageDown):
		from, ok := queue.Before(s.table.last())
		if !ok {
			if s.table.last() == "" {
				return s.load(moveNewest, "")
			}
			s.say("this is the oldest page")
			return nil
		}
		return s.load(moveOlder, from)
	case key.Matches(msg, k.PageUp):
		from, ok := queue.After(s.table.first())
		if !ok {
			return s.load(moveNewest, "")
		}
		return s.load(moveNewer, from)
	case key.Matches(msg, k.Open):
		if id := s.target(); id != "" {
			return getEntryCmd(s.c, screenStream, s.nextOpen(), id)
		}
	case key.Matches(msg, k.Refresh):
		return s.reload()
	case key.Matches(msg, k.Filter):
		s.filtering = true
		return s.openInput("filter: ", "text on this page", s.table.filter, 32)
	case key.Matches(msg, k.Jump):
		s.filtering = false
		return s.openInput("jump: ", "ID, ms, 2026-11-23T09:00:00Z, 2026-11-23 09:00 or 2026-11-23", "", 0)
	case key.Matches(msg, k.Back):
		s.table.setFilter("")
	}
	return nil
}

// typed handles a key while the filter or the jump input is open. The
// filter applies as it is typed; the jump on enter.
func (s *StreamScreen) typed(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		if s.filtering {
			s.table.setFilter("")
		}
		s.closeInput()
		return nil
	case "enter":
		if s.filtering {
			s.closeInput()
			return nil
		}
		from, err := parseJump(s.input.Value())
		if err != nil {
			s.fail("jump", err)
			return nil
		}
		s.closeInput()
		s.note = statusLine{}
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
// time (RFC 3339, "2006-01-02 15:04" or a date, UTC). A time becomes its
// bare millisecond, which a newest-first page reads as "up to the end of
// that millisecond": the entries at or before it.
func parseJump(text string) (string, error) {
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
	if t, err := queue.ParseTime(text); err == nil {
		if t.Before(time.UnixMilli(0)) {
			return "", fmt.Errorf("%s is before 1970", text)
		}
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	}
	return "", fmt.Errorf("%q is not an ID (1795…-0), a millisecond time or a time (2026-11-23T09:00:00Z, 2026-11-23 09:00, 2026-11-23)", SanitizeLine(text))
}

func (s *StreamScreen) View() string {
	about := ""
	if first, last := s.table.first(), s.table.last(); first != "" {
		about = fmt.Sprintf("%s … %s · newest first", SanitizeLine(first), SanitizeLine(last))
	}
	var line string
	count := fmt.Sprintf("(%d of %d on this page)", len(s.table.shown), len(s.table.rows))
	switch {
	case s.inputOn && s.filtering:
		line = count
	case s.table.filter != "":
		line = "filter: " + SanitizeLine(s.table.filter) + " " + count + " · esc clears"
	}
	empty := "The stream is empty."
	if s.table.filter != "" {
		empty = "Nothing on this page matches the filter."
	}
	return s.view("Stream", about, line, empty)
}

func (s *StreamScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	newest, oldest := pageEnds(k)
	return s.helpFor([]key.Binding{k.Open, k.PageDown, k.PageUp, newest, oldest, k.Jump, k.Filter})
}

func (s *StreamScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{s.ShortHelp(), {k.Up, k.Down, k.Refresh, k.Back}}
}
