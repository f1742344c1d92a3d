package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/termtext"
)

// drawHeader is the header, two lines: who (your consumer name, and whether the session is
// read-only or on the embedded server) and where (the settings profile,
// the server, the stream), with the connection state
// on the right; the queue's numbers on the second. When the line is short,
// the server and stream names give way first.
func (a *App) drawHeader() string {
	th := a.c.Theme
	key, val := th.HeaderKey.Render, th.HeaderValue.Render
	sep := key("  ")

	left := key(" ") + th.Title.Inherit(th.Header).Render("reviewq") + sep + key("as ") + val(a.id.consumer)
	if a.c.ReadOnly {
		left += key(" ") + th.ReadOnly.Render("READ-ONLY")
	}
	if a.c.Embedded {
		left += key(" ") + th.Embedded.Render("EMBEDDED")
	}
	if a.id.profile != "" {
		left += sep + key("profile ") + val(a.id.profile)
	}
	left += sep + val(a.id.server) + sep + val(a.id.streamGroup)

	var conn string
	switch {
	case a.connErr != nil:
		conn = th.Offline.Render("○ offline: " + errReason(a.connErr))
	case a.haveStats:
		conn = th.Connected.Render("● connected")
	default:
		conn = key("… connecting")
	}

	num := func(n int64) string {
		if !a.haveStats {
			return "–"
		}
		return strconv.FormatInt(n, 10)
	}
	lag := num(a.stats.Group.Lag)
	if a.haveStats && a.stats.Group.Lag < 0 {
		lag = "?"
	}
	numbers := key(" length ") + val(num(a.stats.Length)) +
		sep + key("pending ") + val(num(a.stats.Group.Pending)) +
		sep + key("lag ") + val(lag) +
		sep + key("dead letters ") + val(num(a.stats.DeadLength))
	var note string
	switch {
	case a.numbersStale:
		// Numbers from before the connection was lost, said plainly.
		note = th.Offline.Render("stale · "+termtext.Ago(a.c.Now().Sub(a.statsAt))) + key(" ")
	case a.c.Embedded:
		note = key("in-memory: nothing is kept ")
	}
	return spread(th.Header, left, conn+key(" "), a.width) + "\n" + spread(th.Header, numbers, note, a.width)
}

// spread puts left and right on one line of exactly width cells, filled
// with the style's background; the left side gives way first.
func spread(st lipgloss.Style, left, right string, width int) string {
	rw := lipgloss.Width(right)
	if rw > width {
		right, rw = ansi.Truncate(right, width, ""), width
	}
	if ansi.StringWidth(left) > width-rw-1 {
		left = ansi.Truncate(left, width-rw-2, "…") // and a gap before right
	}
	gap := width - lipgloss.Width(left) - rw
	return left + st.Render(strings.Repeat(" ", max(gap, 0))) + right
}

// block fits a screen's view to exactly width×height cells: long lines are
// cut, missing lines added, so a screen can never break the frame. A view
// that fits already is returned as it is.
func block(s string, width, height int) string {
	lines := strings.SplitN(s, "\n", height+1)
	fits := len(lines) == height
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i], fits = ansi.Truncate(l, width, ""), false
		}
	}
	if fits {
		return s
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
