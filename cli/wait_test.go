package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// due makes whatever waits in the test stream's group due now, as its time
// coming would (the commands run on the real clock).
func due(t *testing.T) {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Close()
	for _, key := range []string{"{" + stream(t) + "}:waiting:" + queue.DefaultGroup, "{" + stream(t) + "}:scheduled"} {
		members, err := vk.Do(context.Background(), vk.B().Zrange().Key(key).Min("0").Max("-1").Build()).AsStrSlice()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if err := vk.Do(context.Background(), vk.B().Zadd().Key(key).Xx().ScoreMember().ScoreMember(0, m).Build()).Error(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestSnoozeCommand(t *testing.T) {
	if r := run(t, "", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "call me at 3"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	r := run(t, "", "claim", "--json")
	id := decode(t, r.stdout)["message"].(map[string]any)["streamMessageId"].(string)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"snooze", id}, "give --for or --until"},
		{[]string{"snooze", id, "--for", "1h", "--until", "14:00"}, "give --for or --until"},
		{[]string{"snooze", id, "--until", "2020-01-01 09:00"}, "is in the past"},
		{[]string{"snooze", id, "--until", "soonish"}, `"soonish" is not a time or a duration`},
		{[]string{"snooze", id, "--for", "1h", "--consumer", "bob"}, "held by another consumer"},
	} {
		if r := run(t, "", c.args...); r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v, want exit 1 saying %q", c.args, r, c.want)
		}
	}

	r = run(t, "", "snooze", id, "--until", "tomorrow 09:00", "--json")
	out := decode(t, r.stdout)
	until, err := time.Parse(time.RFC3339, out["snoozedUntil"].(string))
	if r.code != 0 || out["success"] != true || err != nil || until.Local().Hour() != 9 || !until.After(time.Now()) {
		t.Fatalf("snooze: %+v", r)
	}
	// Out of everyone's reach: nothing to claim, and Stream says why.
	if r := run(t, "", "claim", "--json"); strings.TrimSpace(r.stdout) != `{"message":null}` {
		t.Fatalf("claim while snoozed: %+v", r)
	}
	rows := decode(t, run(t, "", "range", "--json").stdout)["entries"].([]any)
	row := rows[0].(map[string]any)
	if row["state"] != "snoozed" || row["by"] != "alice" || row["until"] != out["snoozedUntil"] {
		t.Fatalf("range row: %v", row)
	}
	if r := run(t, "", "range"); !strings.Contains(r.stdout, "snoozed · alice · until ") {
		t.Fatalf("range: %s", r.stdout)
	}
	st := decode(t, run(t, "", "stats", "--json").stdout)
	if st["snoozed"] != float64(1) || st["scheduled"] != float64(0) || st["waiting"] != float64(0) {
		t.Fatalf("stats: %v", st)
	}

	due(t)
	r = run(t, "", "claim", "--json")
	msg := decode(t, r.stdout)["message"].(map[string]any)
	if msg["snoozedBy"] != "alice" || msg["snoozedUntil"] != out["snoozedUntil"] || msg["snoozeOf"] != id ||
		msg["deliveries"] != float64(1) || msg["message"] != "call me at 3" || msg["fields"] != nil {
		t.Fatalf("claim of the snoozed message: %v", msg)
	}
	if r := run(t, "", "range"); !strings.Contains(r.stdout, "returned as "+msg["streamMessageId"].(string)+" (snoozed by alice)") {
		t.Fatalf("range after: %s", r.stdout)
	}
}

