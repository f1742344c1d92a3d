package cli

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func addN(t *testing.T, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if r := run(t, "", "add", "--name", fmt.Sprint("Ada ", i), "--email", "ada@example.org", "--message", fmt.Sprint("message ", i)); r.code != 0 {
			t.Fatalf("add: %+v", r)
		}
	}
}

// claimAs claims as a consumer and returns the message's ID.
func claimAs(t *testing.T, consumer string) string {
	t.Helper()
	r := run(t, "", "claim", "--json", "--consumer", consumer)
	msg, _ := decode(t, r.stdout)["message"].(map[string]any)
	if r.code != 0 || msg == nil {
		t.Fatalf("claim as %s: %+v", consumer, r)
	}
	return msg["streamMessageId"].(string)
}

// --consumer is who acked, rejected or released: range says so.
func TestRangeSaysWhoHandledWhat(t *testing.T) {
	addN(t, 4)
	acked := claimAs(t, "alice")
	if r := run(t, "", "ack", acked, "--consumer", "alice"); r.code != 0 {
		t.Fatal(r)
	}
	rejected := claimAs(t, "bob")
	if r := run(t, "", "reject", rejected, "--reason", "spam", "--consumer", "bob"); r.code != 0 {
		t.Fatal(r)
	}
	// The web example's DELETE: a plain XACK, nobody recorded.
	web := claimAs(t, "web")
	if _, err := srv.Command("XACK", stream(t), "contact-processors", web); err != nil {
		t.Fatal(err)
	}
	released := claimAs(t, "zed")
	if r := run(t, "", "release", released, "--consumer", "zed"); r.code != 0 {
		t.Fatal(r)
	}
	r := run(t, "", "range", "--json")
	rows := map[string]map[string]any{}
	for _, e := range decode(t, r.stdout)["entries"].([]any) {
		row := e.(map[string]any)
		rows[row["streamMessageId"].(string)] = row
	}
	a := rows[acked]
	if a["state"] != "acked" || a["by"] != "alice" || a["heldMs"] == nil {
		t.Fatalf("acked row %v", a)
	}
	if at, err := time.Parse(time.RFC3339, a["at"].(string)); err != nil || time.Since(at) > time.Minute {
		t.Fatalf("acked at %v: %v", a["at"], err)
	}
	if d := rows[rejected]; d["state"] != "dead-lettered" || d["by"] != "bob" || d["reason"] != "spam" || d["at"] == nil {
		t.Fatalf("dead-lettered row %v", d)
	}
	if w := rows[web]; w["state"] != "acked" || w["by"] != "" || w["at"] != nil {
		t.Fatalf("row acked by another program %v", w)
	}
	if p := rows[released]; p["state"] != "pending" || p["consumer"] != "zed" || p["releasedBy"] != "zed" {
		t.Fatalf("released row %v", p)
	}
	r = run(t, "", "range")
	for _, want := range []string{"acked by alice", "dead-lettered: spam (bob)", "released", "\n" + web + " "} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("human range lacks %q:\n%s", want, r.stdout)
		}
	}
}

// After a release the next claim says who handed it back, with no
// invented idle time, at the same delivery count.
func TestClaimAfterReleaseJSON(t *testing.T) {
	addN(t, 2)
	id := claimAs(t, "zed")
	if r := run(t, "", "release", id, "--consumer", "zed"); r.code != 0 {
		t.Fatal(r)
	}
	// carol's threshold is an hour: a release does not make her wait.
	r := run(t, "", "claim", "--json", "--consumer", "carol", "--reclaim-after", "1h")
	msg := decode(t, r.stdout)["message"].(map[string]any)
	if msg["streamMessageId"] != id || msg["claimed"] != true || msg["releasedBy"] != "zed" || msg["deliveries"] != float64(1) {
		t.Fatalf("claim after release: %v", msg)
	}
	if _, invented := msg["idleMs"]; invented {
		t.Fatalf("a released message came with an idle time: %v", msg)
	}
	if _, err := time.Parse(time.RFC3339, msg["releasedAt"].(string)); err != nil {
		t.Fatalf("releasedAt %v", msg["releasedAt"])
	}
	if r := run(t, "", "release", id, "--consumer", "carol"); r.code != 0 {
		t.Fatal(r)
	}
	r = run(t, "", "claim", "--consumer", "dan")
	if !strings.Contains(r.stdout, "RELEASED   by carol") || strings.Contains(r.stdout, "RECLAIMED") {
		t.Fatalf("human claim after release: %q", r.stdout)
	}
}

