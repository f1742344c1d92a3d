package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

// Each entry's state says who handled it and when; an opened entry says
// it in full.
func TestStreamShowsOutcomes(t *testing.T) {
	f := goldenQueue()
	f.skipped = map[string]bool{}
	f.entries = append(f.entries,
		contact("1795424408000-0", "Dee", "d@example.com", "auto"),
		contact("1795424409000-0", "Eli", "e@example.com", "redriven"))
	f.acked["1795424408000-0"], f.acked["1795424409000-0"] = true, true
	f.outcomes["1795424408000-0"] = &queue.Outcome{By: "carol", At: fixedNow.Add(-time.Hour), Held: -1, Reason: queue.ReasonMaxDeliveries}
	f.outcomes["1795424409000-0"] = &queue.Outcome{By: "bob", At: fixedNow.Add(-50 * time.Minute), Held: time.Second, Reason: "abuse",
		RedrivenAs: "1795426000000-0", RedrivenBy: "dave", RedrivenAt: fixedNow.Add(-10 * time.Minute)}
	s, _ := started(t, NewStreamScreen, f, 160, 24)
	requireShows(t, s,
		sid(0)+" 2026-11-23 09:00:00 UTC acked ",
		"acked · alice · 4m ago",
		"dead-lettered · spam · bob ",
		"released · bob · 12s ago",
		"pending · alice",
		"dead-lettered · max deliveries exceeded ", // reviewq's own: no reviewer named
		"dead-lettered · abuse · bob · redriven",
		"replay: Sender 7",
	)
	requireHides(t, s, "acked · bob", "max deliveries exceeded · carol")

	open := func(id string, want ...string) {
		t.Helper()
		ss := s.(*StreamScreen)
		for i, r := range ss.table.shown {
			if ss.table.rows[r].id == id {
				ss.table.sel = i
			}
		}
		skeys(t, s, "enter")
		requireShows(t, s, append([]string{"Entry " + id}, want...)...)
		skeys(t, s, "esc")
	}
	open(sid(2), "State     acked by alice", "When      2026-11-23 09:26:00 UTC · 4m00s ago",
		"Waited    25m58s from arrival", "Held      2m10s from claim")
	open(sid(1), "State     dead-lettered by bob", "Reason    spam", "Held      40s from claim")
	open(sid(0), "State     acked, by another program (no record of who)")
	open(sid(3), "State     released by bob: the next claim gets it", "Released  2026-11-23 09:29:48 UTC · 12s ago")
	open(sid(4), "State     pending: held by alice, delivery 1")
	open(sid(7), "State     new: not delivered to anyone yet", "Replay    of "+sid(2))
	open("1795424408000-0", "State     dead-lettered by reviewq, on carol's claim", "Reason    max deliveries exceeded")
	open("1795424409000-0", "Redriven  as 1795426000000-0 by dave, 2026-11-23 09:20:00 UTC · 10m00s ago")

	// The state filter finds who did what.
	skeys(t, s, "/")
	stype(t, s, "alice")
	requireShows(t, s, "2 of 10")
}

// "4m ago" does not stay 4m: the rows are written again as time passes,
// without a server call.
func TestStreamAgesMoveOn(t *testing.T) {
	f := goldenQueue()
	s, c := started(t, NewStreamScreen, f, 120, 24)
	now := fixedNow
	c.Now = func() time.Time { return now }
	requireShows(t, s, "acked · alice · 4m ago")
	calls := len(f.callList())
	now = now.Add(10 * time.Second)
	s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 8}})
	requireShows(t, s, "acked · alice · 4m ago") // too soon to bother
	now = now.Add(time.Minute)
	s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 8}})
	requireShows(t, s, "acked · alice · 5m ago", "released · bob · 1m ago")
	if got := f.callList()[calls:]; len(got) != 0 {
		t.Fatalf("writing the ages called the server: %v", got)
	}
}

