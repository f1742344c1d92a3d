package tui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// maxFilterConsumers bounds how many consumers one filter reads at once
// (one XPENDING each per page).
const maxFilterConsumers = 8

// PendingScreen is the pending list, paged: claim an entry by ID, ack it,
// filter by consumer (a part of the name) and idle time. Idle times tick
// while the list is on screen.
//
// XPENDING only pages forward, so the screen keeps a stack of cursors:
// stack[i] is the exclusive After cursor of page i+1 (stack[0] is "", the
// start). pgdn pushes the page's Next, pgup pops; a load proposes the new
// stack and the screen adopts it only when the page arrives.
type PendingScreen struct {
	browse
	actions   []Action
	filter    pendingFilter // the applied filter
	consumers []string      // the consumer names the filter matched when applied
	unmatched int           // how many more matched than one filter reads
	stack     []string
	next      string // the next page's cursor; "" on the last page
	// With an idle filter the server scans the pending list in bounded
	// steps: scans[i] is how many entries page i looked at, and
	// scanPending how many were pending when the last page was read.
	scans       []int64
	scanPending int64
	entries     []queue.PendingEntry
	// waiting are the group's messages that wait out of the pending list
	// (snoozed, backing off), the soonest due, listed above the first page
	// of an unfiltered list (the header's numbers count them all).
	waiting   []queue.WaitingEntry
	loadedAt  time.Time // when entries' idle times were read
	stats     queue.Stats
	haveStats bool
	statsKey  string
	ticking   bool // a redraw of the idle times is due
}

// pendingFilter is what the reviewer typed after /: part of a consumer's
// name and a minimum idle time.
type pendingFilter struct {
	consumer string
	minIdle  time.Duration
}

// pendingTickMsg redraws the idle times.
type pendingTickMsg struct{}

const pendingID ScreenID = "pending"

// NewPendingScreen builds the Pending screen.
func NewPendingScreen(c *Common) Screen {
	s := &PendingScreen{
		browse: newBrowse(c,
			tableCol{title: "ID", max: 24},
			tableCol{title: "consumer", max: 20, drop: 2},
			tableCol{title: "idle", max: 7},
			tableCol{title: "deliv.", max: 6, drop: 1},
			tableCol{title: "preview", min: 16},
		),
		stack: []string{""},
	}
	s.actions = s.keyTable()
	return s
}

// keyTable is the Pending screen's keys.
func (s *PendingScreen) keyTable() []Action {
	list := func() bool { return !s.detail.open }
	// A message that waits is not pending: nothing to claim or ack until
	// it comes back by itself.
	pendingRow := func() bool {
		r, ok := s.target()
		return s.writable() && ok && !r.pinned
	}
	why := func(what string) func() string {
		readOnly := s.readOnlyWhy(what)
		return func() string {
			if r, ok := s.target(); ok && r.pinned && !s.c.ReadOnly {
				return about(r.id, r.entry) + " waits, out of the pending list: it comes back by itself when due"
			}
			return readOnly()
		}
	}
	acts := []Action{
		{Name: "claim", Desc: "claim", When: pendingRow, Why: why("claiming"), Run: do(s.claim)},
		{Name: "ack", Desc: "ack", When: pendingRow, Why: why("acking"), Run: do(s.ack)},
		{Name: "open", Desc: "open", When: func() bool { return list() && s.hasTarget() }, Run: do(func() tea.Cmd {
			r, _ := s.target()
			return getEntryCmd(s.c, s.nextOpen(), r.id)
		})},
		{Name: "filter", Desc: "filter", When: list, Run: do(func() tea.Cmd {
			return s.openInput("filter: ", "part of a consumer's name, idle:5m", formatPendingFilter(s.filter), 0)
		})},
		{Name: "page-down", Desc: "next page", When: func() bool { return list() && s.next != "" }, Why: func() string {
			if list() && s.loaded {
				return "this is the last page"
			}
			return ""
		}, Run: do(func() tea.Cmd { return s.load(s.filter, append(slices.Clone(s.stack), s.next)) })},
		{Name: "page-up", Desc: "prev page", When: func() bool { return list() && len(s.stack) > 1 }, Why: func() string {
			if list() && s.loaded {
				return "this is the first page"
			}
			return ""
		}, Run: do(func() tea.Cmd { return s.load(s.filter, s.stack[:len(s.stack)-1]) })},
		{Name: "back", Desc: "clear filter", When: func() bool { return list() && s.filter != (pendingFilter{}) }, Run: do(func() tea.Cmd {
			s.filter = pendingFilter{}
			return s.load(s.filter, []string{""})
		})},
		s.copyAction(always),
	}
	acts = append(acts, s.detailActions()...)
	acts = append(acts, s.selectActions(list, true)...)
	acts = append(acts,
		Action{Name: "refresh", Desc: "refresh", More: true, Run: do(s.reload)},
		Action{Name: "apply", Mode: ModeInput, Desc: "apply", Run: do(func() tea.Cmd { return s.applyFilter(s.input.Value()) })},
		Action{Name: "back", Mode: ModeInput, Desc: "cancel", Run: do(func() tea.Cmd { s.closeInput(); return nil })},
	)
	return append(acts, s.askActions()...)
}