func TestStatsActivityJSON(t *testing.T) {
	addN(t, 3)
	id := claimAs(t, "alice")
	if r := run(t, "", "ack", id, "--consumer", "alice"); r.code != 0 {
		t.Fatal(r)
	}
	id = claimAs(t, "bob")
	if r := run(t, "", "reject", id, "--reason", "spam", "--consumer", "bob"); r.code != 0 {
		t.Fatal(r)
	}
	r := run(t, "", "stats", "--json")
	st := decode(t, r.stdout)
	act, _ := st["activity"].(map[string]any)
	if r.code != 0 || act == nil || act["bucket"] != "1m" {
		t.Fatalf("stats: %+v", r)
	}
	for name, want := range map[string]float64{"arrivals": 3, "acks": 1, "dead": 1} {
		series := act[name].([]any)
		if len(series) != 60 {
			t.Fatalf("%s has %d buckets", name, len(series))
		}
		var total float64
		for _, n := range series {
			total += n.(float64)
		}
		// In the last bucket, or the one before when the minute turned.
		if total != want || series[58].(float64)+series[59].(float64) != want {
			t.Fatalf("%s %v, want %v at the end", name, series, want)
		}
	}
	tta := st["timeToAck"].(map[string]any)
	if tta["count"] != float64(1) || tta["p50Ms"] == nil || tta["p90Ms"] == nil {
		t.Fatalf("timeToAck %v", tta)
	}
	reviewers := st["reviewers"].([]any)
	if len(reviewers) != 2 {
		t.Fatalf("reviewers %v", reviewers)
	}
	alice, bob := reviewers[0].(map[string]any), reviewers[1].(map[string]any)
	if alice["name"] != "alice" || alice["acked"] != float64(1) || alice["medianHeldMs"] == nil ||
		bob["name"] != "bob" || bob["dead"] != float64(1) || bob["medianHeldMs"] != nil {
		t.Fatalf("reviewers %v", reviewers)
	}
	if age, ok := st["oldestUnclaimedMs"].(float64); !ok || age < 0 || age > 60_000 {
		t.Fatalf("oldestUnclaimedMs %v", st["oldestUnclaimedMs"])
	}
	claimAs(t, "carol")
	if st := decode(t, run(t, "", "stats", "--json").stdout); st["oldestUnclaimedMs"] != nil {
		t.Fatalf("every message claimed, yet oldestUnclaimedMs %v", st["oldestUnclaimedMs"])
	}
	r = run(t, "", "stats")
	// Counts agree with their nouns: three in the stream, one dead, one ack.
	for _, want := range []string{"arrivals", "time to ack   p50", "REVIEWER", "alice", "█", "(3 entries)\n", "(1 entry)\n", "(1 ack)\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("human stats lacks %q:\n%s", want, r.stdout)
		}
	}
}

// A user at a terminal, answering.
func atTerminal(t *testing.T) {
	t.Helper()
	was := stdinIsTerminal
	stdinIsTerminal = func(io.Reader) bool { return true }
	t.Cleanup(func() { stdinIsTerminal = was })
}