// r replays the selected acked entry after y, and only y.
func TestStreamReplaySelected(t *testing.T) {
	f := goldenQueue()
	s, c := started(t, NewStreamScreen, f, 120, 24)
	skeys(t, s, "j") // sid(6): new
	if help := hints(s); strings.Contains(help, "r replay") || !strings.Contains(help, "space mark a range") {
		t.Fatalf("help on a new entry: %s", help)
	}
	skeys(t, s, "r")
	requireStatus(t, c, "only acked messages are replayed: Sender 6's message is new")
	skeys(t, s, "j", "j", "j", "j") // sid(2): acked by alice
	if help := hints(s); !strings.Contains(help, "r replay") {
		t.Fatalf("r not listed on an acked entry: %s", help)
	}
	skeys(t, s, "r")
	requireShows(t, s, "replay Sender 2's message (acked) as a new message? y/n")
	skeys(t, s, "enter")
	requireShows(t, s, "replay Sender 2's message (acked) as a new message? y/n")
	skeys(t, s, "n")
	requireStatus(t, c, "cancelled")
	if n := countCalls(f, "replay "); n != 0 {
		t.Fatalf("%d replays without a y", n)
	}
	out := skeys(t, s, "r", "y")
	requireStatus(t, c, "replayed Sender 2's message as 1795426400000-1: it waits for the next claim")
	if countCalls(f, "planreplay "+sid(2)+" "+sid(2)) != 2 || countCalls(f, "replay "+sid(2)+" "+sid(2)) != 1 {
		t.Fatalf("calls %v", f.callList())
	}
	copied := f.entries[len(f.entries)-1]
	if copied.ReplayOf() != sid(2) || copied.Message() != "Message 2 about the order" {
		t.Fatalf("copied %+v", copied)
	}
	if len(out) == 0 {
		t.Fatal("the header's numbers were not asked for after the replay")
	}
}

// space marks where a range starts, the selection is where it ends; r
// replays the acked entries in it, after saying how many.
func TestStreamReplayRange(t *testing.T) {
	f := goldenQueue()
	s, c := started(t, NewStreamScreen, f, 120, 24)
	skeys(t, s, "G") // the oldest page: sid(0) selected
	skeys(t, s, "space")
	skeys(t, s, "up", "up", "up", "up", "up") // sid(5)
	requireShows(t, s, "range "+sid(0)+" … "+sid(5)+": r replays the acked ones, esc clears",
		"┃ "+sid(0), "┃ "+sid(4), "> "+sid(5))
	requireHides(t, s, "┃ "+sid(6))
	if help := hints(s); !strings.Contains(help, "r replay the range") || !strings.Contains(help, "esc clear the range") {
		t.Fatalf("help with a range: %s", help)
	}
	skeys(t, s, "r")
	// sid(0) acked by another program and sid(2) by alice; sid(1) is a
	// dead letter, the rest not acked.
	requireShows(t, s, "replay 2 acked messages ("+sid(0)+" … "+sid(5)+") as new ones? y/n")
	skeys(t, s, "y")
	requireStatus(t, c, "replayed 2 messages as 1795426400000-1 … 1795426400000-2")
	requireHides(t, s, "┃ ")
	if n := countCalls(f, "replay "+sid(0)+" "+sid(5)); n != 1 {
		t.Fatalf("calls %v", f.callList())
	}

	// esc clears a mark; a range with nothing acked says so, asks nothing.
	skeys(t, s, "space", "esc")
	requireHides(t, s, "range ")
	skeys(t, s, "g", "space", "j")
	skeys(t, s, "r")
	requireStatus(t, c, "nothing to replay: no acked messages in")
	if s.(*StreamScreen).ask != nil {
		t.Fatal("asked to replay nothing")
	}
}