func (s *PendingScreen) Init() tea.Cmd { return s.load(s.filter, s.stack) }

func (s *PendingScreen) Title() string     { return "Pending" }
func (s *PendingScreen) Actions() []Action { return s.actions }

func (s *PendingScreen) SetSize(width, height int) { s.setSize(width, height) }

// load asks for the page after the top of stack with filter f, resolving
// the consumer part against the consumers the header last saw.
func (s *PendingScreen) load(f pendingFilter, stack []string) tea.Cmd {
	q := queue.PendingQuery{After: stack[len(stack)-1], Count: s.pageSize(), MinIdle: f.minIdle}
	s.count = q.Count
	consumers, more := s.matchConsumers(f.consumer)
	s.unmatched = more
	return pendingPageCmd(s.c, s.nextSeq(), q, consumers, stack)
}

func (s *PendingScreen) reload() tea.Cmd { return s.load(s.filter, s.stack) }

// matchConsumers is every consumer whose name holds part (any case), from
// the latest stats, at most maxFilterConsumers of them, and how many more
// matched. Before the first stats it is part itself.
func (s *PendingScreen) matchConsumers(part string) ([]string, int) {
	if part == "" {
		return nil, 0
	}
	if !s.haveStats {
		return []string{part}, 0
	}
	var names []string
	lower := strings.ToLower(part)
	for _, c := range s.stats.Consumers {
		if strings.Contains(strings.ToLower(c.Name), lower) {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return []string{part}, 0 // a consumer newer than the stats, or none: the server says
	}
	slices.Sort(names)
	if len(names) > maxFilterConsumers {
		return names[:maxFilterConsumers], len(names) - maxFilterConsumers
	}
	return names, 0
}

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
		return s.pageArrived(msg)
	case EntryLoadedMsg:
		if msg.Seq == s.openSeq {
			s.opened(msg)
		}
	case ClaimedIDMsg:
		return s.claimed(msg)
	case AckedMsg:
		return s.acked(msg)
	case pendingTickMsg:
		s.ticking = false
		if s.visible && len(s.entries)+len(s.waiting) > 0 {
			s.setRows()
			return s.tick()
		}
	case StatsLoadedMsg:
		if msg.Err != nil {
			return nil
		}
		s.stats, s.haveStats = msg.Stats, true
		// Live updates: reload when the group changed, unless the reviewer
		// is in the middle of something.
		key := pendingStatsKey(msg.Stats)
		changed := s.statsKey != "" && key != s.statsKey
		if changed && (!s.loaded || s.busy()) {
			break // kept for the first stats after it, as on Stream
		}
		s.statsKey = key
		if changed {
			return s.refresh(s.reload)
		}
	case VisibleMsg:
		return tea.Batch(s.setVisible(msg.Visible, s.reload), s.tick())
	case tea.KeyPressMsg:
		if s.inputOn {
			return s.updateInput(msg)
		}
	case tea.MouseMsg:
		s.mouse(msg)
	}
	return nil
}

// tick plans the next redraw of the idle times, one at a time, while the
// list is on screen.
func (s *PendingScreen) tick() tea.Cmd {
	if s.ticking || !s.visible || len(s.entries)+len(s.waiting) == 0 {
		return nil
	}
	s.ticking = true
	return s.c.after(time.Second, pendingTickMsg{})
}

func pendingStatsKey(st queue.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %d %d", st.Group.Pending, st.Group.LastDelivered, st.Snoozed, st.Waiting)
	for _, c := range st.Consumers {
		fmt.Fprintf(&b, " %s=%d", c.Name, c.Pending)
	}
	return b.String()
}

