package tui

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/reviewq/reviewq/queue"
)

// Bubble Tea's renderer compares each new frame with the last one before
// it draws it (after every message that produced a view, at most 60 times
// a second); a frame that did not change must be the very same string, so
// that comparison ends at the pointer.
func TestAnUnchangedFrameIsTheSameString(t *testing.T) {
	q := newFakeQueue(contact("1-0", "Ann", "ann@example.org", "hello"))
	a := newTestApp(t, testDeps(q))
	first := a.View().Content
	st := queue.Stats{Length: 1, Group: queue.GroupInfo{Lag: 1}}
	for range 3 {
		a.Update(StatsLoadedMsg{Stats: st}) // the same numbers again
		again := a.View().Content
		if again != first {
			t.Fatalf("the frame changed:\n%s\n---\n%s", first, again)
		}
		if unsafe.StringData(again) != unsafe.StringData(first) {
			t.Fatal("an unchanged frame is a new string: the renderer compares it byte by byte")
		}
	}
}

// The countdown of a held message changes one line a second: the frame
// differs from the last in that line only, so the renderer writes that
// line only.
func TestTheCountdownChangesOneLine(t *testing.T) {
	var now atomic.Int64
	now.Store(fixedNow.UnixNano())
	d := testDeps(newFakeQueue(contact("1-0", "Ann", "ann@example.org", strings.Repeat("a long message line\n", 40))))
	d.Now = func() time.Time { return time.Unix(0, now.Load()).UTC() }
	a := newTestApp(t, d)
	press(t, a, "c")
	requireContains(t, a, "reclaimable in 1:00")
	rs := review(a)
	before := strings.Split(a.View().Content, "\n")

	now.Add(int64(time.Second))
	a.Update(ScreenMsg{ID: reviewID, Msg: countdownTickMsg{Gen: rs.gen}})
	after := strings.Split(a.View().Content, "\n")
	requireContains(t, a, "reclaimable in 0:59")
	if len(after) != len(before) {
		t.Fatalf("%d lines, then %d", len(before), len(after))
	}
	var changed []string
	for i := range after {
		if after[i] != before[i] {
			changed = append(changed, after[i])
		}
	}
	if len(changed) != 1 || !strings.Contains(changed[0], "reclaimable in 0:59") {
		t.Fatalf("a countdown tick changed %d lines: %q", len(changed), changed)
	}
}