func TestStreamReplayReadOnly(t *testing.T) {
	f := goldenQueue()
	c := testCommon(f)
	c.ReadOnly = true
	s := NewStreamScreen(c)
	sdrive(t, s, s.Init())
	skeys(t, s, "j", "j", "j", "j", "j", "space", "r")
	requireStatus(t, c, "read-only session: replay is off")
	if help := hints(s); strings.Contains(help, "replay") || strings.Contains(help, "mark") {
		t.Fatalf("read-only help: %s", help)
	}
	requireHides(t, s, "range ")
	if n := countCalls(f, "planreplay"); n != 0 {
		t.Fatalf("calls %v", f.callList())
	}
}

// runningJob starts the job cmd stands for (runJob's batch: the work and
// the listener) with the work in the background, and hands the first
// report back to the screen; done is the work's result once it ends.
func runningJob(t *testing.T, s Screen, cmd tea.Cmd) (done <-chan tea.Msg) {
	t.Helper()
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("not a job: %T", batch)
	}
	out := make(chan tea.Msg, 1)
	go func() { out <- batch[0]() }()
	report, ok := batch[1]().(JobProgressMsg)
	if !ok {
		t.Fatalf("not a progress report: %T", report)
	}
	s.Update(report)
	return out
}

// enter in the filter searches the whole stream, with its progress on the
// bottom line; esc stops it and shows what it found so far.
func TestStreamSearchProgressAndStop(t *testing.T) {
	f := streamQueue(30)
	f.gate = make(chan struct{}) // held after the first chunk
	s, c := started(t, NewStreamScreen, f, 100, 24)
	skeys(t, s, "/")
	stype(t, s, "Sender")
	cmd := keyCmd(s, "enter")
	done := runningJob(t, s, cmd)
	requireShows(t, s, `searching "Sender"`, "█", "░", "7%  2 found · esc stops")
	if help := hints(s); !strings.HasPrefix(help, "esc stop search") {
		t.Fatalf("help while searching: %s", help)
	}
	// One job at a time.
	skeys(t, s, "/")
	stype(t, s, "again")
	again := keyCmd(s, "enter")
	if again != nil {
		t.Fatal("a second search started beside the first")
	}
	requireStatus(t, c, "a search is under way")
	skeys(t, s, "esc")

	keyCmd(s, "esc") // stop it
	s.Update(<-done)
	requireShows(t, s, `Search  "Sender": 2 found in the newest 2 messages, so far`, "stopped before the end · pgdn goes on", sid(29), sid(28))
	requireStatus(t, c, `search for "Sender" stopped: 2 found so far`)
	close(f.gate)
	skeys(t, s, "pgdown")
	requireShows(t, s, `"Sender", further back: 21 found in 21 more messages, so far`, sid(27), sid(7))
	skeys(t, s, "esc")
	requireShows(t, s, "Stream  "+sid(29)+" … ")
	requireHides(t, s, "Search")
}

