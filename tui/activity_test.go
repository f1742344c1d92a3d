package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
)

// reply runs a screen's Cmd (a server call) and hands its reply back, as
// the root would; it returns what the screen asked for next, unrun (a
// timer, typically).
func reply(t *testing.T, s Screen, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	if cmd == nil {
		t.Fatal("no call was made")
	}
	msg := cmd()
	if _, ok := msg.(ActivityLoadedMsg); !ok {
		t.Fatalf("not a reply: %T", msg)
	}
	_, next := s.Update(msg)
	return next
}

// shownActivity is the Activity screen at w×h, shown, its first read in
// (its timer is not run: the polling has a test of its own).
func shownActivity(t *testing.T, f *fakeQueue, w, h int) (Screen, *Common) {
	t.Helper()
	c := testCommon(f)
	c.Width, c.Height = w, h
	s := NewActivityScreen(c)
	s.SetSize(w, h)
	_, cmd := s.Update(VisibleMsg{Visible: true})
	reply(t, s, cmd)
	return s, c
}

// The screen reads the numbers when it is shown, then every activityEvery
// while it stays in front, one read at a time, and not at all once hidden.
func TestActivityPollsOnlyWhileShown(t *testing.T) {
	f := newFakeQueue()
	f.activity = activityHour()
	s := NewActivityScreen(testCommon(f))
	a := s.(*ActivityScreen)
	if cmd := s.Init(); cmd != nil {
		t.Fatal("Init reads before the screen is shown")
	}
	_, cmd := s.Update(VisibleMsg{Visible: true})
	if _, again := s.Update(VisibleMsg{Visible: true}); again != nil {
		t.Fatal("a second read while the first is in flight")
	}
	tick := reply(t, s, cmd)
	if n := countCalls(f, "activity"); n != 1 {
		t.Fatalf("%d reads on showing", n)
	}
	requireShows(t, s, "time to ack", "alice (you)")
	if tick == nil {
		t.Fatal("no next read planned while shown")
	}
	_, cmd = s.Update(activityTickMsg{gen: a.gen})
	reply(t, s, cmd)
	if n := countCalls(f, "activity"); n != 2 {
		t.Fatalf("%d reads after a tick", n)
	}
	reply(t, s, screenKey(a.c, s, bkey("ctrl+r")))
	if n := countCalls(f, "activity"); n != 3 {
		t.Fatalf("%d reads after ctrl+r", n)
	}

	// Hidden: the tick of the showing that ended reads nothing, and a
	// reply that comes in after plans no next read.
	shownGen := a.gen
	_, cmd = s.Update(activityTickMsg{gen: shownGen})
	s.Update(VisibleMsg{Visible: false})
	if cmd == nil {
		t.Fatal("the tick did not read")
	}
	if next := reply(t, s, cmd); next != nil {
		t.Fatal("a read planned while hidden")
	}
	if _, cmd := s.Update(activityTickMsg{gen: shownGen}); cmd != nil {
		t.Fatal("an old tick read while hidden")
	}
	if n := countCalls(f, "activity"); n != 4 {
		t.Fatalf("%d reads", n)
	}
}

func TestActivityErrorKeepsNumbers(t *testing.T) {
	f := newFakeQueue()
	f.activity = activityHour()
	s, c := shownActivity(t, f, 100, 24)
	requireShows(t, s, "p50 2m10s · p90 8m03s")
	f.setFail(&queue.Error{Op: "activity", Kind: queue.ErrUnreachable})
	_, cmd := s.Update(activityTickMsg{gen: s.(*ActivityScreen).gen})
	if next := reply(t, s, cmd); next == nil {
		t.Fatal("a failed read stopped the polling")
	}
	requireStatus(t, c, "reading the activity failed: server unreachable")
	requireShows(t, s, "p50 2m10s · p90 8m03s", "alice (you)")

	// Never read: it says so rather than "Loading…" forever.
	s2, _ := shownActivity(t, f, 100, 24)
	requireShows(t, s2, "No numbers yet")
	f.setFail(nil)
	cmd = screenKey(commonOf(s2), s2, bkey("ctrl+r"))
	requireShows(t, s2, "Loading…")
	reply(t, s2, cmd)
	requireShows(t, s2, "alice (you)")
}

func TestActivityDraws(t *testing.T) {
	f := newFakeQueue()
	act := activityHour()
	f.activity = act
	s, _ := shownActivity(t, f, 100, 24)
	v := plainView(s)
	lines := strings.Split(v, "\n")
	// One scale for the lines: the busiest minute is the top bar.
	requireShows(t, s, "a bar per minute, █ = 6 · times in UTC",
		"arrivals   136 │", "acks        85 │", "dead         3 │", "snoozes      2 │",
		"time to ack       p50 2m10s · p90 8m03s  over 41 acks",
		"oldest unclaimed  4m12s",
		"reviewer     acked  dead-lettered  median held",
		"alice (you)     23              1        1m35s",
		"carol            4              0            ?")
	var arrivals string
	for _, l := range lines {
		if strings.HasPrefix(l, "arrivals") {
			arrivals = l
		}
	}
	bars := arrivals[strings.Index(arrivals, "│")+len("│") : strings.LastIndex(arrivals, "│")]
	if n := ansi.StringWidth(bars); n != 60 {
		t.Fatalf("the arrivals line is %d columns at 100 wide, want 60 (a minute each): %q", n, arrivals)
	}
	if !strings.Contains(bars, "█") || !strings.HasPrefix(bars, " ") {
		t.Fatalf("arrivals drawn %q", bars)
	}
	// The time axis names the clock under the lines, and now at the end.
	axis := lines[6]
	if !strings.Contains(axis, "08:40") || !strings.Contains(axis, "09:20") || !strings.HasSuffix(axis, "now") {
		t.Fatalf("axis %q", axis)
	}
	if strings.Index(axis, "08:40") != strings.Index(arrivals, "│")+len("│")-2+9 {
		t.Fatalf("08:40 is not under its minute (the 10th):\n%s\n%s", arrivals, axis)
	}

	// A burst still being counted, nobody waiting, nobody at work.
	act.ArrivalsBehind, act.OldestUnclaimed, act.Reviewers = true, -1, nil
	act.TimeToAck = queue.Percentiles{}
	f.activity = act
	cmd := keyCmd(s, "ctrl+r")
	reply(t, s, cmd)
	requireShows(t, s, "arrivals are still being counted",
		"time to ack       no acks in the last hour",
		"oldest unclaimed  none: every message has been claimed",
		"Nobody acked or dead-lettered anything in the last hour.")
}

