package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// ActivityScreen is the last hour of the group, minute by minute:
// sparklines of arrivals, acks, dead letters and snoozes, time to ack, the oldest
// message nobody has claimed, and what each reviewer did. It reads
// queue.Activity while it is in front, every activityEvery, and not at
// all behind another screen.
type ActivityScreen struct {
	c       *Common
	actions []Action

	act    queue.Activity
	loaded bool
	seq    int // of the latest numbers, for the drawn cache

	visible bool
	// gen changes whenever the screen is shown or hidden: a tick of an
	// earlier showing does not poll.
	gen  int
	busy bool // a read is in flight: one at a time

	width, height int
	drawn         struct {
		w, h, seq int
		busy      bool
		th        *styles.Theme
		view      string
	}
}

// activityEvery is how often the screen reads the numbers again while it
// is in front: each read is a few bounded server calls.
const activityEvery = 5 * time.Second

// activityTickMsg asks for the next read of the showing gen.
type activityTickMsg struct{ gen int }

const activityID ScreenID = "activity"

// NewActivityScreen builds the Activity screen.
func NewActivityScreen(c *Common) Screen {
	s := &ActivityScreen{c: c, width: c.Width, height: c.Height}
	s.actions = []Action{{Name: "refresh", Desc: "update now", Run: do(s.load)}}
	return s
}

func (s *ActivityScreen) Init() tea.Cmd             { return nil }
func (s *ActivityScreen) Title() string             { return "Activity" }
func (s *ActivityScreen) Actions() []Action         { return s.actions }
func (s *ActivityScreen) Mode() Mode                { return ModeNormal }
func (s *ActivityScreen) SetSize(width, height int) { s.width, s.height = width, height }

func (s *ActivityScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case VisibleMsg:
		s.visible = msg.Visible
		s.gen++
		if msg.Visible {
			return s, s.load()
		}
	case activityTickMsg:
		if s.visible && msg.gen == s.gen {
			return s, s.load()
		}
	case ActivityLoadedMsg:
		s.busy = false
		if msg.Err != nil {
			s.c.fail("activity", "reading the activity", msg.Err) // the numbers shown stay
		} else {
			s.c.succeeded("activity")
			s.act, s.loaded = msg.Activity, true
			s.seq++
		}
		if s.visible {
			return s, s.c.after(activityEvery, activityTickMsg{gen: s.gen})
		}
	}
	return s, nil
}

func (s *ActivityScreen) load() tea.Cmd {
	if s.busy {
		return nil // its reply plans the next read
	}
	s.busy = true
	return activityCmd(s.c)
}

func (s *ActivityScreen) View() string {
	th, d := s.c.Theme, &s.drawn
	if d.view == "" || d.w != s.width || d.h != s.height || d.seq != s.seq || d.th != th || d.busy != s.busy {
		d.w, d.h, d.seq, d.th, d.busy = s.width, s.height, s.seq, th, s.busy
		d.view = s.draw(th)
	}
	return d.view
}

// The sparklines' layout: a label (the name in sparkNames cells, the
// hour's total in at least 5), then the bars between two rules.
const sparkNames = 8

func (s *ActivityScreen) draw(th *styles.Theme) string {
	w := max(s.width, 20)
	if !s.loaded {
		note := "Loading…"
		if !s.busy {
			note = "No numbers yet: the status line says why; " + s.c.key("refresh") + " tries again."
		}
		return th.Title.Render("Activity") + "\n" + th.Subtle.Render(note)
	}
	a := s.act
	snoozes := a.Snoozes
	if len(snoozes) != len(a.Arrivals) {
		snoozes = make([]int64, len(a.Arrivals)) // none counted
	}
	totals := []string{termtext.Thousands(sum(a.Arrivals)), termtext.Thousands(sum(a.Acks)), termtext.Thousands(sum(a.Dead)), termtext.Thousands(sum(snoozes))}
	countWidth := 5
	for _, t := range totals {
		countWidth = max(countWidth, len(t))
	}
	labelWidth := sparkNames + 1 + countWidth + 1
	cols, perCol, perMinute := sparkLayout(w - labelWidth - 2)
	series := [][]int64{resample(a.Arrivals, perCol, perMinute), resample(a.Acks, perCol, perMinute), resample(a.Dead, perCol, perMinute),
		resample(snoozes, perCol, perMinute)}
	// One scale for all, so acks read against arrivals.
	var top int64
	for _, xs := range series {
		top = max(top, slices.Max(append(xs, 0)))
	}
	span := "a bar per minute"
	if perCol > 1 {
		span = fmt.Sprintf("a bar per %d minutes", perCol)
	}
	if top > 0 {
		span += fmt.Sprintf(", █ = %d", top)
	}
	span += " · times in " + a.Start.In(s.c.Location).Format("MST")
	// The zone the axis is in matters more than saying the hour twice.
	about := "the last hour, " + span
	if lenPrompt("Activity  "+about) > w {
		about = span
	}
	var lines []string
	lines = append(lines, th.Title.Render("Activity")+th.Subtle.Render(termtext.Truncate("  "+about, w-8)))
	if a.ArrivalsBehind {
		lines = append(lines, th.Warning.Render(termtext.Truncate("arrivals are still being counted (a burst): the next updates catch up", w)))
	} else {
		lines = append(lines, "")
	}
	rule := th.Subtle.Render("│")
	for i, row := range []struct {
		name  string
		style lipgloss.Style
	}{{"arrivals", th.StateNew}, {"acks", th.StateAck}, {"dead", th.StateDead}, {"snoozes", th.Subtle}} {
		label := fmt.Sprintf("%-*s %*s ", sparkNames, row.name, countWidth, totals[i])
		lines = append(lines, th.Label.Width(labelWidth).Render(label)+rule+
			row.style.Render(termtext.Sparkline(series[i], top))+rule)
	}
	lines = append(lines, strings.Repeat(" ", labelWidth+1)+th.Subtle.Render(timeAxis(a.Start, cols, perCol, perMinute, s.c.Location)))
	lines = append(lines, "")

	label := th.Label.Width(18).Render
	if t := a.TimeToAck; t.Count > 0 {
		p := fmt.Sprintf("p50 %s · p90 %s", termtext.Ago(t.P50), termtext.Ago(t.P90))
		over := fmt.Sprintf("  over %s, from arrival", plural(t.Count, "ack"))
		if 18+lenPrompt(p+over) > w {
			over = "  over " + plural(t.Count, "ack")
		}
		lines = append(lines, label("time to ack")+th.Value.Render(p)+th.Subtle.Render(over))
	} else {
		lines = append(lines, label("time to ack")+th.Subtle.Render("no acks in the last hour"))
	}
	if a.OldestUnclaimed >= 0 {
		lines = append(lines, label("oldest unclaimed")+th.Value.Render(termtext.Ago(a.OldestUnclaimed))+th.Subtle.Render("  waiting for its first claim"))
	} else {
		lines = append(lines, label("oldest unclaimed")+th.Subtle.Render("none: every message has been claimed"))
	}
	lines = append(lines, "")
	lines = append(lines, s.reviewers(th, s.height-len(lines))...)
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return exactLines(strings.Join(lines, "\n"), s.height)
}

