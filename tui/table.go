package tui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/styles"
)

// tableCol is one column of a table; width 0 takes what the others leave.
type tableCol struct {
	title string
	width int
}

// tableCell is one already sanitised, one-line value and its style (nil: plain).
type tableCell struct {
	text  string
	style *lipgloss.Style
}

// tableRow is one row: its ID, its cells and the lower-case text the
// filter matches against. Rows are built once, when a page arrives, so
// View never sanitises.
type tableRow struct {
	id     string
	cells  []tableCell
	search string
}

// table is the list the Pending, Stream and Dead letters screens share: a
// page of rows, an optional filter over them and a selection drawn with a
// ">" marker so it shows without colour too.
type table struct {
	th     *styles.Theme
	cols   []tableCol
	rows   []tableRow
	filter string
	shown  []int // indices into rows that pass the filter
	sel    int   // index into shown
	offset int   // first of shown drawn, when fewer rows fit than loaded

	width  int
	widths []int
	header string
	lines  []string // rendered unselected rows by index into rows; "" when not yet drawn
	// The selected row, drawn once per selection: selRow is its index into
	// rows, -1 when stale.
	selRow  int
	selLine string
}

func newTable(th *styles.Theme, cols ...tableCol) table {
	return table{th: th, cols: cols, selRow: -1}
}

// setWidth resolves the column widths and drops the cached lines.
func (t *table) setWidth(w int) {
	if w == t.width && t.widths != nil {
		return
	}
	t.width = w
	t.widths = make([]int, len(t.cols))
	left := w - 2 // the marker
	flex := -1
	for i, c := range t.cols {
		if c.width == 0 {
			flex = i
			continue
		}
		t.widths[i] = c.width
		left -= c.width + 1
	}
	if flex >= 0 {
		t.widths[flex] = max(left, 0)
	}
	titles := make([]tableCell, len(t.cols))
	for i, c := range t.cols {
		titles[i] = tableCell{text: c.title}
	}
	t.header = t.th.TableHeader.Render("  " + t.join(titles, true))
	t.lines = make([]string, len(t.rows))
	t.selRow = -1
}

// setRows replaces the page. The selection stays on keepID when it is still
// there, else at the same position, so a reload never makes it jump.
func (t *table) setRows(rows []tableRow, keepID string) {
	pos := t.sel
	t.rows = rows
	t.lines = make([]string, len(rows))
	t.selRow = -1
	t.applyFilter()
	t.sel = min(pos, max(len(t.shown)-1, 0))
	for i, r := range t.shown {
		if keepID != "" && rows[r].id == keepID {
			t.sel = i
			break
		}
	}
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

func (t *table) selected() (tableRow, bool) {
	if t.sel < 0 || t.sel >= len(t.shown) {
		return tableRow{}, false
	}
	return t.rows[t.shown[t.sel]], true
}

func (t *table) move(n int) { t.sel = max(0, min(t.sel+n, len(t.shown)-1)) }
func (t *table) top()       { t.sel = 0 }
func (t *table) bottom()    { t.sel = max(len(t.shown)-1, 0) }

// first and last are the IDs at the ends of the page, filter or not: the
// page's cursors.
func (t *table) first() string {
	if len(t.rows) == 0 {
		return ""
	}
	return t.rows[0].id
}

func (t *table) last() string {
	if len(t.rows) == 0 {
		return ""
	}
	return t.rows[len(t.rows)-1].id
}

// join lays cells out in the columns, in their styles unless plain.
func (t *table) join(cells []tableCell, plain bool) string {
	var b strings.Builder
	for i, c := range cells {
		if i >= len(t.widths) {
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		var s string
		if i == len(t.widths)-1 {
			s = Truncate(c.text, t.widths[i]) // no padding at the end of the line
		} else {
			s = fit(c.text, t.widths[i])
		}
		if c.style != nil && !plain {
			s = c.style.Render(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// view draws the header and up to height-1 rows.
func (t *table) view(height int) string {
	rows := max(height-1, 1)
	if t.sel < t.offset {
		t.offset = t.sel
	}
	if t.sel >= t.offset+rows {
		t.offset = t.sel - rows + 1
	}
	t.offset = max(0, min(t.offset, len(t.shown)-rows))
	var b strings.Builder
	b.Grow((t.width + 64) * (rows + 1))
	b.WriteString(t.header)
	for i := t.offset; i < len(t.shown) && i < t.offset+rows; i++ {
		b.WriteByte('\n')
		r := t.shown[i]
		if i == t.sel {
			if t.selRow != r {
				t.selRow, t.selLine = r, t.th.Selected.Render("> "+t.join(t.rows[r].cells, true))
			}
			b.WriteString(t.selLine)
			continue
		}
		if t.lines[r] == "" {
			t.lines[r] = "  " + t.join(t.rows[r].cells, false)
		}
		b.WriteString(t.lines[r])
	}
	return b.String()
}