func (s *PendingScreen) pageArrived(msg PendingLoadedMsg) tea.Cmd {
	if msg.Seq != s.seq {
		return nil
	}
	if msg.Err != nil {
		s.c.fail("pending page", "loading the pending list", msg.Err)
		return nil
	}
	s.c.succeeded("pending page")
	// XPENDING hands out a next cursor whenever a page is full, so the
	// page after the last can be empty: stay on the last one. A page
	// emptied under the reviewer (all acked) steps back instead. An idle
	// scan that stopped at its bound with nothing found yet is a page of
	// its own: pgdn scans on.
	scanStopped := msg.Query.MinIdle > 0 && msg.Page.Next != ""
	if len(msg.Page.Entries) == 0 && len(msg.Stack) > 1 && !scanStopped {
		if s.loaded && len(msg.Stack) > len(s.stack) {
			s.next = ""
			s.c.info("this is the last page")
			return nil
		}
		return s.load(s.filter, msg.Stack[:len(msg.Stack)-1])
	}
	s.loaded = true
	s.consumers, s.stack, s.next = msg.Consumers, msg.Stack, msg.Page.Next
	s.scans = append(s.scans[:min(len(s.scans), len(msg.Stack)-1)], msg.Page.Scanned)
	s.scanPending = msg.Page.Pending
	s.entries, s.loadedAt = msg.Page.Entries, s.c.Now()
	s.waiting = msg.Page.Waiting
	s.setRows()
	return s.tick()
}

// setRows draws the page's rows, with each idle time as it is now, after
// the messages that wait (snoozed, backing off: out of the pending list)
// with how long they still wait.
func (s *PendingScreen) setRows() {
	keep, _ := s.table.selected()
	rows := make([]tableRow, len(s.waiting), len(s.waiting)+len(s.entries))
	now := s.c.Now()
	for i, w := range s.waiting {
		entry := w.Entry
		// The state leads the preview, which no width drops.
		state := termtext.WaitState(w.Wait, now, s.c.Location)
		preview := termtext.Preview(&entry, 1<<10)
		style := cellSubtle
		if strings.HasPrefix(preview, "⚠") {
			style = cellWarn
		}
		rows[i] = tableRow{id: w.ID, entry: &entry, pinned: true, cells: []tableCell{
			{text: termtext.SanitizeLine(w.ID), style: cellSubtle},
			{text: termtext.Line(w.Wait.By, 20), style: cellSubtle},
			{text: ""},
			{text: strconv.FormatInt(w.Wait.Delivered(), 10), style: cellSubtle},
			{text: state + " · " + preview, style: style},
		}}
	}
	for _, p := range s.entries {
		owner := cellPending
		if p.Consumer == s.c.Consumer {
			owner = cellPlain
		}
		preview := termtext.Preview(p.Entry, 1<<10)
		rows = append(rows, tableRow{id: p.ID, entry: p.Entry, cells: []tableCell{
			{text: termtext.SanitizeLine(p.ID)},
			{text: termtext.SanitizeLine(p.Consumer), style: owner},
			{text: termtext.Ago(s.idleNow(p))},
			{text: strconv.FormatInt(p.Deliveries, 10)},
			{text: preview, style: warnIfMarked(preview)},
		}})
	}
	s.table.setRows(rows, keep.id)
}

// idleNow is p's idle time now: as read, plus the time since. The list
// and what the screen says about an entry read this one clock.
func (s *PendingScreen) idleNow(p queue.PendingEntry) time.Duration {
	return p.Idle + s.c.Now().Sub(s.loadedAt)
}

// warnIfMarked styles a preview the sanitiser marked.
func warnIfMarked(preview string) cellStyle {
	if strings.HasPrefix(preview, "⚠") {
		return cellWarn
	}
	return cellPlain
}

func (s *PendingScreen) opened(msg EntryLoadedMsg) {
	title := "Entry " + termtext.SanitizeLine(msg.ID)
	loc := s.c.Location
	switch {
	case errors.Is(msg.Err, queue.ErrNotFound):
		s.showDetail(msg.ID, title, func(th *styles.Theme, _ int) string {
			return th.Warning.Render("(deleted from the stream while pending)")
		})
	case msg.Err != nil:
		s.c.fail("open", "opening "+safeID(msg.ID), msg.Err)
	default:
		s.c.succeeded("open")
		e := msg.Entry
		s.showDetail(msg.ID, title, func(th *styles.Theme, w int) string { return RenderEntry(th, e, loc, w) })
	}
}