// reviewers is the per-reviewer table in at most h lines, the busiest
// first; the ones that do not fit are counted.
func (s *ActivityScreen) reviewers(th *styles.Theme, h int) []string {
	rs := s.act.Reviewers
	if len(rs) == 0 {
		return []string{th.Subtle.Render("Nobody acked or dead-lettered anything in the last hour.")}
	}
	if h < 2 {
		return nil
	}
	names := make([]string, len(rs))
	nameW := len("reviewer")
	for i, r := range rs {
		names[i] = termtext.Line(r.Name, 30)
		if r.Name == s.c.Consumer {
			names[i] += " (you)"
		}
		nameW = max(nameW, lipgloss.Width(names[i]))
	}
	cells := func(name, acked, dead, held string) string {
		return fit(name, nameW) + fmt.Sprintf("  %5s  %13s  %11s", acked, dead, held)
	}
	out := []string{th.TableHeader.Render(cells("reviewer", "acked", "dead-lettered", "median held"))}
	shown := len(rs)
	if shown > h-1 {
		shown = max(h-2, 0) // and a line that says how many more
	}
	for i, r := range rs[:shown] {
		held := "?" // acks without a claim time: made before it was recorded
		switch {
		case r.Acked == 0:
			held = "–" // nothing acked, nothing to measure
		case r.MedianHeld >= 0:
			held = termtext.Ago(r.MedianHeld)
		}
		out = append(out, th.Value.Render(cells(names[i], strconv.FormatInt(r.Acked, 10), strconv.FormatInt(r.Dead, 10), held)))
	}
	if shown < len(rs) {
		out = append(out, th.Subtle.Render(fmt.Sprintf("… and %d more", len(rs)-shown)))
	}
	return out
}

// sparkLayout fits the hour's queue.ActivityBuckets minutes into avail
// columns: perMinute columns a minute when there is room for one or more
// (whole columns, so each bar is as wide as the next), else one column
// for perCol minutes (a divisor of the hour, so no bar holds a partial
// span). cols is the width drawn.
func sparkLayout(avail int) (cols, perCol, perMinute int) {
	n := queue.ActivityBuckets
	if avail >= n {
		return n * (avail / n), 1, avail / n
	}
	for m := 2; m <= n; m++ {
		if n%m == 0 && n/m <= max(avail, 1) {
			return n / m, m, 1
		}
	}
	return 1, n, 1
}

// resample spreads counts over the columns: each repeated perMinute
// times, or perCol of them summed into one.
func resample(counts []int64, perCol, perMinute int) []int64 {
	out := make([]int64, 0, len(counts)*perMinute/perCol+1)
	for i := 0; i < len(counts); i += perCol {
		var n int64
		for _, c := range counts[i:min(i+perCol, len(counts))] {
			n += c
		}
		for range perMinute {
			out = append(out, n)
		}
	}
	return out
}

// timeAxis labels the sparklines' columns with the clock (in loc) at
// round minutes, as often as the labels fit, and "now" under the last.
func timeAxis(start time.Time, cols, perCol, perMinute int, loc *time.Location) string {
	colsPerMinute := float64(perMinute) / float64(perCol)
	every := 60
	for _, m := range []int{5, 10, 15, 20, 30} {
		if float64(m)*colsPerMinute >= 8 {
			every = m
			break
		}
	}
	line := []rune(strings.Repeat(" ", cols+1))
	free := 0 // the first column a label may start at
	for i := range queue.ActivityBuckets {
		t := start.Add(time.Duration(i) * queue.ActivityBucket).In(loc)
		col := int(float64(i) * colsPerMinute)
		if t.Minute()%every != 0 || col < free || col+5 > cols-4 {
			continue
		}
		copy(line[col:], []rune(t.Format("15:04")))
		free = col + 6
	}
	if cols-3 >= free {
		copy(line[cols-3:], []rune("now"))
	}
	return strings.TrimRight(string(line), " ")
}

func sum(xs []int64) (n int64) {
	for _, x := range xs {
		n += x
	}
	return n
}
