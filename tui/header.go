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
// the stream name gives way first (headerLeft).
func (a *App) drawHeader() string {
	th := a.c.Theme
	key, val := th.HeaderKey.Render, th.HeaderValue.Render
	sep := key("  ")

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
	if a.haveStats && a.stats.TrimmedUnread > 0 {
		// Something trimmed messages before anyone read them (the web
		// example's MAXLEN): said where everyone looks.
		numbers += sep + th.Error.Inherit(th.Header).Render(termtext.Thousands(a.stats.TrimmedUnread)+" lost unread")
	}
	var note string
	switch {
	case a.numbersStale:
		// Numbers from before the connection was lost, said plainly.
		note = th.Offline.Render("stale · "+termtext.Ago(a.c.Now().Sub(a.statsAt))) + key(" ")
	case a.c.Embedded && lipgloss.Width(numbers)+len("in-memory: nothing is kept ")+1 <= a.width:
		note = key("in-memory: nothing is kept ") // else the EMBEDDED badge says it
	}
	conn += key(" ")
	// Offline, the reason gives way before who you are: the failed call's
	// own note says it too.
	if a.connErr != nil && lipgloss.Width(a.headerLine(false, a.id.consumer, false)) > a.width-lipgloss.Width(conn)-1 {
		conn = th.Offline.Render("○ offline") + key(" ")
	}
	left := a.headerLeft(a.width - lipgloss.Width(conn) - 1)
	return spread(th.Header, left, conn, a.width) + "\n" + spread(th.Header, numbers, note, a.width)
}

// headerLeft is who and where, in room cells. The server's address is
// what tells one desk from another, so it gives way last: first the
// stream/group (cut, then left out), then the title, then the consumer
// name (cut, then left out), then the badges' padding.
func (a *App) headerLeft(room int) string {
	th := a.c.Theme
	key, val := th.HeaderKey.Render, th.HeaderValue.Render
	sep := key("  ")
	line := a.headerLine
	const minStreamGroup = 12 // less than this says nothing
	left := line(true, a.id.consumer, true)
	if rest := room - lipgloss.Width(left) - lipgloss.Width(sep) - 1; rest >= minStreamGroup {
		return left + sep + val(termtext.Truncate(a.id.streamGroup, rest))
	}
	cut := func(padded bool) string { // the consumer name, cut to what is left of room
		over := lipgloss.Width(line(false, a.id.consumer, padded)) - room
		return termtext.Truncate(a.id.consumer, max(lipgloss.Width(a.id.consumer)-over, 4))
	}
	for _, try := range []string{
		left,
		line(false, a.id.consumer, true),
		line(false, cut(true), true),
		line(false, cut(false), false),
		line(false, "", false),
	} {
		if lipgloss.Width(try) <= room {
			return try
		}
	}
	return key(" ") + val(a.id.server)
}

// headerLine is who and where without the stream: the title or not, the
// consumer name (none: left out), the badges padded or not, the profile
// and the server.
func (a *App) headerLine(title bool, consumer string, padded bool) string {
	th := a.c.Theme
	key, val := th.HeaderKey.Render, th.HeaderValue.Render
	sep := key("  ")
	badges := func(padded bool) string {
		var s string
		for _, b := range []struct {
			on    bool
			style lipgloss.Style
			text  string
		}{{a.c.ReadOnly, th.ReadOnly, "READ-ONLY"}, {a.c.Embedded, th.Embedded, "EMBEDDED"}} {
			if b.on {
				if !padded {
					b.style = b.style.UnsetPadding()
				}
				s += key(" ") + b.style.Render(b.text)
			}
		}
		return s
	}
	s := key(" ")
	if title {
		s += th.Title.Inherit(th.Header).Render("reviewq") + sep
	}
	if consumer != "" {
		s += key("as ") + val(consumer)
	}
	s += badges(padded)
	if a.id.profile != "" {
		s += sep + key("profile ") + val(a.id.profile)
	}
	return s + sep + val(a.id.server)
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
		// No character is wider than its bytes: a line as short in bytes
		// as the width fits without measuring it.
		if len(l) > width && ansi.StringWidth(l) > width {
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
