package tui

import (
	"fmt"
	"testing"

	"github.com/reviewq/reviewq/styles"
)

// A page set again keeps the lines of rows that came back unchanged and
// draws the rest, so what it shows is what a table drawn afresh shows.
func TestTableKeepsUnchangedLines(t *testing.T) {
	th := styles.New(true)
	cols := []tableCol{{title: "ID", max: 24}, {title: "state", max: 40, min: 20, drop: 2}, {title: "preview", min: 16}}
	rows := func(changed int, state string) []tableRow {
		var rs []tableRow
		for i := range 6 {
			st := tableCell{text: "pending · bob · 1m ago", style: cellPending}
			if i == changed {
				st = tableCell{text: state, style: cellAcked}
			}
			rs = append(rs, tableRow{id: fmt.Sprintf("%d-0", i+1), cells: []tableCell{{text: fmt.Sprintf("%d-0", i+1)}, st, {text: "hello"}}})
		}
		return rs
	}
	tb := newTable(cols...)
	tb.setWidth(80)
	tb.setRows(rows(-1, ""), "")
	tb.view(th, 10)
	kept := tb.lines[4]
	for _, c := range []struct {
		changed int
		state   string
	}{{-1, ""}, {2, "acked · bob · 1m ago"}, {0, "acked · bob · 2m ago"}, {3, "acked · someone with a much longer name · 2m ago"}} {
		tb.setRows(rows(c.changed, c.state), "")
		got := tb.view(th, 10)
		fresh := newTable(cols...)
		fresh.setWidth(80)
		fresh.setRows(rows(c.changed, c.state), "")
		if want := fresh.view(th, 10); got != want {
			t.Errorf("row %d changed to %q: drew\n%s\nwant\n%s", c.changed, c.state, got, want)
		}
	}
	tb.setRows(rows(-1, ""), "")
	tb.view(th, 10)
	tb.setRows(rows(2, "acked · bob · 1m ago"), "")
	if tb.lines[4] != kept || tb.lines[2] != "" {
		t.Errorf("after one row changed, kept %q and %q; want the unchanged row's line kept and the changed one's dropped", tb.lines[4], tb.lines[2])
	}
}
