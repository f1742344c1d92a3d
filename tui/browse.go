package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// browse is what the Pending, Stream and Dead letters screens share: the
// table, the opened entry, a one-line text input (filter or jump), a y/n
// question and the status line. Each screen embeds it and adds its paging
// and actions.
//
// Layout, top to bottom: heading, table header, rows, input line, status
// line; with an entry open, the entry takes the header's and rows' place.
type browse struct {
	c      *Common
	table  table
	detail detail

	input   textinput.Model
	inputOn bool
	ask     *question
	note    statusLine

	visible bool // on screen; a hidden list reloads only when shown again
	stale   bool // the numbers behind the list changed while it was hidden

	seq     int // of the latest page request; older replies are dropped
	openSeq int // of the latest open request
	loaded  bool
	count   int // the page size of the latest request
	width   int
	height  int
}

// question is a y/n question; yes runs on y.
type question struct {
	text string
	yes  tea.Cmd
}

type lineKind int

const (
	linePlain lineKind = iota
	lineGood
	lineBad
)

// statusLine is the status line.
type statusLine struct {
	text string
	kind lineKind
}

func newBrowse(c *Common, cols ...tableCol) browse {
	in := textinput.New()
	st := textinput.DefaultStyles(c.Theme.IsDark)
	st.Focused.Prompt = c.Theme.Prompt
	st.Cursor.Blink = false // a steady cursor: no tick per keystroke, stable tests
	in.SetStyles(st)
	b := browse{c: c, table: newTable(c.Theme, cols...), detail: detail{th: c.Theme}, input: in}
	b.setSize(c.Width, c.Height)
	return b
}

func (b *browse) setSize(w, h int) {
	b.width, b.height = max(w, 20), max(h, 6)
	b.table.setWidth(b.width)
	b.detail.setSize(b.width, b.height-2)
	b.input.SetWidth(min(b.input.Width(), max(b.width-lenPrompt(b.input.Prompt)-1, 1)))
}

func lenPrompt(p string) int { return len([]rune(p)) }

// pageSize is how many rows fit: the page size of every load.
func (b *browse) pageSize() int { return max(b.height-4, 1) }

// resized is true once the page size differs from the latest request's:
// SetSize cannot return a Cmd, so the next message reloads.
func (b *browse) resized() bool { return b.loaded && b.pageSize() != b.count }

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
func (b *browse) reloadIDs(fetch pageFetch, atNewest bool) tea.Cmd {
	if atNewest {
		return b.loadIDs(fetch, moveLatest, "")
	}
	if first := b.table.first(); first != "" {
		return b.loadIDs(fetch, moveReload, first)
	}
	return b.loadIDs(fetch, moveNewest, "")
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

// detailKeys gives keys to an open entry: esc closes it, the rest scroll.
// It reports whether the entry was open.
func (b *browse) detailKeys(msg tea.KeyPressMsg) bool {
	if !b.detail.open {
		return false
	}
	if key.Matches(msg, b.c.Keys.Back) {
		b.detail.close()
	} else {
		b.detail.update(msg, b.c.Keys)
	}
	return true
}

func (b *browse) nextSeq() int {
	b.seq++
	return b.seq
}

func (b *browse) nextOpen() int {
	b.openSeq++
	return b.openSeq
}

func (b *browse) say(format string, args ...any) {
	b.note = statusLine{fmt.Sprintf(format, args...), linePlain}
}

func (b *browse) ok(format string, args ...any) {
	b.note = statusLine{fmt.Sprintf(format, args...), lineGood}
}

// fail reports a failed call on one line; the list stays as it was.
func (b *browse) fail(op string, err error) {
	b.note = statusLine{op + " failed: " + SanitizeLine(err.Error()), lineBad}
}

// busy is true while the reviewer is in the middle of something a
// background reload must not disturb.
func (b *browse) busy() bool { return b.inputOn || b.ask != nil || b.detail.open }

func (b *browse) capturing() bool { return b.inputOn || b.ask != nil }

// target is the ID an action applies to: the opened entry, else the
// selected row.
func (b *browse) target() string {
	if b.detail.open {
		return b.detail.id
	}
	r, _ := b.table.selected()
	return r.id
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

// answer handles a key while a question is asked: y runs it, n or esc
// drops it, anything else is ignored.
func (b *browse) answer(msg tea.KeyPressMsg) tea.Cmd {
	k := b.c.Keys
	switch {
	case key.Matches(msg, k.Confirm):
		yes := b.ask.yes
		b.ask = nil
		b.note = statusLine{}
		return yes
	case key.Matches(msg, k.Cancel):
		b.ask = nil
		b.say("cancelled")
	}
	return nil
}

// moveKeys moves the selection; false when msg is not a movement key.
func (b *browse) moveKeys(msg tea.KeyPressMsg) bool {
	k := b.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		b.table.move(-1)
	case key.Matches(msg, k.Down):
		b.table.move(1)
	case key.Matches(msg, k.Top):
		b.table.top()
	case key.Matches(msg, k.Bottom):
		b.table.bottom()
	default:
		return false
	}
	return true
}

// view draws the screen: heading (title and what the page is), the table or
// the opened entry, the input line and the status line, exactly height
// lines. inputLine shows beside the input while it is open, alone
// otherwise.
func (b *browse) view(title, about, inputLine, empty string) string {
	th := b.c.Theme
	w := b.width
	var s strings.Builder
	s.WriteString(th.Title.Render(title))
	if about != "" {
		s.WriteString(th.Subtle.Render("  " + Truncate(about, max(w-lenPrompt(title)-2, 0))))
	}
	s.WriteByte('\n')
	if b.detail.open {
		s.WriteString(exactLines(b.detail.view(), b.height-2))
	} else {
		var body string
		switch {
		case len(b.table.shown) > 0:
			body = b.table.view(b.height - 3)
		case !b.loaded:
			body = th.Subtle.Render("Loading…")
		default:
			body = b.table.header + "\n" + th.Subtle.Render(empty)
		}
		s.WriteString(exactLines(body, b.height-3))
		s.WriteByte('\n')
		if b.inputOn {
			s.WriteString(b.input.View())
			if inputLine != "" {
				s.WriteString(th.Subtle.Render(" " + inputLine))
			}
		} else if inputLine != "" {
			s.WriteString(th.Subtle.Render(Truncate(inputLine, w)))
		}
	}
	s.WriteByte('\n')
	switch {
	case b.ask != nil:
		s.WriteString(th.Warning.Render(Truncate(b.ask.text, w)))
	case b.note.kind == lineBad:
		s.WriteString(th.Error.Render(Truncate(b.note.text, w)))
	case b.note.kind == lineGood:
		s.WriteString(th.Success.Render(Truncate(b.note.text, w)))
	case b.note.text != "":
		s.WriteString(th.Subtle.Render(Truncate(b.note.text, w)))
	}
	return s.String()
}

// pageEnds are g and G as the paged streams read them, for the help: the
// newest and the oldest page rather than the ends of this one.
func pageEnds(k KeyMap) (newest, oldest key.Binding) {
	newest, oldest = k.Top, k.Bottom
	newest.SetHelp("g", "newest page")
	oldest.SetHelp("G", "oldest page")
	return newest, oldest
}

// helpFor is a screen's short help in its current mode.
func (b *browse) helpFor(list []key.Binding) []key.Binding {
	k := b.c.Keys
	switch {
	case b.ask != nil:
		return []key.Binding{k.Confirm, k.Cancel}
	case b.inputOn:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
		}
	case b.detail.open:
		return []key.Binding{k.Back, k.Up, k.Down, k.PageUp, k.PageDown}
	}
	return list
}
