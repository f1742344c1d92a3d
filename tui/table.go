package tui

import (
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// tableCol is one column of a table. Columns are as wide as their widest
// cell on the page (or their title), up to max; the flexible column
// (max 0) takes what the others leave. When that is less than its min,
// columns give way in their drop order (1 first; 0 never) and show again
// on a wider terminal; one with a min of its own first narrows to it.
type tableCol struct {
	title string
	max   int
	min   int
	drop  int
}

// cellStyle names a cell's style; the theme turns it into colours when
// the table is drawn, so a page loaded under one theme draws in the next.
type cellStyle int

const (
	cellPlain cellStyle = iota
	cellNew
	cellPending
	cellAcked
	cellDead
	cellWarn
	cellSubtle
)

func (s cellStyle) of(th *styles.Theme) *lipgloss.Style {
	switch s {
	case cellNew:
		return &th.StateNew
	case cellPending:
		return &th.StatePend
	case cellAcked:
		return &th.StateAck
	case cellDead:
		return &th.StateDead
	case cellWarn:
		return &th.Warning
	case cellSubtle:
		return &th.Subtle
	}
	return nil
}

// tableCell is one already sanitised, one-line value and its style.
type tableCell struct {
	text  string
	style cellStyle
}

// tableRow is one row: its ID, its cells, the lower-case text the filter
// matches against and the entry it shows (for naming it and copying its
// email). Rows are built once, when a page arrives, so View never
// sanitises.
type tableRow struct {
	id     string
	cells  []tableCell
	search string
	entry  *queue.Entry
	// pinned is a row above the page, not of it (a message that waits,
	// not in the page's order): never a cursor of the page.
	pinned bool
}

// table is the list the Pending, Stream and Dead letters screens share: a
// page of rows, an optional filter over them and a selection drawn with a
// ">" marker so it shows without colour too.
type table struct {
	cols   []tableCol
	rows   []tableRow
	filter string
	shown  []int // indices into rows that pass the filter
	sel    int   // index into shown
	offset int   // first of shown drawn, when fewer rows fit than loaded

	// A marked range of IDs (Stream's replay), both ends included, ""
	// when none: its rows are drawn with a bar in the marker's place.
	rangeLo, rangeHi string

	width  int
	widths []int  // per column; the flexible one's is what is left
	hidden []bool // columns that gave way to a narrow terminal

	// Drawn lines, kept while the theme and the layout stay the same: th
	// is the theme they were drawn with, only ever compared.
	th      *styles.Theme
	header  string
	lines   []string // unselected rows by index into rows; "" when not yet drawn
	selRow  int      // the row selLine shows; -1 when stale
	selLine string
}

func newTable(cols ...tableCol) table {
	return table{cols: cols, selRow: -1}
}

// setWidth lays the columns out again for a new width.
func (t *table) setWidth(w int) {
	if w != t.width {
		t.width = w
		t.layout()
	}
}

// layout sizes the columns to the page's content and the width, and drops
// what was drawn.
func (t *table) layout() {
	n := len(t.cols)
	t.widths, t.hidden = make([]int, n), make([]bool, n)
	flex := -1
	for i, c := range t.cols {
		if c.max == 0 {
			flex = i
			continue
		}
		w := lipgloss.Width(c.title)
		for _, r := range t.rows {
			if i < len(r.cells) {
				w = max(w, lipgloss.Width(r.cells[i].text))
			}
		}
		t.widths[i] = min(w, c.max)
	}
	left := func() int {
		used := 2 // the selection marker
		for i := range t.cols {
			if i != flex && !t.hidden[i] {
				used += t.widths[i] + 1
			}
		}
		return t.width - used
	}
	if flex >= 0 {
		for left() < t.cols[flex].min {
			next := -1
			for i, c := range t.cols {
				if c.drop > 0 && !t.hidden[i] && (next < 0 || c.drop < t.cols[next].drop) {
					next = i
				}
			}
			if next < 0 {
				break
			}
			if c := t.cols[next]; c.min > 0 && t.widths[next] > c.min {
				t.widths[next] = max(c.min, t.widths[next]-(t.cols[flex].min-left()))
				continue
			}
			t.hidden[next] = true
		}
		t.widths[flex] = max(left(), 0)
	}
	t.forget()
}

// forget drops every drawn line.
func (t *table) forget() {
	t.header = ""
	t.lines = make([]string, len(t.rows))
	t.selRow = -1
}

// setRange marks the rows from one ID to another, in either order; two
// empty IDs clear the mark, and so do two that cannot be ordered (not IDs).
func (t *table) setRange(a, b string) {
	if a != "" && b != "" {
		order, err := queue.CompareIDs(a, b)
		switch {
		case err != nil:
			a, b = "", ""
		case order > 0:
			a, b = b, a
		}
	}
	if a != t.rangeLo || b != t.rangeHi {
		t.rangeLo, t.rangeHi = a, b
		t.forget()
	}
}

// inRange reports whether id lies in the marked range; a row whose ID is
// not an ID lies in none.
func (t *table) inRange(id string) bool {
	if t.rangeLo == "" {
		return false
	}
	fromLo, errLo := queue.CompareIDs(id, t.rangeLo)
	toHi, errHi := queue.CompareIDs(id, t.rangeHi)
	return errLo == nil && errHi == nil && fromLo >= 0 && toHi <= 0
}

// setRows replaces the page. The selection stays on keepID when it is still
// there, else at the same position, so a reload never makes it jump.
//
// Lines already drawn for rows that come back unchanged are kept when the
// columns keep their widths: a refresh that changes a few rows' ages (or
// none) redraws only those, which on the SSH desk, where every session
// refreshes the page it shows, was most of a screen key's console work.
func (t *table) setRows(rows []tableRow, keepID string) {
	pos := t.sel
	oldRows, oldLines, oldWidths, oldHidden := t.rows, t.lines, t.widths, t.hidden
	oldHeader, oldSelRow, oldSelLine := t.header, t.selRow, t.selLine
	t.rows = rows
	t.applyFilter()
	t.sel = min(pos, max(len(t.shown)-1, 0))
	for i, r := range t.shown {
		if keepID != "" && rows[r].id == keepID {
			t.sel = i
			break
		}
	}
	t.layout()
	if oldLines == nil || !slices.Equal(oldWidths, t.widths) || !slices.Equal(oldHidden, t.hidden) {
		return
	}
	t.header = oldHeader
	was := make(map[string]int, len(oldRows))
	for i, r := range oldRows {
		was[r.id] = i
	}
	for i, r := range rows {
		j, ok := was[r.id]
		if !ok || !sameRow(oldRows[j], r) {
			continue
		}
		if j < len(oldLines) {
			t.lines[i] = oldLines[j]
		}
		if j == oldSelRow {
			t.selRow, t.selLine = i, oldSelLine
		}
	}
}

// sameRow says whether two rows draw the same line.
func sameRow(a, b tableRow) bool {
	return a.id == b.id && a.pinned == b.pinned && slices.Equal(a.cells, b.cells)
}

// setFilter keeps only the rows whose search text holds f (case-insensitive).
func (t *table) setFilter(f string) {
	keep, _ := t.selected()
	t.filter = strings.ToLower(f)
	t.applyFilter()
	t.sel = 0
	for i, r := range t.shown {
		if t.rows[r].id == keep.id {
			t.sel = i
		}
	}
}

func (t *table) applyFilter() {
	t.shown = t.shown[:0]
	for i, r := range t.rows {
		if t.filter == "" || strings.Contains(r.search, t.filter) {
			t.shown = append(t.shown, i)
		}
	}
}

// row is the row of id on the page, for naming it in a notice; only the
// id when the page no longer has it.
func (t *table) row(id string) tableRow {
	for _, r := range t.rows {
		if r.id == id {
			return r
		}
	}
	return tableRow{id: id}
}

func (t *table) selected() (tableRow, bool) {
	if t.sel < 0 || t.sel >= len(t.shown) {
		return tableRow{}, false
	}
	return t.rows[t.shown[t.sel]], true
}

func (t *table) move(n int) { t.sel = max(0, min(t.sel+n, len(t.shown)-1)) }
func (t *table) top()       { t.sel = 0 }
func (t *table) bottom()    { t.sel = max(len(t.shown)-1, 0) }

// clickRow selects the row drawn on line y of the table's view (0 is the
// header); false when no row is there.
func (t *table) clickRow(y int) bool {
	i := t.offset + y - 1
	if y < 1 || i >= len(t.shown) {
		return false
	}
	t.sel = i
	return true
}

// first and last are the IDs at the ends of the page, filter or not, its
// pinned rows left out: the page's cursors.
func (t *table) first() string {
	for _, r := range t.rows {
		if !r.pinned {
			return r.id
		}
	}
	return ""
}

func (t *table) last() string {
	for i := len(t.rows) - 1; i >= 0; i-- {
		if !t.rows[i].pinned {
			return t.rows[i].id
		}
	}
	return ""
}

// join lays cells out in the visible columns, in their styles unless
// plain.
func (t *table) join(th *styles.Theme, cells []tableCell, plain bool) string {
	lastShown := len(t.cols) - 1
	for lastShown > 0 && t.hidden[lastShown] {
		lastShown--
	}
	var b strings.Builder
	first := true
	for i, c := range cells {
		if i >= len(t.widths) || t.hidden[i] {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		var s string
		if i == lastShown {
			s = termtext.Truncate(c.text, t.widths[i]) // no padding at the end of the line
		} else {
			s = fit(c.text, t.widths[i])
		}
		if st := c.style.of(th); st != nil && !plain {
			s = st.Render(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// view draws the header and up to height-1 rows in th.
func (t *table) view(th *styles.Theme, height int) string {
	if th != t.th {
		t.th = th
		t.forget()
	}
	rows := max(height-1, 1)
	if t.sel < t.offset {
		t.offset = t.sel
	}
	if t.sel >= t.offset+rows {
		t.offset = t.sel - rows + 1
	}
	t.offset = max(0, min(t.offset, len(t.shown)-rows))
	if t.header == "" {
		titles := make([]tableCell, len(t.cols))
		for i, c := range t.cols {
			titles[i] = tableCell{text: c.title}
		}
		t.header = th.TableHeader.Render("  " + t.join(th, titles, true))
	}
	var b strings.Builder
	b.Grow((t.width + 64) * (rows + 1))
	b.WriteString(t.header)
	for i := t.offset; i < len(t.shown) && i < t.offset+rows; i++ {
		b.WriteByte('\n')
		r := t.shown[i]
		if i == t.sel {
			if t.selRow != r {
				t.selRow, t.selLine = r, th.Selected.Render("> "+t.join(th, t.rows[r].cells, true))
			}
			b.WriteString(t.selLine)
			continue
		}
		if t.lines[r] == "" {
			marker := "  "
			if t.inRange(t.rows[r].id) {
				marker = th.Selected.Render("┃") + " "
			}
			t.lines[r] = marker + t.join(th, t.rows[r].cells, false)
		}
		b.WriteString(t.lines[r])
	}
	return b.String()
}