// The lines take the width: a minute a column at 80, three at 200, two
// minutes a column on the narrowest terminal.
func TestActivityFitsTheWidth(t *testing.T) {
	for _, c := range []struct {
		width, cols int
		scale       string
	}{{80, 60, "a bar per minute, █ = 6 ·"}, {200, 180, "a bar per minute, █ = 6 ·"}, {60, 30, "a bar per 2 minutes, █ = 12"}} {
		f := newFakeQueue()
		f.activity = activityHour()
		s, _ := shownActivity(t, f, c.width, 19)
		v := plainView(s)
		for _, l := range strings.Split(v, "\n") {
			if w := ansi.StringWidth(l); w > c.width {
				t.Fatalf("at %d: a line of %d: %q", c.width, w, l)
			}
			if strings.HasPrefix(l, "acks") {
				bars := l[strings.Index(l, "│")+len("│") : strings.LastIndex(l, "│")]
				if n := ansi.StringWidth(bars); n != c.cols {
					t.Fatalf("at %d: %d columns, want %d", c.width, n, c.cols)
				}
			}
		}
		requireShows(t, s, c.scale)
	}
}

func TestSparkLayout(t *testing.T) {
	for avail, want := range map[int][3]int{
		60: {60, 1, 1}, 63: {60, 1, 1}, 119: {60, 1, 1}, 120: {120, 1, 2}, 184: {180, 1, 3},
		59: {30, 2, 1}, 44: {30, 2, 1}, 25: {20, 3, 1}, 10: {10, 6, 1}, 0: {1, 60, 1},
	} {
		cols, perCol, perMinute := sparkLayout(avail)
		if [3]int{cols, perCol, perMinute} != want {
			t.Errorf("sparkLayout(%d) = %d, %d, %d, want %v", avail, cols, perCol, perMinute, want)
		}
	}
	if got := resample([]int64{1, 2, 3, 4}, 2, 1); len(got) != 2 || got[0] != 3 || got[1] != 7 {
		t.Errorf("two minutes a column: %v", got)
	}
	if got := resample([]int64{1, 2}, 1, 3); len(got) != 6 || got[2] != 1 || got[3] != 2 {
		t.Errorf("three columns a minute: %v", got)
	}
}

// More reviewers than lines: the busiest show, the rest are counted.
func TestActivityManyReviewers(t *testing.T) {
	f := newFakeQueue()
	act := activityHour()
	for i := range 20 {
		act.Reviewers = append(act.Reviewers, queue.ReviewerActivity{Name: "r" + string(rune('a'+i)), Acked: 1, MedianHeld: time.Second})
	}
	f.activity = act
	s, _ := shownActivity(t, f, 80, 19)
	requireShows(t, s, "alice (you)", "… and ")
	if n := strings.Count(plainView(s), "\n") + 1; n != 19 {
		t.Fatalf("%d lines, want 19", n)
	}
}

// A total of any size keeps its gap from the name and the bars.
func TestActivityLargeTotals(t *testing.T) {
	f := newFakeQueue()
	act := activityHour()
	act.Arrivals[59] = 300_000
	f.activity = act
	s, _ := shownActivity(t, f, 80, 19)
	requireShows(t, s, "arrivals 300,136 │", "acks          85 │")
	for _, l := range strings.Split(plainView(s), "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Fatalf("a line of %d: %q", w, l)
		}
	}
}

// At 60 columns the heading still names the zone of the time axis, and
// time to ack how many acks it is over: shorter, not cut.
func TestActivityHeadingFitsAt60(t *testing.T) {
	f := newFakeQueue()
	f.activity = activityHour()
	s, _ := shownActivity(t, f, 60, 16)
	requireShows(t, s, "Activity  a bar per 2 minutes, █ = ", "· times in UTC", "p50 2m10s · p90 8m03s  over 41 acks")
	for _, l := range strings.Split(plainView(s), "\n") {
		if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
			t.Fatalf("a line cut at 60 columns: %q", l)
		}
	}
	wide, _ := shownActivity(t, f, 100, 30)
	requireShows(t, wide, "Activity  the last hour, a bar per minute", "over 41 acks, from arrival")
}

// A reviewer who only dead-lettered held nothing to ack: "–", not "?".
func TestActivityHeldOfReviewerWithoutAcks(t *testing.T) {
	f := newFakeQueue()
	f.activity = queue.Activity{Arrivals: make([]int64, queue.ActivityBuckets), Acks: make([]int64, queue.ActivityBuckets),
		Dead: make([]int64, queue.ActivityBuckets), Start: fixedNow, OldestUnclaimed: -1,
		Reviewers: []queue.ReviewerActivity{{Name: "alice", Dead: 2, MedianHeld: -1}}}
	s, _ := shownActivity(t, f, 100, 30)
	requireShows(t, s, "alice (you)      0              2            –")
}