// applyFilter parses the typed filter; a bad one keeps the old filter and
// the input open for correcting.
func (s *PendingScreen) applyFilter(text string) tea.Cmd {
	f, err := parsePendingFilter(text)
	if err != nil {
		s.c.failf("filter", false, "filter: %s", err.Error())
		return nil
	}
	s.c.succeeded("filter")
	s.closeInput()
	s.filter = f
	return s.load(f, []string{""})
}

// parsePendingFilter reads part of a consumer's name ("bo" or
// "consumer:bo") and a minimum idle time ("idle:5m" or a bare "5m"), in
// any order; empty clears the filter.
func parsePendingFilter(text string) (pendingFilter, error) {
	var f pendingFilter
	for _, term := range strings.Fields(text) {
		if name, ok := strings.CutPrefix(term, "consumer:"); ok {
			if name == "" {
				return f, errors.New("consumer: needs (part of) a name")
			}
			f.consumer = name
			continue
		}
		if d, ok := strings.CutPrefix(term, "idle:"); ok {
			idle, err := time.ParseDuration(d)
			if err != nil || idle < 0 {
				return f, fmt.Errorf("%q is not a duration like idle:5m", termtext.SanitizeLine(term))
			}
			f.minIdle = idle
			continue
		}
		if idle, err := time.ParseDuration(term); err == nil && idle >= 0 {
			f.minIdle = idle
			continue
		}
		if f.consumer != "" {
			return f, fmt.Errorf("one consumer at a time: %q and %q", termtext.SanitizeLine(f.consumer), termtext.SanitizeLine(term))
		}
		f.consumer = term
	}
	return f, nil
}

func formatPendingFilter(f pendingFilter) string {
	var terms []string
	if f.consumer != "" {
		terms = append(terms, f.consumer)
	}
	if f.minIdle > 0 {
		terms = append(terms, "idle:"+f.minIdle.String())
	}
	return strings.Join(terms, " ")
}

func (s *PendingScreen) claim() tea.Cmd {
	r, _ := s.target()
	held := s.c.held()
	switch {
	case held != nil && held.ID == r.id:
		s.c.info("%s is already yours: read it on Review", about(r.id, r.entry))
		return func() tea.Msg { return HandOverMsg{Message: held} }
	case held != nil:
		s.confirm(fmt.Sprintf("you hold %s — hand it back and take %s? y/n", about(held.ID, &held.Entry), about(r.id, r.entry)),
			func() tea.Cmd { return s.claimID(r, false) })
		return nil
	}
	return s.claimID(r, false)
}

func (s *PendingScreen) claimID(r tableRow, force bool) tea.Cmd {
	s.c.info("claiming %s…", about(r.id, r.entry))
	return claimIDCmd(s.c, r.id, force)
}

func (s *PendingScreen) entry(id string) queue.PendingEntry {
	for _, p := range s.entries {
		if p.ID == id {
			return p
		}
	}
	return queue.PendingEntry{ID: id}
}

func (s *PendingScreen) claimed(msg ClaimedIDMsg) tea.Cmd {
	r := s.table.row(msg.ID)
	var held *queue.HeldError
	switch {
	case errors.Is(msg.Err, queue.ErrNotHeld) && !msg.Force:
		p := s.entry(msg.ID)
		owner, idle := p.Consumer, s.idleNow(p)
		if errors.As(msg.Err, &held) {
			// The server's figure is the fresher: the list shows it too,
			// so the row and the question agree.
			owner, idle = held.Owner, held.Idle
			s.setIdle(msg.ID, idle)
		}
		s.c.setStatus(status{})
		s.confirm(fmt.Sprintf("%s holds %s (idle %s) — take it anyway? y/n", safeID(owner), about(msg.ID, r.entry), termtext.Ago(idle)),
			func() tea.Cmd { return s.claimID(r, true) })
		return nil
	case msg.Err != nil:
		s.c.fail("claim", "claiming "+about(msg.ID, r.entry), msg.Err)
		return nil
	}
	s.c.succeeded("claim")
	s.detail.close()
	s.c.ok("claimed %s: it is yours now, on Review", about(msg.ID, r.entry))
	m := msg.Claimed
	return tea.Batch(func() tea.Msg { return HandOverMsg{Message: m} }, s.reload())
}

