package tui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// Golden files of every screen at 80×24, the size a reviewer meets over
// SSH, colourless (refresh with go test ./tui -update and read the diff).

const goldenW, goldenH = 80, 24

// goldenQueue has something for every screen: eight entries in the stream
// (three acked, bob's and alice's pending, three new), the two dead
// letters of deadQueue.
func goldenQueue() *fakeQueue {
	f := streamQueue(8)
	f.dead = deadQueue().dead
	return f
}

func TestGoldenReviewEmpty(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "Nothing claimed")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "No messages waiting")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReclaimed(t *testing.T) {
	t.Parallel()
	r := reclaimedFromBob()
	q := newFakeQueue(r.Message.Entry)
	q.nextClaim = r
	tm, o := startProgram(t, testDeps(q), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "RECLAIMED", "pending 1", "2 messages had been deleted")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReason(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(annQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "reclaimable in")
	sendKeys(tm, "x")
	waitShown(t, tm, o, 3*time.Second, "dead-letter reason:")
	requireGoldenView(t, tm)
}

func TestGoldenReviewReadOnly(t *testing.T) {
	t.Parallel()
	d := testDeps(annQueue())
	d.ReadOnly = true
	tm, o := startProgram(t, d, goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "READ-ONLY")
	requireGoldenView(t, tm)
}

func TestGoldenComposeValidation(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "n")
	waitShown(t, tm, o, 3*time.Second, "New contact message")
	tm.Type("Ann")
	sendKeys(tm, "tab")
	tm.Type("ann@example")
	sendKeys(tm, "tab", "ctrl+s")
	waitShown(t, tm, o, 3*time.Second, "not added", "✗ not a valid address", "✗ required")
	requireGoldenView(t, tm)
}

func TestGoldenPending(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(pendingQueue(4)), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "3")
	waitShown(t, tm, o, 3*time.Second, "carol", "3 pending")
	sendKeys(tm, "j")
	waitShown(t, tm, o, 3*time.Second, "> 1795424400000-1")
	requireGoldenView(t, tm)
}

func TestGoldenStream(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "4")
	waitShown(t, tm, o, 3*time.Second, "pending · alice")
	sendKeys(tm, "j")
	waitShown(t, tm, o, 3*time.Second, "> "+sid(6))
	requireGoldenView(t, tm)
}

// An entry full of escape sequences, a bidi override and wide characters
// opens neutralised, and marked.
func TestGoldenStreamOpenHostile(t *testing.T) {
	t.Parallel()
	f := streamQueue(3)
	f.entries = append(f.entries, contact("1795424460000-0", "Mallory\x1b[2J\x1b]0;pwned\x07 \u202eyrollaM", "m@evil.example\u202e", hostileMessage))
	tm, o := startProgram(t, testDeps(f), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "4")
	waitShown(t, tm, o, 3*time.Second, "> 1795424460000-0")
	sendKeys(tm, "enter")
	waitShown(t, tm, o, 3*time.Second, "Entry 1795424460000-0")
	requireGoldenView(t, tm)
}

func TestGoldenDeadLetters(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "5")
	waitShown(t, tm, o, 3*time.Second, "> 1795424560000-0")
	sendKeys(tm, "d")
	waitShown(t, tm, o, 3*time.Second, "for good? y/n")
	requireGoldenView(t, tm)
}

func TestGoldenDeadLetterOpen(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(goldenQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "5")
	waitShown(t, tm, o, 3*time.Second, "> 1795424560000-0")
	sendKeys(tm, "j", "enter")
	waitShown(t, tm, o, 3*time.Second, "Dead letter 1795424500000-0")
	requireGoldenView(t, tm)
}

func TestGoldenFullHelp(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(annQueue()), goldenW, goldenH)
	waitShown(t, tm, o, 3*time.Second, "● connected", "1 new message waiting")
	sendKeys(tm, "c")
	waitShown(t, tm, o, 3*time.Second, "reclaimable in")
	sendKeys(tm, "?")
	waitShown(t, tm, o, 3*time.Second, "shift+tab prev screen")
	requireGoldenView(t, tm)
}

func TestGoldenTooSmall(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), 50, 12)
	waitShown(t, tm, o, 3*time.Second, "window 50×12 is too small: reviewq needs 60×16")
	requireGoldenView(t, tm)
}

// The dark and light themes' own colours, as the escape sequences they
// render to. Colour-stripped goldens cannot tell the themes apart; this
// can.
var (
	darkOnly  = []string{"E6EDF3", "8B949E", "BC8CFF", "3FB950", "F85149", "D29922", "58A6FF", "21262D", "0D1117"}
	lightOnly = []string{"1F2328", "6E7781", "6F42C1", "EAEEF2"}
)

func sgr(hex string) string {
	var r, g, b int
	fmt.Sscanf(hex, "%02X%02X%02X", &r, &g, &b)
	return fmt.Sprintf("2;%d;%d;%d", r, g, b)
}

// After the terminal says its background is light, every screen draws in
// the light theme, in every state: lists and opened entries too, which
// once kept the theme they were built with.
func TestLightThemeOnEveryScreen(t *testing.T) {
	t.Parallel()
	light := tea.BackgroundColorMsg{Color: color.White}
	if light.IsDark() {
		t.Fatal("white reads as dark")
	}
	f := goldenQueue()
	f.entries = append(f.entries, contact("1795424460000-0", "Mallory", "m@evil.example", "hi\x1b[31m there"))
	f.pending["1795424460000-0"] = queue.PendingEntry{ID: "1795424460000-0", Consumer: "bob", Idle: time.Minute, Deliveries: 1}
	a := New(testDeps(f))
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	run(t, a, a.Init())
	// Visit every list first, in the dark, so each has built its rows.
	for i := range a.screens {
		press(t, a, fmt.Sprint(i+1))
	}
	press(t, a, "1", "c") // hold a message: the Review screen renders it
	a.Update(light)

	check := func(what string) {
		t.Helper()
		v := a.View().Content
		for _, hex := range darkOnly {
			if strings.Contains(v, sgr(hex)) {
				t.Fatalf("%s: the dark theme's #%s is still on screen", what, hex)
			}
		}
		found := false
		for _, hex := range lightOnly {
			found = found || strings.Contains(v, sgr(hex))
		}
		if !found {
			t.Fatalf("%s: none of the light theme's colours on screen", what)
		}
	}
	check("Review holding a message")
	for i, s := range a.screens {
		press(t, a, fmt.Sprint(i+1))
		check(s.Title())
		if _, browsing := s.(interface{ capturing() bool }); browsing {
			press(t, a, "enter")
			check(s.Title() + ", an entry open")
			press(t, a, "esc")
		}
	}
	// And back to dark: nothing keeps the light theme either.
	a.Update(tea.BackgroundColorMsg{Color: color.Black})
	press(t, a, "4", "enter")
	v := a.View().Content
	for _, hex := range lightOnly {
		if strings.Contains(v, sgr(hex)) {
			t.Fatalf("back in the dark, the light theme's #%s is still on screen", hex)
		}
	}
}