// The results are a page: open one, page on, back to the stream where it
// was.
func TestStreamSearchResults(t *testing.T) {
	f := streamQueue(30)
	f.entries[2] = contact(sid(2), "Zoë", "zoe@example.com", "A FOOBAR question")
	s, c := started(t, NewStreamScreen, f, 100, 12) // 9 rows a page
	skeys(t, s, "pgdown")
	skeys(t, s, "/")
	stype(t, s, "foo")
	requireShows(t, s, "0 of 9 · enter searches the stream")
	skeys(t, s, "enter")
	requireShows(t, s, `Search  "foo": 1 found in all 30 messages`, "> "+sid(2), "Zoë: A FOOBAR question",
		"searched to the stream's oldest message · esc back to the stream")
	if help := hints(s); !strings.Contains(help, "esc back to the stream") || strings.Contains(help, "pgdn") {
		t.Fatalf("help on the results: %s", help)
	}
	skeys(t, s, "enter")
	requireShows(t, s, "Entry "+sid(2), "State     acked, by another program")
	skeys(t, s, "esc")
	requireShows(t, s, "> "+sid(2))
	skeys(t, s, "pgdown")
	requireStatus(t, c, "no more matches")
	// A stats change does not wipe the results.
	_, cmd := s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 30}})
	sdrive(t, s, cmd)
	_, cmd = s.Update(StatsLoadedMsg{Stats: queue.Stats{Length: 31}})
	sdrive(t, s, cmd)
	requireShows(t, s, "Zoë: A FOOBAR question")
	skeys(t, s, "esc")
	requireShows(t, s, "Stream  "+sid(20)+" … "+sid(12)) // the page it was on

	// Nothing found.
	skeys(t, s, "/")
	stype(t, s, "no such words")
	skeys(t, s, "enter")
	requireShows(t, s, "Nothing found.", `"no such words": 0 found in all 30 messages`)

	// Many found: a page of them, pgdn for the next, pgup back to the first.
	skeys(t, s, "esc", "/")
	stype(t, s, "sender")
	skeys(t, s, "enter")
	requireShows(t, s, `"sender": 9 found`, "> "+sid(29), sid(21), "pgdn searches on for more")
	skeys(t, s, "pgdown")
	requireShows(t, s, `"sender", further back: 9 found`, "> "+sid(20), sid(12))
	skeys(t, s, "pgup")
	requireShows(t, s, `"sender": 9 found`, "> "+sid(29))
}

func TestStreamSearchError(t *testing.T) {
	f := streamQueue(8)
	s, c := started(t, NewStreamScreen, f, 100, 24)
	skeys(t, s, "/")
	stype(t, s, "x")
	f.setFail(&queue.Error{Op: "search", Kind: queue.ErrUnreachable})
	skeys(t, s, "enter")
	requireStatus(t, c, `searching the stream for "x" failed: server unreachable`)
	requireShows(t, s, "Stream  "+sid(7))
	if s.(*StreamScreen).job != nil {
		t.Fatal("the failed search is still under way")
	}
}

// esc while a replay copies stops it between chunks and says how far it
// got.
func TestStreamReplayStop(t *testing.T) {
	f := streamQueue(8)
	for i := range 8 {
		delete(f.pending, sid(i))
		f.acked[sid(i)] = true
	}
	f.gate = make(chan struct{})
	s, c := started(t, NewStreamScreen, f, 120, 24)
	skeys(t, s, "space", "G")
	skeys(t, s, "r")
	requireShows(t, s, "replay 8 acked messages ("+sid(0)+" … "+sid(7)+") as new ones? y/n")
	cmd := keyCmd(s, "y")
	done := runningJob(t, s, cmd)
	requireShows(t, s, "replaying", "25%  2 of 8 copied · esc stops")
	keyCmd(s, "esc")
	s.Update((<-done))
	requireStatus(t, c, "replay stopped: 2 messages copied (up to 1795426400000-2), the rest not")
	if n := len(f.entries); n != 10 {
		t.Fatalf("%d entries after a stopped replay", n)
	}
}

// The ages move on by themselves while the list is on screen, with no
// header numbers coming in (the SSH desk sends those only on a change),
// and the timer stops while the list is hidden.
func TestStreamAgesMoveOnWithoutStats(t *testing.T) {
	f := goldenQueue()
	s, c := started(t, NewStreamScreen, f, 120, 24)
	now := fixedNow
	c.Now = func() time.Time { return now }
	requireShows(t, s, "acked · alice · 4m ago")
	now = now.Add(time.Minute)
	_, cmd := s.Update(streamAgesMsg{})
	requireShows(t, s, "acked · alice · 5m ago")
	if cmd == nil {
		t.Fatal("no next rewrite planned while on screen")
	}
	s.Update(VisibleMsg{Visible: false})
	if _, cmd := s.Update(streamAgesMsg{}); cmd != nil {
		t.Fatal("a hidden list keeps rewriting its ages")
	}
}
