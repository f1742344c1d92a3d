package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// PendingScreen is the pending list, paged: claim an entry by ID, ack it,
// filter by consumer and idle time.
//
// XPENDING only pages forward, so the screen keeps a stack of cursors:
// stack[i] is the exclusive After cursor of page i+1 (stack[0] is "", the
// start). pgdn pushes the page's Next, pgup pops; a load proposes the new
// stack and the screen adopts it only when the page arrives.
type PendingScreen struct {
	browse
	query    queue.PendingQuery // the applied filter (Consumer, MinIdle)
	stack    []string
	next     string // the next page's cursor; "" on the last page
	rows     map[string]queue.PendingEntry
	statsKey string
}

// NewPendingScreen builds the Pending screen.
func NewPendingScreen(c *Common) Screen {
	return &PendingScreen{
		browse: newBrowse(c,
			tableCol{title: "ID", width: 16},
			tableCol{title: "consumer", width: 12},
			tableCol{title: "idle", width: 7},
			tableCol{title: "deliveries", width: 10},
			tableCol{title: "preview"},
		),
		stack: []string{""},
	}
}

func (s *PendingScreen) Init() tea.Cmd { return s.load(s.query, s.stack) }

func (s *PendingScreen) Title() string   { return "Pending" }
func (s *PendingScreen) Capturing() bool { return s.capturing() }

func (s *PendingScreen) SetSize(width, height int) { s.setSize(width, height) }

// load asks for the page after the top of stack with query q.
func (s *PendingScreen) load(q queue.PendingQuery, stack []string) tea.Cmd {
	q.After, q.Count = stack[len(stack)-1], s.pageSize()
	s.count = q.Count
	return pendingPageCmd(s.c, s.nextSeq(), q, stack)
}

func (s *PendingScreen) reload() tea.Cmd { return s.load(s.query, s.stack) }

func (s *PendingScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	cmd := s.update(msg)
	// A new page size invalidates nothing behind the current page: reload
	// it from its own cursor at the new size.
	if s.resized() {
		cmd = tea.Batch(cmd, s.reload())
	}
	return s, cmd
}