func TestReplayCommand(t *testing.T) {
	addN(t, 3)
	first := claimAs(t, "alice")
	run(t, "", "ack", first)
	second := claimAs(t, "alice")
	run(t, "", "ack", second)
	claimAs(t, "alice") // pending: not replayed

	// No terminal, no --yes: refused in one line, nothing copied.
	r := run(t, "", "replay", "--from", first)
	if r.code != 1 || !strings.Contains(r.stderr, "would replay 2 acked messages") || !strings.Contains(r.stderr, "--yes") ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("replay without --yes: %+v", r)
	}
	atTerminal(t)
	r = run(t, "n\n", "replay", "--from", first)
	if r.code != 1 || !strings.Contains(r.stderr, "replay 2 acked messages") || !strings.Contains(r.stderr, "[y/N]") ||
		!strings.Contains(r.stderr, "nothing was copied") {
		t.Fatalf("answered no: %+v", r)
	}
	if st := decode(t, run(t, "", "stats", "--json").stdout); st["length"] != float64(3) {
		t.Fatalf("a refused replay copied: %v", st["length"])
	}
	r = run(t, "y\n", "replay", "--from", first)
	if r.code != 0 || !strings.Contains(r.stdout, "replayed 2 as ") {
		t.Fatalf("answered yes: %+v", r)
	}
	// One entry by ID, as the Stream screen's selection does.
	r = run(t, "", "replay", "--from", second, "--to", second, "--yes", "--json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"replayed":1}` {
		t.Fatalf("replay --json: %+v", r)
	}
	// The copies are contact messages carrying replay.of.
	rows := decode(t, run(t, "", "range", "--json", "--count", "1").stdout)["entries"].([]any)
	if row := rows[0].(map[string]any); row["replayOf"] != second || row["state"] != "new" {
		t.Fatalf("the copy %v", row)
	}
	msg := decode(t, run(t, "", "claim", "--json").stdout)["message"].(map[string]any)
	if msg["replayOf"] == nil || msg["name"] == "" || msg["fields"] != nil {
		t.Fatalf("claimed copy %v", msg)
	}
	// Times, and nothing in range.
	r = run(t, "", "replay", "--from", "2001-01-01", "--to", "2001-01-02 10:00", "--json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"replayed":0}` {
		t.Fatalf("empty range: %+v", r)
	}
	for _, bad := range [][]string{{"replay"}, {"replay", "--from", "yesterday"}, {"replay", "--from", first, "--to", "soon"}} {
		if r := run(t, "", bad...); r.code != 1 || r.stderr == "" {
			t.Fatalf("%v: %+v", bad, r)
		}
	}
}

// replay reads a typed time in the viewer's zone, as range --at and the
// console do; a range that ends before it starts is refused in one line,
// exit 1, rather than answered with "nothing to replay".
func TestReplayReadsTimesInTheViewersZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	old := loc
	loc = tokyo
	t.Cleanup(func() { loc = old })

	addN(t, 1)
	id := claimAs(t, "alice")
	run(t, "", "ack", id)
	// Half an hour ago on a Tokyo clock: the acked message came after it.
	// Read as UTC it would be nine hours later, after everything.
	since := time.Now().Add(-30 * time.Minute).In(tokyo).Format("2006-01-02 15:04")
	if r := run(t, "", "replay", "--from", since, "--yes", "--json"); r.code != 0 || strings.TrimSpace(r.stdout) != `{"replayed":1}` {
		t.Fatalf("replay --from %q (Tokyo): %+v", since, r)
	}

	later := time.Now().Add(time.Hour).In(tokyo).Format("2006-01-02 15:04")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "2026-12-08", "--to", "2026-12-07 20:13"}, `--from "2026-12-08" (2026-12-08 00:00:00 JST) is after --to "2026-12-07 20:13" (2026-12-07 20:13:00 JST)`},
		{[]string{"--from", "1764009314892-1", "--to", "1764009314892-0"}, "--from 1764009314892-1 is after --to 1764009314892-0"},
		{[]string{"--from", later}, "--from \"" + later + "\" (" + later + ":00 JST) is after the newest message"},
		{[]string{"--from", later, "--to", later + ":30"}, "is after the newest message"},
	} {
		r := run(t, "", append([]string{"replay", "--yes"}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("replay %v: %+v; want exit 1 and one line with %q", c.args, r, c.want)
		}
	}
}

