package tui

import (
	"context"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// browse is what the Pending, Stream and Dead letters screens share: the
// table, the opened entry, a one-line text input (filter or jump) and a
// y/n question. Each screen embeds it and adds its paging and actions;
// what they report goes to the session's status line.
//
// Layout, top to bottom: heading, then the table (its header and rows) or
// the opened entry, then one line for the input, the question, or the
// filter in force.
type browse struct {
	c      *Common
	table  table
	detail detail

	input      textinput.Model
	inputOn    bool
	inputTheme *styles.Theme // the theme the input was styled with, only compared
	ask        *question

	visible  bool // on screen; a hidden list reloads only when shown again
	stale    bool // the numbers behind the list changed while it was hidden
	atNewest bool // a list paged by IDs shows its newest page: a refresh reads it again, so arrivals show
	atOldest bool // …or its oldest: nothing older to page to

	seq     int // of the latest page request; older replies are dropped
	openSeq int // of the latest open request
	loaded  bool
	count   int // the page size of the latest request
	width   int
	height  int
}

// question is a y/n question; yes runs on y, and nothing else confirms.
type question struct {
	text string
	yes  func() tea.Cmd
}

func newBrowse(c *Common, cols ...tableCol) browse {
	b := browse{c: c, table: newTable(cols...), input: textinput.New()}
	st := b.input.Styles()
	st.Cursor.Blink = false // a steady cursor: no tick per keystroke, stable tests
	b.input.SetStyles(st)
	b.setSize(c.Width, c.Height)
	return b
}

// Mode is the question while one is asked, the input while it is open.
func (b *browse) Mode() Mode {
	switch {
	case b.ask != nil:
		return ModeAsk
	case b.inputOn:
		return ModeInput
	}
	return ModeNormal
}

func (b *browse) setSize(w, h int) {
	b.width, b.height = max(w, 20), max(h, 6)
	b.table.setWidth(b.width)
	b.detail.setSize(b.width, b.height-2)
	b.input.SetWidth(min(b.input.Width(), max(b.width-lenPrompt(b.input.Prompt)-1, 1)))
}

func lenPrompt(p string) int { return len([]rune(p)) }

// pageSize is how many rows fit: the page size of every load.
func (b *browse) pageSize() int { return max(b.height-3, 1) }

// resized is true once more rows fit than the latest request asked for:
// SetSize cannot return a Cmd, so the next message reloads. A body that
// shrank (the full help, a note of two lines) keeps its page, scrolled.
func (b *browse) resized() bool { return b.loaded && b.pageSize() > b.count }

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

// fetchPage reads one page newest first, and says whether it is the
// newest. Going newer reads forward and reverses, because the page must
// end right after the current one; one more than a page, to know whether
// any is newer still. When no more than a page is newer, the newest page
// is read instead, so the screen always shows a full page. Nothing reads
// more than two pages.
func fetchPage[T any](ctx context.Context, read func(context.Context, queue.StreamQuery) ([]T, error), move pageMove, from string, count int) (rows []T, newest bool, err error) {
	switch move {
	case moveNewer:
		rows, err := read(ctx, queue.StreamQuery{From: from, Forward: true, Count: count + 1})
		if err != nil || len(rows) > count {
			rows = rows[:min(len(rows), count)]
			slices.Reverse(rows)
			return rows, false, err
		}
		rows, err = read(ctx, queue.StreamQuery{Count: count})
		return rows, true, err
	case moveOldest:
		rows, err := read(ctx, queue.StreamQuery{Forward: true, Count: count})
		slices.Reverse(rows)
		return rows, false, err
	case moveNewest, moveLatest:
		rows, err := read(ctx, queue.StreamQuery{Count: count})
		return rows, true, err
	}
	rows, err = read(ctx, queue.StreamQuery{From: from, Count: count})
	return rows, false, err
}

// pageFetch asks for one page of a list paged by stream IDs (the stream,
// the dead letters).
type pageFetch func(c *Common, seq int, move pageMove, from string, count int) tea.Cmd

// loadIDs asks for a page at the current page size.
func (b *browse) loadIDs(fetch pageFetch, move pageMove, from string) tea.Cmd {
	b.count = b.pageSize()
	return fetch(b.c, b.nextSeq(), move, from, b.count)
}

// reloadIDs reads the current page again, so new states show and the
// selection stays: the newest page when that is where the reviewer is (so
// arrivals show), else from the page's first ID.
func (b *browse) reloadIDs(fetch pageFetch) tea.Cmd {
	if b.atNewest {
		return b.loadIDs(fetch, moveLatest, "")
	}
	if first := b.table.first(); first != "" {
		return b.loadIDs(fetch, moveReload, first)
	}
	return b.loadIDs(fetch, moveNewest, "")
}

// keepOnArrival is the row a newly arrived page keeps selected: the same
// one on a refresh, else the first, or the last (the oldest entry) when
// the page is the oldest.
func (b *browse) keepOnArrival(move pageMove) string {
	switch move {
	case moveReload, moveLatest:
		keep, _ := b.table.selected()
		return keep.id
	case moveOldest:
		b.table.sel = 1 << 30 // setRows keeps it in range: the last row
		return ""
	}
	b.table.top()
	return ""
}

// arrived notes where a page of rows paged by IDs sits: the newest, and
// the oldest when it is the oldest page, or read newest first and short of
// a full page (nothing older was there to fill it).
func (b *browse) arrived(move pageMove, newest bool, rows int) {
	b.atNewest = newest
	b.atOldest = move == moveOldest || move != moveNewer && rows < b.count
}

// hasTarget is true when there is an entry for an action to apply to.
func (b *browse) hasTarget() bool {
	_, ok := b.target()
	return ok
}

// idPageActions page a list paged by stream IDs (the stream, the dead
// letters): pgdn older, pgup newer, g the newest page, G the oldest. on
// says when they apply (not with an entry open, say).
func (b *browse) idPageActions(fetch pageFetch, on func() bool) []Action {
	rows := func() bool { return on() && b.table.last() != "" }
	older := func() bool {
		_, ok := queue.Before(b.table.last())
		return rows() && ok && !b.atOldest
	}
	return []Action{
		{Name: "page-down", Desc: "older page", When: older, Why: func() string {
			if !rows() {
				return ""
			}
			return "this is the oldest page"
		}, Run: do(func() tea.Cmd {
			from, _ := queue.Before(b.table.last())
			return b.loadIDs(fetch, moveOlder, from)
		})},
		{Name: "page-up", Desc: "newer page", When: func() bool { return rows() && !b.atNewest }, Why: func() string {
			if !rows() {
				return ""
			}
			return "this is the newest page"
		}, Run: do(func() tea.Cmd {
			from, ok := queue.After(b.table.first())
			if !ok {
				return b.loadIDs(fetch, moveNewest, "")
			}
			return b.loadIDs(fetch, moveNewer, from)
		})},
		{Name: "top", Desc: "newest", When: rows, Run: do(func() tea.Cmd { return b.loadIDs(fetch, moveNewest, "") })},
		{Name: "bottom", Desc: "oldest", When: rows, Run: do(func() tea.Cmd { return b.loadIDs(fetch, moveOldest, "") })},
	}
}

// refresh reloads a list whose numbers changed: at once while it is on
// screen, else when it is next shown, so screens nobody looks at cost the
// server nothing.
func (b *browse) refresh(reload func() tea.Cmd) tea.Cmd {
	if !b.visible {
		b.stale = true
		return nil
	}
	return reload()
}

// setVisible records whether the list is on screen and catches up on a
// change it missed while hidden.
func (b *browse) setVisible(visible bool, reload func() tea.Cmd) tea.Cmd {
	b.visible = visible
	if !visible || !b.stale {
		return nil
	}
	b.stale = false
	return reload()
}

// detailActions read an opened entry: scroll it (the keys that would move
// it, where it is), esc back to the list.
func (b *browse) detailActions() []Action {
	open := func() bool { return b.detail.open }
	up := func() bool { return open() && !b.detail.vp.AtTop() }
	down := func() bool { return open() && !b.detail.vp.AtBottom() }
	scroll := func(f func(*detail)) func(tea.KeyPressMsg) tea.Cmd {
		return func(tea.KeyPressMsg) tea.Cmd { f(&b.detail); return nil }
	}
	return []Action{
		{Name: "back", Desc: "back to the list", When: open, Run: do(func() tea.Cmd { b.detail.close(); return nil })},
		{Name: "up", Desc: "scroll up", Short: "scroll", When: up, Run: scroll(func(d *detail) { d.vp.ScrollUp(1) })},
		{Name: "down", Desc: "scroll down", Short: "scroll", When: down, Run: scroll(func(d *detail) { d.vp.ScrollDown(1) })},
		{Name: "page-down", Desc: "page down", When: down, Run: scroll(func(d *detail) { d.vp.PageDown() })},
		{Name: "page-up", Desc: "page up", When: up, Run: scroll(func(d *detail) { d.vp.PageUp() })},
		{Name: "top", Desc: "top", More: true, When: up, Run: scroll(func(d *detail) { d.vp.GotoTop() })},
		{Name: "bottom", Desc: "bottom", More: true, When: down, Run: scroll(func(d *detail) { d.vp.GotoBottom() })},
	}
}

// askActions answer the question asked: y runs it, n or esc drops it.
// Nothing else does anything, enter included.
func (b *browse) askActions() []Action {
	return []Action{
		{Name: "confirm", Mode: ModeAsk, Desc: "yes", Run: do(func() tea.Cmd {
			yes := b.ask.yes
			b.ask = nil
			return yes()
		})},
		{Name: "cancel", Mode: ModeAsk, Desc: "no", Run: do(func() tea.Cmd {
			b.ask = nil
			b.c.info("cancelled")
			return nil
		})},
	}
}

// selectActions move the selection on the list, where it can go: on says
// when (not with an entry open, say). firstLast adds g and G for the
// first and the last row.
func (b *browse) selectActions(on func() bool, firstLast bool) []Action {
	up := func() bool { return on() && b.table.sel > 0 }
	down := func() bool { return on() && b.table.sel < len(b.table.shown)-1 }
	acts := []Action{
		{Name: "up", Desc: "up", More: true, When: up, Run: do(func() tea.Cmd { b.table.move(-1); return nil })},
		{Name: "down", Desc: "down", More: true, When: down, Run: do(func() tea.Cmd { b.table.move(1); return nil })},
	}
	if firstLast {
		acts = append(acts,
			Action{Name: "top", Desc: "first", More: true, When: up, Run: do(func() tea.Cmd { b.table.top(); return nil })},
			Action{Name: "bottom", Desc: "last", More: true, When: down, Run: do(func() tea.Cmd { b.table.bottom(); return nil })},
		)
	}
	return acts
}

// showDetail opens an entry in the body's place.
func (b *browse) showDetail(id, title string, render func(th *styles.Theme, width int) string) {
	b.detail.show(id, title, render, b.width, b.height-2)
}

func (b *browse) nextSeq() int {
	b.seq++
	return b.seq
}

func (b *browse) nextOpen() int {
	b.openSeq++
	return b.openSeq
}

// busy is true while the reviewer is in the middle of something a
// background reload must not disturb.
func (b *browse) busy() bool { return b.inputOn || b.ask != nil || b.detail.open }

func (b *browse) capturing() bool { return b.inputOn || b.ask != nil }

// target is the row an action applies to: the opened entry, else the
// selected row.
func (b *browse) target() (tableRow, bool) {
	if b.detail.open {
		for _, r := range b.table.rows {
			if r.id == b.detail.id {
				return r, true
			}
		}
		return tableRow{id: b.detail.id}, true
	}
	return b.table.selected()
}

// confirm asks a y/n question in the bottom line; yes builds the action's
// Cmd when the answer is y.
func (b *browse) confirm(text string, yes func() tea.Cmd) {
	b.ask = &question{text: text, yes: yes}
}

// openInput opens the input line; width 0 is the whole line.
func (b *browse) openInput(prompt, placeholder, value string, width int) tea.Cmd {
	b.inputOn = true
	b.input.Prompt, b.input.Placeholder = prompt, placeholder
	if width <= 0 || width > b.width-lenPrompt(prompt)-1 {
		width = b.width - lenPrompt(prompt) - 1
	}
	b.input.SetWidth(max(width, 1))
	b.input.SetValue(value)
	b.input.CursorEnd()
	return b.input.Focus()
}

func (b *browse) closeInput() {
	b.inputOn = false
	b.input.Blur()
	b.input.Reset()
}

// updateInput gives a key to the input.
func (b *browse) updateInput(msg tea.KeyPressMsg) tea.Cmd {
	var cmd tea.Cmd
	b.input, cmd = b.input.Update(msg)
	return cmd
}

// mouse selects the clicked row and scrolls with the wheel: the entry when
// one is open, else the selection. y is counted from the top of the body.
func (b *browse) mouse(msg tea.MouseMsg) {
	if b.capturing() {
		return
	}
	m := msg.Mouse()
	switch msg.(type) {
	case tea.MouseWheelMsg:
		up := m.Button == tea.MouseWheelUp
		if m.Button != tea.MouseWheelUp && m.Button != tea.MouseWheelDown {
			return
		}
		switch {
		case b.detail.open:
			b.detail.wheel(up)
		case up:
			b.table.move(-1)
		default:
			b.table.move(1)
		}
	case tea.MouseClickMsg:
		if m.Button == tea.MouseLeft && !b.detail.open {
			b.table.clickRow(m.Y - 1) // the heading is line 0
		}
	}
}

// pageAbout says which entries the page holds, for the heading beside
// title: one ID when it holds one, and "· newest first" where it fits.
func (b *browse) pageAbout(title string) string {
	first, last := b.table.first(), b.table.last()
	if first == "" {
		return ""
	}
	about := termtext.SanitizeLine(first)
	if last != first {
		about += " … " + termtext.SanitizeLine(last)
	}
	if full := about + " · newest first"; lenPrompt(full) <= b.width-lenPrompt(title)-2 {
		return full
	}
	return about
}

// view draws the screen: heading (title and what the page is), the table or
// the opened entry, then the question, the input or bottom, exactly height
// lines. bottom shows beside the input while it is open, alone otherwise.
func (b *browse) view(title, about, bottom, empty string) string {
	th := b.c.Theme
	w := b.width
	var body string
	switch {
	case b.detail.open:
		body = b.detail.view(th)
	case len(b.table.shown) > 0:
		body = b.table.view(th, b.height-2)
	case !b.loaded:
		body = th.Subtle.Render("Loading…")
	case len(b.table.rows) == 0:
		// No column headings: sized to no content, they would run
		// together into one line of words.
		body = th.Subtle.Render(empty)
	default:
		body = b.table.view(th, 1) + "\n" + th.Subtle.Render(empty)
	}
	body = exactLines(body, b.height-2)
	// One allocation for the whole view: it is built after every message
	// while the screen is in front.
	var s strings.Builder
	s.Grow(len(body) + 4*w)
	s.WriteString(th.Title.Render(title))
	if about != "" {
		s.WriteString(th.Subtle.Render("  " + termtext.Truncate(about, max(w-lenPrompt(title)-2, 0))))
	}
	s.WriteByte('\n')
	s.WriteString(body)
	s.WriteByte('\n')
	switch {
	case b.ask != nil:
		s.WriteString(th.Warning.Render(termtext.Truncate(b.ask.text, w)))
	case b.inputOn:
		if b.inputTheme != th {
			b.inputTheme = th
			st := textinput.DefaultStyles(th.IsDark)
			st.Focused.Prompt = th.Prompt
			st.Cursor.Blink = false // a steady cursor: no tick per keystroke, stable tests
			b.input.SetStyles(st)
		}
		s.WriteString(b.input.View())
		if bottom != "" {
			s.WriteString(th.Subtle.Render(" " + bottom))
		}
	case bottom != "":
		s.WriteString(th.Subtle.Render(termtext.Truncate(bottom, w)))
	}
	return s.String()
}

// writable says whether an action that changes the queue applies: it
// needs a session that is not read-only, and an entry to act on.
func (b *browse) writable() bool { return !b.c.ReadOnly && b.hasTarget() }

// readOnlyWhy says why an action that changes the queue does nothing in
// a read-only session.
func (b *browse) readOnlyWhy(what string) func() string {
	return func() string {
		if b.c.ReadOnly && b.hasTarget() {
			return "read-only session: " + what + " is off"
		}
		return ""
	}
}

// copyAction copies the sender's email of the entry the actions apply to,
// when on says so.
func (b *browse) copyAction(on func() bool) Action {
	return Action{Name: "copy-email", Desc: "copy email", When: func() bool {
		r, ok := b.target()
		return on() && ok && r.entry != nil && r.entry.Email() != ""
	}, Why: func() string {
		if r, ok := b.target(); on() && ok && r.entry != nil {
			return about(r.id, r.entry) + " has no email address to copy"
		}
		return ""
	}, Run: do(func() tea.Cmd {
		r, _ := b.target()
		return copyEmailCmd(b.c, r.entry)
	})}
}