func (s *PendingScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case PendingLoadedMsg:
		if msg.Seq != s.seq {
			return nil
		}
		if msg.Err != nil {
			s.fail("pending", msg.Err)
			return nil
		}
		// XPENDING hands out a next cursor whenever a page is full, so the
		// page after the last can be empty: stay on the last one. A page
		// emptied under the reviewer (all acked) steps back instead.
		if len(msg.Page.Entries) == 0 && len(msg.Stack) > 1 {
			if s.loaded && len(msg.Stack) > len(s.stack) {
				s.next = ""
				s.say("this is the last page")
				return nil
			}
			return s.load(msg.Query, msg.Stack[:len(msg.Stack)-1])
		}
		s.loaded = true
		s.query = queue.PendingQuery{Consumer: msg.Query.Consumer, MinIdle: msg.Query.MinIdle}
		s.stack, s.next = msg.Stack, msg.Page.Next
		s.setRows(msg.Page.Entries)
	case EntryLoadedMsg:
		if msg.Screen == screenPending && msg.Seq == s.openSeq {
			s.opened(msg)
		}
	case PendingClaimedMsg:
		return s.claimed(msg)
	case PendingAckedMsg:
		return s.acked(msg)
	case StatsLoadedMsg:
		// Live updates: reload when the group changed, unless the reviewer
		// is in the middle of something.
		key := pendingStatsKey(msg.Stats)
		changed := s.statsKey != "" && key != s.statsKey
		if msg.Err == nil {
			s.statsKey = key
		}
		if msg.Err == nil && changed && s.loaded && !s.busy() {
			return s.refresh(s.reload)
		}
	case VisibleMsg:
		return s.setVisible(msg.Visible, s.reload)
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func pendingStatsKey(st queue.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", st.Group.Pending, st.Group.LastDelivered)
	for _, c := range st.Consumers {
		fmt.Fprintf(&b, " %s=%d", c.Name, c.Pending)
	}
	return b.String()
}

func (s *PendingScreen) setRows(entries []queue.PendingEntry) {
	keep, _ := s.table.selected()
	th := s.c.Theme
	rows := make([]tableRow, len(entries))
	s.rows = make(map[string]queue.PendingEntry, len(entries))
	for i, p := range entries {
		s.rows[p.ID] = p
		style := &th.StatePend
		if p.Consumer == s.c.Consumer {
			style = nil
		}
		rows[i] = tableRow{id: p.ID, cells: []tableCell{
			{text: SanitizeLine(p.ID)},
			{text: SanitizeLine(p.Consumer), style: style},
			{text: Ago(p.Idle)},
			{text: strconv.FormatInt(p.Deliveries, 10)},
			{text: Preview(p.Entry, 1<<10)},
		}}
	}
	s.table.setRows(rows, keep.id)
}

func (s *PendingScreen) opened(msg EntryLoadedMsg) {
	title := "Entry " + SanitizeLine(msg.ID)
	switch {
	case errors.Is(msg.Err, queue.ErrNotFound):
		s.detail.show(msg.ID, title, func(int) string {
			return s.c.Theme.Warning.Render("(deleted from the stream while pending)")
		}, s.width, s.height-2)
	case msg.Err != nil:
		s.fail("open", msg.Err)
	default:
		th, e := s.c.Theme, msg.Entry
		s.detail.show(msg.ID, title, func(w int) string { return RenderEntry(th, e, w) }, s.width, s.height-2)
	}
}

func (s *PendingScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.ask != nil {
		return s.answer(msg)
	}
	if s.inputOn {
		switch {
		case msg.String() == "enter":
			return s.applyFilter(s.input.Value())
		case msg.String() == "esc":
			s.closeInput()
			return nil
		}
		return s.updateInput(msg)
	}
	switch {
	case key.Matches(msg, k.Claim):
		return s.claim()
	case key.Matches(msg, k.Ack):
		return s.ack()
	case key.Matches(msg, k.Refresh):
		return s.reload()
	}
	if s.detailKeys(msg) {
		return nil
	}
	if s.moveKeys(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, k.PageDown):
		if s.next == "" {
			s.say("this is the last page")
			return nil
		}
		return s.load(s.query, append(append([]string(nil), s.stack...), s.next))
	case key.Matches(msg, k.PageUp):
		if len(s.stack) == 1 {
			s.say("this is the first page")
			return nil
		}
		return s.load(s.query, s.stack[:len(s.stack)-1])
	case key.Matches(msg, k.Open):
		if id := s.target(); id != "" {
			return getEntryCmd(s.c, screenPending, s.nextOpen(), id)
		}
	case key.Matches(msg, k.Filter):
		return s.openInput("filter: ", "consumer:NAME idle:5m", formatPendingFilter(s.query), 0)
	case key.Matches(msg, k.Back):
		if s.query.Consumer != "" || s.query.MinIdle > 0 {
			return s.load(queue.PendingQuery{}, []string{""})
		}
	}
	return nil
}

// applyFilter parses the typed filter; a bad one keeps the old filter and
// the input open for correcting.
func (s *PendingScreen) applyFilter(text string) tea.Cmd {
	q, err := parsePendingFilter(text)
	if err != nil {
		s.fail("filter", err)
		return nil
	}
	s.closeInput()
	s.note = statusLine{}
	return s.load(q, []string{""})
}

// parsePendingFilter reads "consumer:NAME", "idle:DURATION" or a bare
// duration, in any order; empty clears the filter.
func parsePendingFilter(text string) (queue.PendingQuery, error) {
	var q queue.PendingQuery
	for _, term := range strings.Fields(text) {
		if name, ok := strings.CutPrefix(term, "consumer:"); ok {
			if name == "" {
				return q, errors.New("consumer: needs a name")
			}
			q.Consumer = name
			continue
		}
		d, err := time.ParseDuration(strings.TrimPrefix(term, "idle:"))
		if err != nil || d < 0 {
			return q, fmt.Errorf("%q is not consumer:NAME, idle:DURATION or a duration like 5m", SanitizeLine(term))
		}
		q.MinIdle = d
	}
	return q, nil
}

