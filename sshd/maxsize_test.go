package sshd

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{"200x60": {200, 60}, "200X60": {200, 60}, "200×60": {200, 60}, " 120x40 ": {120, 40}} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "200", "200x", "x60", "200x60x2", "wide", "200 x 60", "2e2x60"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %v, want an error", in, got)
		}
	}
}

func TestAMaxSizeOutOfBoundsIsRefused(t *testing.T) {
	c := queueClient(t, "reviewq")
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, s := range []Size{{59, 16}, {60, 15}, {-1, 40}, {401, 40}, {120, 201}, {1 << 30, 1 << 30}} {
		_, err := New(Config{Client: c, AllowAnonymous: true, HostKey: dir + "/host", MaxSize: s, Logger: quiet})
		if err == nil || !strings.Contains(err.Error(), "maximum size "+s.String()) {
			t.Errorf("MaxSize %v: %v", s, err)
		}
	}
	for _, s := range []Size{{LeastMaxWidth, LeastMaxHeight}, {MostMaxWidth, MostMaxHeight}, {200, 60}} {
		if _, err := New(Config{Client: c, AllowAnonymous: true, HostKey: dir + "/host", MaxSize: s, Logger: quiet}); err != nil {
			t.Errorf("MaxSize %v: %v", s, err)
		}
	}
}

func TestTheMemoryBudgetFollowsTheMaxSize(t *testing.T) {
	if got := SessionMemoryAt(DefaultMaxSize); got != 2<<20 {
		t.Fatalf("the budget at %s is %d, want 2 MiB (SessionMemory)", DefaultMaxSize, got)
	}
	small, big := SessionMemoryAt(Size{LeastMaxWidth, LeastMaxHeight}), SessionMemoryAt(Size{200, 60})
	if small >= SessionMemory || big-SessionMemory != (200*60-120*40)*CellMemory {
		t.Fatalf("budgets: %d at the least, %d at 200x60", small, big)
	}
}

// The clamp follows the desk's maximum: a session renders at what it asks
// for up to it, and at it beyond, from the PTY, window-changes and size
// reports typed as input; a hostile 5000×5000 gets no more than the
// maximum, and the heap it costs stays within its budget there.
func TestTheClampFollowsTheMaxSize(t *testing.T) {
	most := Size{200, 60}
	d, rec, mallory, bob := hostileDesk(t, Config{MaxSize: most})
	at := func(user string, w, h int) func() bool {
		return func() bool { s, _ := rec.lastSize(user); return s == tea.WindowSizeMsg{Width: w, Height: h} }
	}

	roomy := openSized(t, d.addr, "bob", 180, 50, keyAuth(bob))
	roomy.waitFor("q quit")
	eventually(t, "bob's console at 180×50, within the maximum", at("bob", 180, 50))

	before := heapAlloc()
	tm := openSized(t, d.addr, "mallory", 5000, 5000, keyAuth(mallory))
	tm.waitFor("q quit")
	eventually(t, "mallory's console at the maximum", at("mallory", most.Width, most.Height))
	for _, size := range [][2]int{{100000, 100000}, {150, 45}, {1000, 1000}} {
		if err := tm.sess.WindowChange(size[1], size[0]); err != nil {
			t.Fatal(err)
		}
		w, h := clampSize(size[0], size[1], most)
		eventually(t, "the console at "+Size{w, h}.String(), at("mallory", w, h))
	}
	_, resizes := rec.lastSize("mallory")
	tm.press("\x1b[8;1000;1000t") // a size report typed as input
	eventually(t, "the size report to reach the console, at the maximum", func() bool {
		s, n := rec.lastSize("mallory")
		return n > resizes && s == tea.WindowSizeMsg{Width: most.Width, Height: most.Height}
	})
	rec.everySizeWithin(t, "mallory", most)
	assertBounded(t, "a 5000×5000 session on a 200x60 desk", before, 2*SessionMemoryAt(most))
	roomy.close()
	othersStillWork(t, d, bob)
}

// At the least maximum the console still draws itself, not its "too
// small" line: LeastMaxWidth×LeastMaxHeight is the console's minimum.
func TestTheLeastMaxSizeStillDrawsTheConsole(t *testing.T) {
	alice := newKey(t)
	d := startDesk(t, Config{MaxSize: Size{LeastMaxWidth, LeastMaxHeight}}, as(alice, "alice"))
	d.add(t, "smallest")
	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("Review")
	tm.press("c")
	tm.waitFor("smallest")
	if strings.Contains(tm.screen(), "too small") {
		t.Fatalf("at %dx%d the console says it is too small:\n%s", LeastMaxWidth, LeastMaxHeight, tm.screen())
	}
}