// setIdle makes the list show entry id idle for d as of now.
func (s *PendingScreen) setIdle(id string, d time.Duration) {
	for i, p := range s.entries {
		if p.ID == id {
			s.entries[i].Idle = d - s.c.Now().Sub(s.loadedAt)
			s.setRows()
		}
	}
}

func (s *PendingScreen) ack() tea.Cmd {
	r, _ := s.target()
	if owner := s.entry(r.id).Consumer; owner != "" && owner != s.c.Consumer {
		s.confirm(fmt.Sprintf("%s holds %s — ack it anyway? y/n", termtext.Line(owner, 24), about(r.id, r.entry)),
			func() tea.Cmd { return ackCmd(s.c, r.id) })
		return nil
	}
	return ackCmd(s.c, r.id)
}

func (s *PendingScreen) acked(msg AckedMsg) tea.Cmd {
	r := s.table.row(msg.ID)
	if msg.Err != nil {
		s.c.fail("ack", "acking "+about(msg.ID, r.entry), msg.Err)
		return nil
	}
	s.c.succeeded("ack")
	if s.detail.id == msg.ID {
		s.detail.close()
	}
	var done tea.Cmd
	if held := s.c.held(); held != nil && held.ID == msg.ID {
		done = func() tea.Msg { return HeldDoneMsg{ID: msg.ID} }
	}
	if msg.N == 0 {
		s.c.warn("%s was no longer pending: nothing acked", about(msg.ID, r.entry))
	} else {
		s.c.ok("acked %s", about(msg.ID, r.entry))
	}
	return tea.Batch(done, s.reload())
}

func (s *PendingScreen) View() string {
	about := fmt.Sprintf("page %d", len(s.stack))
	if s.loaded && s.next == "" {
		about += " (last)"
	}
	if total := s.total(); total != "" {
		about += " · " + total
	}
	var bottom string
	if f := formatPendingFilter(s.filter); f != "" && !s.inputOn {
		bottom = "filter: " + termtext.SanitizeLine(f) + s.matched() + " · " + s.c.key("back") + " clears"
	}
	empty := "Nothing pending."
	if s.filter != (pendingFilter{}) {
		empty = "Nothing pending matches the filter."
	}
	if scan := s.scanProgress(); scan != "" {
		about += " · " + scan
		if s.next != "" && len(s.table.shown) == 0 {
			empty = fmt.Sprintf("None idle %s or more among those scanned so far — %s scans on.", termtext.Ago(s.filter.minIdle), s.c.key("page-down"))
		}
	}
	return s.view("Pending", about, bottom, empty)
}

// scanProgress says how far an idle filter's bounded scan of the pending
// list got: "scanned 20,000 of 1,000,000".
func (s *PendingScreen) scanProgress() string {
	if s.filter.minIdle <= 0 || !s.loaded {
		return ""
	}
	var n int64
	for _, k := range s.scans[:min(len(s.scans), len(s.stack))] {
		n += k
	}
	return fmt.Sprintf("scanned %s of %s", termtext.Thousands(n), termtext.Thousands(max(s.scanPending, n)))
}

// total is how many are pending, from the header's numbers: in the group,
// or held by the consumers the filter matched.
func (s *PendingScreen) total() string {
	if !s.haveStats {
		return ""
	}
	if s.filter.consumer == "" {
		if s.filter.minIdle > 0 {
			return "" // the scan's progress says how many are pending
		}
		if w := s.stats.Snoozed + s.stats.Waiting; w > 0 {
			return fmt.Sprintf("%d pending · %d waiting", s.stats.Group.Pending, w)
		}
		return fmt.Sprintf("%d pending", s.stats.Group.Pending)
	}
	var n int64
	for _, c := range s.stats.Consumers {
		if slices.Contains(s.consumers, c.Name) {
			n += c.Pending
		}
	}
	return fmt.Sprintf("%d of %d pending", n, s.stats.Group.Pending)
}

// matched lists the consumers a name filter found.
func (s *PendingScreen) matched() string {
	if s.filter.consumer == "" || len(s.consumers) == 0 {
		return ""
	}
	names := make([]string, len(s.consumers))
	for i, n := range s.consumers {
		names[i] = termtext.Line(n, 20)
	}
	if s.unmatched > 0 {
		names = append(names, fmt.Sprintf("and %d more: type more of the name", s.unmatched))
	}
	return " (" + strings.Join(names, ", ") + ")"
}