func TestAddWithIdempotencyKey(t *testing.T) {
	args := []string{"add", "--name", "Ada", "--email", "ada@example.org", "--message", "Hello", "--idempotency-key", "form-7f3a", "--json"}
	first := decode(t, run(t, "", args...).stdout)
	if first["duplicate"] != nil || first["streamMessageId"] == nil {
		t.Fatalf("first add %v", first)
	}
	r := run(t, "", args...)
	again := decode(t, r.stdout)
	if r.code != 0 || again["streamMessageId"] != first["streamMessageId"] || again["timestamp"] != first["timestamp"] ||
		again["duplicate"] != true || again["note"] == nil {
		t.Fatalf("second add %+v", r)
	}
	r = run(t, "", args[:len(args)-1]...)
	if r.code != 0 || !strings.Contains(r.stdout, "already added "+first["streamMessageId"].(string)) || !strings.Contains(r.stderr, "nothing was added") {
		t.Fatalf("human second add %+v", r)
	}
	if st := decode(t, run(t, "", "stats", "--json").stdout); st["length"] != float64(1) {
		t.Fatalf("%v entries after three adds with one key", st["length"])
	}
	if r := run(t, "", "add", "--name", "A", "--email", "a@example.org", "--message", "m", "--idempotency-key", ""); r.code != 1 {
		t.Fatalf("empty key: %+v", r)
	}
}

func TestBulkAddWithIdempotencyKeys(t *testing.T) {
	lines := []string{
		`{"name":"Ada","email":"ada@example.org","message":"one","idempotencyKey":"k1"}`,
		`{"name":"Ada","email":"ada@example.org","message":"two"}`,
		`{"name":"Ada","email":"ada@example.org","message":"one again","idempotencyKey":"k1"}`,
		`{"idempotencyKey":"k\u0032","name":"Ada","email":"ada@example.org","message":"escaped key"}`,
	}
	r := run(t, strings.Join(lines, "\n"), "add", "--from", "-", "--json")
	out := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(out) != 4 {
		t.Fatalf("bulk: %+v", r)
	}
	one, again := decode(t, out[0]), decode(t, out[2])
	if one["duplicate"] != nil || again["duplicate"] != true || again["streamMessageId"] != one["streamMessageId"] {
		t.Fatalf("lines %q", out)
	}
	r = run(t, strings.Join(lines, "\n"), "add", "--from", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "added 1 message\n") || !strings.Contains(r.stdout, "skipped 3 lines") {
		t.Fatalf("human bulk again: %+v", r)
	}
	if st := decode(t, run(t, "", "stats", "--json").stdout); st["length"] != float64(4) {
		t.Fatalf("%v entries", st["length"])
	}
	r = run(t, `{"name":"Ada","email":"ada@example.org","message":"m","idempotencyKey":""}`, "add", "--from", "-")
	if r.code != 1 || !strings.Contains(r.stderr, "line 1: idempotencyKey is empty") {
		t.Fatalf("empty key in a line: %+v", r)
	}
}

func TestSearchCommand(t *testing.T) {
	addN(t, 3)
	run(t, "", "add", "--name", "Grace Hopper", "--email", "grace@navy.example", "--message", "A moth in relay 70")
	r := run(t, "", "search", "MOTH", "--json")
	out := decode(t, r.stdout)
	entries := out["entries"].([]any)
	if r.code != 0 || len(entries) != 1 || out["next"] != "" || out["scanned"] != float64(4) {
		t.Fatalf("search: %+v", r)
	}
	if e := entries[0].(map[string]any); e["state"] != "new" || e["fields"].(map[string]any)["name"] != "Grace Hopper" {
		t.Fatalf("match %v", e)
	}
	r = run(t, "", "search", "ada", "--limit", "2")
	if r.code != 0 || strings.Count(r.stdout, "Ada ") != 2 || !strings.Contains(r.stdout, "more: reviewq search ada --limit 2 --before ") {
		t.Fatalf("limited search: %+v", r)
	}
	next := r.stdout[strings.LastIndex(r.stdout, "--before ")+len("--before ") : len(r.stdout)-1]
	r = run(t, "", "search", "ada", "--limit", "2", "--before", next)
	if r.code != 0 || strings.Count(r.stdout, "Ada 1") != 1 || strings.Contains(r.stdout, "more:") {
		t.Fatalf("the rest: %+v", r)
	}
	if r := run(t, "", "search", "nobody"); r.code != 0 || !strings.Contains(r.stdout, "no messages found") {
		t.Fatalf("no match: %+v", r)
	}
	for _, bad := range [][]string{{"search"}, {"search", " "}, {"search", "x", "--before", "nope"}, {"search", "x", "--limit", "-1"}} {
		if r := run(t, "", bad...); r.code != 1 {
			t.Fatalf("%v: %+v", bad, r)
		}
	}
}
