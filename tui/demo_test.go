package tui

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/embedded"
	"github.com/reviewq/reviewq/queue"
)

// TestDemoTape replays demo.tape's keys against the console on the
// embedded server, as `reviewq --embedded` runs it, and checks each
// "# expect:" line, so the recorded demo cannot drift from the product.
func TestDemoTape(t *testing.T) {
	steps := readTape(t, "../demo.tape")
	if len(steps) < 10 {
		t.Fatalf("demo.tape has %d steps inside the console; the replay would prove nothing", len(steps))
	}

	srv, err := embedded.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	vk, err := queue.Dial(ctx, srv.Options()) // standalone, as the console dials it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	q, err := queue.New(vk, queue.Config{Consumer: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(ctx, q); err != nil {
		t.Fatal(err)
	}
	d := realDeps(q)
	d.Server, d.Embedded = srv.Addr(), true
	tm, o := startProgram(t, d, 130, 38)

	for _, s := range steps {
		switch {
		case s.expect != "":
			t.Logf("expect: %s", s.expect)
			waitShown(t, tm, o, 5*time.Second, s.expect)
		case s.text != "":
			for _, r := range s.text {
				tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		default:
			tm.Send(s.key)
		}
	}
}

type tapeStep struct {
	text   string          // Type "…"
	key    tea.KeyPressMsg // Enter, Tab, …
	expect string          // # expect: …
}

// readTape reads the steps after the "# console" line, skipping the command
// that starts reviewq (the first Type and its Enter).
func readTape(t *testing.T, path string) []tapeStep {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]tea.KeyPressMsg{
		"Enter": {Code: tea.KeyEnter}, "Tab": {Code: tea.KeyTab},
		"Shift+Tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "Escape": {Code: tea.KeyEscape},
		"Ctrl+S": {Code: 's', Mod: tea.ModCtrl}, "Up": {Code: tea.KeyUp}, "Down": {Code: tea.KeyDown},
		"Left": {Code: tea.KeyLeft}, "Right": {Code: tea.KeyRight},
		"PageUp": {Code: tea.KeyPgUp}, "PageDown": {Code: tea.KeyPgDown},
	}
	var steps []tapeStep
	inConsole, launched := false, 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "# console"):
			inConsole = true
			continue
		case !inConsole || line == "":
			continue
		case launched < 2: // Type "reviewq …" and Enter start the console
			launched++
			continue
		}
		switch {
		case strings.HasPrefix(line, "# expect:"):
			steps = append(steps, tapeStep{expect: strings.TrimSpace(strings.TrimPrefix(line, "# expect:"))})
		case strings.HasPrefix(line, "#"), strings.HasPrefix(line, "Sleep"):
		case strings.HasPrefix(line, "Type "):
			text, err := strconv.Unquote(strings.TrimSpace(strings.TrimPrefix(line, "Type ")))
			if err != nil {
				t.Fatalf("demo.tape:%d: %v", n, err)
			}
			steps = append(steps, tapeStep{text: text})
		default:
			k, ok := keys[line]
			if !ok {
				t.Fatalf("demo.tape:%d: %q is not a key the replay knows; teach readTape or use another", n, line)
			}
			steps = append(steps, tapeStep{key: k})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}