func formatPendingFilter(q queue.PendingQuery) string {
	var terms []string
	if q.Consumer != "" {
		terms = append(terms, "consumer:"+q.Consumer)
	}
	if q.MinIdle > 0 {
		terms = append(terms, "idle:"+q.MinIdle.String())
	}
	return strings.Join(terms, " ")
}

func (s *PendingScreen) claim() tea.Cmd {
	id := s.target()
	switch {
	case s.c.ReadOnly:
		s.say("read-only session: claiming is off")
		return nil
	case id == "":
		return nil
	}
	s.say("claiming %s…", id)
	return claimIDCmd(s.c, id, false)
}

func (s *PendingScreen) claimed(msg PendingClaimedMsg) tea.Cmd {
	var held *queue.HeldError
	switch {
	case errors.Is(msg.Err, queue.ErrNotHeld) && !msg.Force:
		owner, idle := s.rows[msg.ID].Consumer, s.rows[msg.ID].Idle
		if errors.As(msg.Err, &held) {
			owner = held.Owner
			if held.Idle > 0 {
				idle = held.Idle
			}
		}
		s.note = statusLine{}
		s.ask = &question{
			text: fmt.Sprintf("%s holds it (idle %s) — take it anyway? y/n", SanitizeLine(owner), Ago(idle)),
			yes:  claimIDCmd(s.c, msg.ID, true),
		}
		return nil
	case msg.Err != nil:
		s.fail("claim", msg.Err)
		return nil
	}
	s.detail.close()
	s.ok("claimed %s: it is yours now — read and ack it on Review", msg.ID)
	m := msg.Claimed
	return tea.Batch(
		func() tea.Msg { return ClaimedElsewhereMsg{Message: m} },
		func() tea.Msg { return SwitchScreenMsg{Screen: 1} },
		s.reload(),
	)
}

func (s *PendingScreen) ack() tea.Cmd {
	id := s.target()
	switch {
	case s.c.ReadOnly:
		s.say("read-only session: acking is off")
		return nil
	case id == "":
		return nil
	}
	if owner := s.rows[id].Consumer; owner != "" && owner != s.c.Consumer {
		s.note = statusLine{}
		s.ask = &question{
			text: fmt.Sprintf("%s holds %s — ack it anyway? y/n", SanitizeLine(owner), id),
			yes:  ackPendingCmd(s.c, id),
		}
		return nil
	}
	return ackPendingCmd(s.c, id)
}

func (s *PendingScreen) acked(msg PendingAckedMsg) tea.Cmd {
	if msg.Err != nil {
		s.fail("ack", msg.Err)
		return nil
	}
	if s.detail.id == msg.ID {
		s.detail.close()
	}
	if msg.N == 0 {
		s.say("%s was no longer pending", msg.ID)
	} else {
		s.ok("acked %s", msg.ID)
	}
	return s.reload()
}

func (s *PendingScreen) View() string {
	about := fmt.Sprintf("page %d", len(s.stack))
	if s.loaded && s.next == "" {
		about += " (last)"
	}
	if f := formatPendingFilter(s.query); f != "" {
		about += " · " + SanitizeLine(f)
	}
	var filter string
	if f := formatPendingFilter(s.query); f != "" && !s.inputOn {
		filter = "filter: " + SanitizeLine(f) + " (esc clears)"
	}
	empty := "Nothing pending."
	if formatPendingFilter(s.query) != "" {
		empty = "Nothing pending matches the filter."
	}
	return s.view("Pending", about, filter, empty)
}

func (s *PendingScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return s.helpFor([]key.Binding{k.Open, k.Claim, k.Ack, k.Filter, k.PageDown, k.PageUp})
}

func (s *PendingScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{s.ShortHelp(), {k.Up, k.Down, k.Top, k.Bottom, k.Refresh, k.Back}}
}
