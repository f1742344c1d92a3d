package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// range prints the command for the next page while there may be more,
// newest first and --forward, and --json carries the cursor as "next".
func TestRangeNextPageCursor(t *testing.T) {
	var ids []string
	for i := range 5 {
		r := run(t, "", "add", "--json", "--name", fmt.Sprint("S", i), "--email", "s@example.org", "--message", "m")
		ids = append(ids, decode(t, r.stdout)["streamMessageId"].(string))
	}
	var seen []string
	args := []string{"range", "--count", "2"}
	for page := 0; page < 5; page++ {
		r := run(t, "", args...)
		if r.code != 0 {
			t.Fatalf("range %v: %+v", args, r)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			if id, _, _ := strings.Cut(l, " "); slices.Contains(ids, id) {
				seen = append(seen, id)
			}
		}
		more := ""
		for _, l := range strings.Split(r.stdout, "\n") {
			if m, ok := strings.CutPrefix(l, "more: reviewq "); ok {
				more = m
			}
		}
		if more == "" {
			break
		}
		if !strings.HasSuffix(more, "--count 2") {
			t.Fatalf("the next page's command drops the page size: %q", more)
		}
		args = strings.Fields(more)
	}
	if strings.Join(seen, " ") != strings.Join([]string{ids[4], ids[3], ids[2], ids[1], ids[0]}, " ") {
		t.Fatalf("paging newest first saw %v, want every entry once, newest first (%v)", seen, ids)
	}

	r := run(t, "", "range", "--json", "--forward", "--count", "3")
	next, _ := decode(t, r.stdout)["next"].(string)
	r = run(t, "", "range", "--json", "--forward", "--count", "3", "--from", next)
	entries := decode(t, r.stdout)["entries"].([]any)
	if len(entries) != 2 || entries[0].(map[string]any)["streamMessageId"] != ids[3] {
		t.Fatalf("the forward page after %s: %s", next, r.stdout)
	}
	if decode(t, r.stdout)["next"] != "" {
		t.Fatalf("a short page still offers a next one: %s", r.stdout)
	}
	if r := run(t, "", "range", "--at", "2026-11-23", "--from", ids[0]); r.code != 1 {
		t.Fatalf("--at with --from: %+v", r)
	}
}

// Human output writes times in the local zone, the console's one way; a
// time typed for --at without a zone is local too.
func TestRangeTimesAreLocal(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	old := loc
	loc = paris
	t.Cleanup(func() { loc = old })

	r := run(t, "", "add", "--json", "--name", "Ann", "--email", "ann@example.org", "--message", "bonjour")
	id := decode(t, r.stdout)["streamMessageId"].(string)
	r = run(t, "", "range")
	zone, _ := time.Now().In(paris).Zone()
	if !strings.Contains(r.stdout, id) || !strings.Contains(r.stdout, " "+zone+" ") {
		t.Fatalf("range does not write Paris time:\n%s", r.stdout)
	}
	// Half an hour ago on a Paris clock: the entry came after it. Read as
	// UTC it would be an hour or two later, after the entry.
	before := time.Now().Add(-30 * time.Minute).In(paris).Format("2006-01-02 15:04:05")
	if r := run(t, "", "range", "--at", before); r.code != 0 || strings.Contains(r.stdout, id) {
		t.Fatalf("range --at %q (Paris) shows the entry added after it: %+v", before, r)
	}
	if r := run(t, "", "range", "--at", before, "--forward"); r.code != 0 || !strings.Contains(r.stdout, id) {
		t.Fatalf("range --at %q --forward misses the entry: %+v", before, r)
	}
}

// A console closed by SIGTERM (its context cancelled) ends as a normal
// exit: Bubble Tea reports it wrapped, so it must be recognised with
// errors.Is.
func TestConsoleEndsQuietlyWhenKilled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := tea.NewProgram(idleModel{}, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard))
	_, err := p.Run()
	if err == nil || err == tea.ErrProgramKilled {
		t.Fatalf("the killed program's error is %v, not a wrapped ErrProgramKilled; the test proves nothing", err)
	}
	if got := consoleExit(err); got != nil {
		t.Fatalf("consoleExit(%v) = %v, want nil", err, got)
	}
	if got := consoleExit(tea.ErrInterrupted); got != nil {
		t.Fatalf("an interrupt is an error: %v", got)
	}
	boom := fmt.Errorf("bubbletea: error opening TTY: %w", io.ErrUnexpectedEOF)
	if got := consoleExit(boom); got != boom {
		t.Fatalf("a real failure was swallowed: %v", got)
	}
}

type idleModel struct{}

func (idleModel) Init() tea.Cmd                         { return nil }
func (m idleModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (idleModel) View() tea.View                        { return tea.NewView("") }

// A reviewer who only dead-lettered has no time held to speak of: "–",
// where "?" is kept for acks made before the claim time was recorded.
func TestActivityHeldOfReviewerWithoutAcks(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out}
	a.printActivity(queue.Activity{OldestUnclaimed: -1, Reviewers: []queue.ReviewerActivity{
		{Name: "alice", Dead: 2, MedianHeld: -1},
		{Name: "bob", Acked: 3, MedianHeld: -1},
	}})
	lines := strings.Split(out.String(), "\n")
	for _, want := range []string{"alice     0      2         –", "bob       3      0         ?"} {
		if !slices.Contains(lines, want) {
			t.Fatalf("no line %q in\n%s", want, out.String())
		}
	}
}