func TestAddForLater(t *testing.T) {
	r := run(t, "", "add", "--json", "--delay", "10m", "--name", "Ada", "--email", "ada@example.org", "--message", "later",
		"--idempotency-key", "k-1")
	out := decode(t, r.stdout)
	nb, err := time.Parse(time.RFC3339, out["notBefore"].(string))
	if r.code != 0 || out["streamMessageId"] != nil || !strings.HasPrefix(out["scheduledId"].(string), "s") || err != nil ||
		nb.Sub(time.Now()) < 9*time.Minute {
		t.Fatalf("add --delay: %+v", r)
	}
	again := decode(t, run(t, "", "add", "--json", "--name", "Ada", "--email", "ada@example.org", "--message", "later",
		"--idempotency-key", "k-1").stdout)
	if again["scheduledId"] != out["scheduledId"] || again["duplicate"] != true {
		t.Fatalf("the same key again: %v", again)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--at", "2020-01-01"}, "is in the past"},
		{[]string{"--delay", "1m", "--at", "14:00"}, "give --delay or --at, not both"},
		{[]string{"--delay", "-1m"}, "cannot be negative"},
	} {
		args := append([]string{"add", "--name", "Ada", "--email", "ada@example.org", "--message", "x"}, c.args...)
		if r := run(t, "", args...); r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v, want exit 1 saying %q", c.args, r, c.want)
		}
	}
	if r := run(t, "", "claim", "--json"); strings.TrimSpace(r.stdout) != `{"message":null}` {
		t.Fatalf("claim before it is due: %+v", r)
	}
	page := decode(t, run(t, "", "range", "--json").stdout)
	sched := page["scheduled"].([]any)
	if len(sched) != 1 || page["scheduledTotal"] != float64(1) || len(page["entries"].([]any)) != 0 {
		t.Fatalf("range: %v", page)
	}
	if s := sched[0].(map[string]any); s["state"] != "scheduled" || s["until"] != out["notBefore"] || s["scheduledId"] != out["scheduledId"] {
		t.Fatalf("range's scheduled row: %v", s)
	}
	if r := run(t, "", "range"); !strings.Contains(r.stdout, "scheduled · in ") {
		t.Fatalf("range: %s", r.stdout)
	}
	if st := decode(t, run(t, "", "stats", "--json").stdout); st["scheduled"] != float64(1) {
		t.Fatalf("stats: %v", st)
	}

	// JSON lines: notBefore per line.
	lines := `{"name":"Ada","email":"ada@example.org","message":"now"}
{"name":"Ada","email":"ada@example.org","message":"later","notBefore":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}
`
	r = run(t, lines, "add", "--from", "-", "--json")
	got := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(got) != 2 || decode(t, got[0])["streamMessageId"] == nil || decode(t, got[1])["scheduledId"] == nil {
		t.Fatalf("add --from: %+v", r)
	}
	if r := run(t, `{"name":"Ada","email":"ada@example.org","message":"x","notBefore":"tomorrow"}`, "add", "--from", "-"); r.code != 1 ||
		!strings.Contains(r.stderr, "line 1: notBefore \"tomorrow\" is not an RFC 3339 time") {
		t.Fatalf("a bad notBefore: %+v", r)
	}

	due(t)
	r = run(t, "", "claim", "--json")
	if m := decode(t, r.stdout)["message"].(map[string]any); m["message"] != "now" {
		t.Fatalf("first claim: %v", m)
	}
	seen := map[any]bool{}
	for range 2 {
		m := decode(t, run(t, "", "claim", "--json").stdout)["message"].(map[string]any)
		seen[m["message"]] = true
	}
	if !seen["later"] || len(seen) != 1 {
		t.Fatalf("the scheduled ones: %v", seen)
	}
	again = decode(t, run(t, "", "add", "--json", "--delay", "1m", "--name", "Ada", "--email", "ada@example.org", "--message", "later",
		"--idempotency-key", "k-1").stdout)
	if again["streamMessageId"] == nil || again["duplicate"] != true || again["scheduledId"] != nil {
		t.Fatalf("the key once its message was added: %v", again)
	}
}

func TestRetryBackoffFlags(t *testing.T) {
	if r := run(t, "", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "flaky"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	id := decode(t, run(t, "", "claim", "--json").stdout)["message"].(map[string]any)["streamMessageId"].(string)
	r := run(t, "", "release", id, "--json", "--retry-backoff", "1m", "--retry-backoff-max", "30m")
	out := decode(t, r.stdout)
	at, err := time.Parse(time.RFC3339, out["retryAt"].(string))
	if r.code != 0 || err != nil || at.Sub(time.Now()) < 50*time.Second {
		t.Fatalf("release with a backoff: %+v", r)
	}
	p := decode(t, run(t, "", "pending", "--json").stdout)
	w := p["waiting"].([]any)
	if len(w) != 1 || p["waitingTotal"] != float64(1) {
		t.Fatalf("pending: %v", p)
	}
	if row := w[0].(map[string]any); row["state"] != "waiting" || row["after"] != "released" || row["streamMessageId"] != id || row["deliveries"] != float64(1) {
		t.Fatalf("pending's waiting row: %v", row)
	}
	if r := run(t, "", "pending"); !strings.Contains(r.stdout, "waiting · retry in ") {
		t.Fatalf("pending: %s", r.stdout)
	}
	if r := run(t, "", "release", id, "--retry-backoff", "-1s"); r.code != 1 || !strings.Contains(r.stderr, "--retry-backoff cannot be negative") {
		t.Fatalf("a negative backoff: %+v", r)
	}
	due(t)
	m := decode(t, run(t, "", "claim", "--json").stdout)["message"].(map[string]any)
	if m["retryOf"] != id || m["retryAfter"] != "released" || m["retryBy"] != "alice" || m["deliveries"] != float64(2) {
		t.Fatalf("claim of the retry: %v", m)
	}
}
