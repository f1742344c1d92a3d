package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
)

var srv *testserver.Server

func TestMain(m *testing.M) {
	// The commands read these; the tests say everything with flags.
	os.Unsetenv("VALKEY_URL")
	os.Unsetenv("VALKEY_ENDPOINT")
	// Nor does a developer's own settings file: the tests that want one
	// write their own.
	os.Setenv("REVIEWQ_CONFIG", filepath.Join(os.TempDir(), "reviewq-tests-read-no-settings-file.yaml"))
	os.Unsetenv("REVIEWQ_PROFILE")
	testserver.Main(m, &srv)
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs reviewq against the test server on the test's own stream.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	base := []string{"--url", "redis://" + srv.Addr, "--stream", stream(t), "--consumer", "alice"}
	var out, errOut bytes.Buffer
	code := Run(context.Background(), append(base, args...), strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func stream(t *testing.T) string { return "cli:" + strings.ReplaceAll(t.Name(), "/", ":") }

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not JSON: %q: %v", s, err)
	}
	return m
}

func client(t *testing.T, consumer string) *queue.Client {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	c, err := queue.New(vk, queue.Config{Stream: stream(t), Consumer: consumer})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddClaimAckJSONShapes(t *testing.T) {
	r := run(t, "", "add", "--json", "--name", " Ada ", "--email", "ada@example.org", "--message", "Hello")
	if r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	added := decode(t, r.stdout)
	id, _ := added["streamMessageId"].(string)
	if _, err := queue.ParseID(id); err != nil || len(added) != 2 {
		t.Fatalf("add shape %v", added)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", added["timestamp"].(string)); err != nil {
		t.Fatalf("timestamp %v", added["timestamp"])
	}

	r = run(t, "", "claim", "--json")
	msg := decode(t, r.stdout)["message"].(map[string]any)
	if r.code != 0 || msg["streamMessageId"] != id || msg["name"] != "Ada" || msg["message"] != "Hello" {
		t.Fatalf("claim: %+v", r)
	}
	if _, present := msg["claimed"]; present {
		t.Fatalf("a new message must not carry \"claimed\": %v", msg)
	}

	r = run(t, "", "ack", "--json", id)
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"success":true}` {
		t.Fatalf("ack: %+v", r)
	}
	r = run(t, "", "ack", "--json", id)
	again := decode(t, r.stdout)
	if r.code != 0 || again["acked"] != float64(0) || again["note"] == nil {
		t.Fatalf("ack of a message no longer pending: %+v", r)
	}

	r = run(t, "", "claim", "--json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"message":null}` {
		t.Fatalf("claim on empty: %+v", r)
	}
}

func TestClaimReclaimedJSON(t *testing.T) {
	bob := client(t, "bob")
	if err := bob.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.AddContact(context.Background(), "Ada", "ada@example.org", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Claim(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	r := run(t, "", "claim", "--json", "--reclaim-after", "50ms")
	msg := decode(t, r.stdout)["message"].(map[string]any)
	if msg["claimed"] != true || msg["previousConsumer"] != "bob" || msg["deliveries"] != float64(2) || msg["idleMs"].(float64) < 50 {
		t.Fatalf("reclaimed claim: %v", msg)
	}
	r = run(t, "", "claim", "--reclaim-after", "50ms")
	if r.code != 0 || !strings.Contains(r.stdout, "no messages waiting") {
		t.Fatalf("human empty claim: %+v", r)
	}
}

// A server address where a URL belongs is answered with the URL to write,
// in one line, before anything is dialled; a user name or password in it
// is not repeated.
func TestAnAddressWhereAURLBelongs(t *testing.T) {
	for _, c := range []struct {
		env, flag string
		want      string
	}{
		{flag: "127.0.0.1:6411", want: "--url 127.0.0.1:6411 is not a URL: write --url redis://127.0.0.1:6411 (rediss:// for TLS)"},
		{flag: "localhost", want: "--url localhost is not a URL: write --url redis://localhost"},
		{env: "cache.internal:6379", want: "VALKEY_URL=cache.internal:6379 is not a URL: write VALKEY_URL=redis://cache.internal:6379"},
		{flag: "alice:s3cret@cache:6379", want: "--url is not a URL: write --url redis://user:password@host:port"},
	} {
		args := []string{"stats"}
		if c.flag != "" {
			args = append(args, "--url", c.flag)
		}
		t.Setenv("VALKEY_URL", c.env)
		var out, errOut bytes.Buffer
		code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), c.want) || strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 ||
			strings.Contains(errOut.String(), "s3cret") {
			t.Errorf("%+v: exit %d, %q", c, code, errOut.String())
		}
	}
}

func TestBadInputExitCodes(t *testing.T) {
	r := run(t, "", "add", "--name", "Ada", "--email", "not-an-address", "--message", "x")
	if r.code != 1 || !strings.Contains(r.stderr, "email") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("invalid email: %+v", r)
	}
	if r := run(t, "", "ack", "nope"); r.code != 1 || !strings.Contains(r.stderr, "not a stream ID") {
		t.Fatalf("bad ID: %+v", r)
	}
	if r := run(t, "", "release", "1-1"); r.code != 1 || !strings.Contains(r.stderr, "no longer has this message") {
		t.Fatalf("release of an unknown ID: %+v", r)
	}
	if r := run(t, "", "reject", "1-1"); r.code != 1 || !strings.Contains(r.stderr, "--reason") {
		t.Fatalf("reject without reason: %+v", r)
	}
	if r := run(t, "", "frobnicate"); r.code != 1 {
		t.Fatalf("unknown command: %+v", r)
	}
	if r := run(t, "", "stats", "--url", "redis://127.0.0.1:1"); r.code != 2 || !strings.Contains(r.stderr, "unreachable") {
		t.Fatalf("unreachable server: %+v", r)
	}
	if r := run(t, "", "claim", "--embedded"); r.code != 1 {
		t.Fatalf("--embedded for a command: %+v", r)
	}
	st := client(t, "alice")
	if err := st.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.Stats(context.Background()); s.Length != 0 {
		t.Fatalf("bad input added %d entries", s.Length)
	}
}

func TestBulkAddFromJSONLines(t *testing.T) {
	var lines []string
	for i := 0; i < 1200; i++ {
		lines = append(lines, `{"name":"Ada","email":"ada@example.org","message":"bulk `+time.Duration(i).String()+`"}`)
	}
	bad := append([]string{}, lines...)
	bad[7] = `{"name":"","email":"x","message":"m"}`
	bad[9] = `not json`
	r := run(t, strings.Join(bad, "\n"), "add", "--from", "-")
	if r.code != 1 || !strings.Contains(r.stderr, "line 8:") || !strings.Contains(r.stderr, "line 10:") || !strings.Contains(r.stderr, "nothing was added") {
		t.Fatalf("bad lines: %+v", r)
	}
	file := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "add", "--from", file)
	if r.code != 0 || !strings.Contains(r.stdout, "added 1,200 messages") {
		t.Fatalf("bulk add: %+v", r)
	}
	r = run(t, "", "stats", "--json")
	st := decode(t, r.stdout)
	if st["length"] != float64(1200) {
		t.Fatalf("stats after bulk: %v", st)
	}
}

func TestBrowseAndDeadLetterCommands(t *testing.T) {
	run(t, "", "add", "--name", "Eve", "--email", "eve@example.org", "--message", "evil \x1b]0;pwned\x07\x1b[2J text")
	run(t, "", "add", "--name", "Bob", "--email", "bob@example.org", "--message", "second")
	claim := decode(t, run(t, "", "claim", "--json").stdout)["message"].(map[string]any)
	id := claim["streamMessageId"].(string)

	r := run(t, "", "pending")
	if r.code != 0 || !strings.Contains(r.stdout, id) || !strings.Contains(r.stdout, "alice") {
		t.Fatalf("pending: %+v", r)
	}
	for _, out := range []string{r.stdout, run(t, "", "range").stdout} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Fatalf("stream content reached the terminal unsanitised: %q", out)
		}
	}
	r = run(t, "", "range", "--json", "--count", "5")
	entries := decode(t, r.stdout)["entries"].([]any)
	if len(entries) != 2 || entries[1].(map[string]any)["state"] != "pending" || entries[0].(map[string]any)["state"] != "new" {
		t.Fatalf("range: %s", r.stdout)
	}

	r = run(t, "", "reject", id, "--reason", "spam", "--json")
	did, _ := decode(t, r.stdout)["deadLetterId"].(string)
	if r.code != 0 || did == "" {
		t.Fatalf("reject: %+v", r)
	}
	r = run(t, "", "dead", "list")
	if r.code != 0 || !strings.Contains(r.stdout, did) || !strings.Contains(r.stdout, "spam") || strings.ContainsRune(r.stdout, '\x1b') {
		t.Fatalf("dead list: %+v", r)
	}
	r = run(t, "", "dead", "redrive", did, "--json")
	if r.code != 0 || decode(t, r.stdout)["success"] != true {
		t.Fatalf("redrive: %+v", r)
	}
	if r := run(t, "", "dead", "redrive", did); r.code != 1 || !strings.Contains(r.stderr, "no such entry") {
		t.Fatalf("second redrive: %+v", r)
	}
	r = run(t, "", "stats")
	if r.code != 0 || !strings.Contains(r.stdout, "3 entries") || !strings.Contains(r.stdout, "0 pending") {
		t.Fatalf("stats: %+v", r)
	}
	r = run(t, "", "release", "1-1", "--json")
	if r.code != 1 {
		t.Fatalf("release: %+v", r)
	}
	if r := run(t, "", "dead", "delete", "1-1"); r.code != 0 || !strings.Contains(r.stderr, "not in") {
		t.Fatalf("delete unknown: %+v", r)
	}
}

// runOn runs reviewq against another server than the shared one.
func runOn(t *testing.T, addr string, args ...string) result {
	t.Helper()
	base := []string{"--url", "redis://" + addr, "--stream", stream(t), "--consumer", "alice"}
	var out, errOut bytes.Buffer
	code := Run(context.Background(), append(base, args...), strings.NewReader(""), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// A server that came back empty: the held message is reported lost (not
// taken by someone), and claim recreates the group and says so on stderr.
func TestServerFlushedUnderAHeldMessage(t *testing.T) {
	s := testserver.StartT(t)
	runOn(t, s.Addr, "add", "--name", "Ada", "--email", "ada@example.org", "--message", "first")
	r := runOn(t, s.Addr, "claim", "--json")
	held := decode(t, r.stdout)["message"].(map[string]any)["streamMessageId"].(string)
	if r.code != 0 || strings.Contains(r.stderr, "created") {
		t.Fatalf("claim on a running group: %+v", r)
	}
	if _, err := s.Command("FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"ack", held}, {"release", held}, {"reject", held, "--reason", "x"}} {
		r := runOn(t, s.Addr, cmd...)
		if r.code != 1 || !strings.Contains(r.stderr, "no longer has this message") ||
			strings.Contains(r.stderr, "another") || strings.Contains(r.stderr, "not pending") {
			t.Fatalf("%s of a message the server lost: %+v", cmd[0], r)
		}
	}

	// Something arrives on the empty server before any reviewq connects.
	if _, err := s.Command("FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Command("XADD", stream(t), "*", "name", "Jo", "email", "jo@example.org", "message", "after", "timestamp", "t"); err != nil {
		t.Fatal(err)
	}
	r = runOn(t, s.Addr, "claim", "--json")
	out := decode(t, r.stdout)
	msg, _ := out["message"].(map[string]any)
	if r.code != 0 || msg == nil || msg["message"] != "after" || out["groupRecreated"] != true {
		t.Fatalf("claim after the flush: %+v", r)
	}
	if !strings.Contains(r.stderr, "restarted empty or was flushed") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("claim did not explain the recreated group in one line: %q", r.stderr)
	}
}

// Entries before the ID a group was created at were never delivered to it:
// skipped, not acked.
func TestRangeShowsSkippedEntries(t *testing.T) {
	key := stream(t)
	for _, args := range [][]string{
		{"DEL", key, key + ":group-start"},
		{"XADD", key, "*", "name", "a", "email", "a@example.org", "message", "before", "timestamp", "t"},
		{"XADD", key, "*", "name", "b", "email", "b@example.org", "message", "before", "timestamp", "t"},
		{"XGROUP", "CREATE", key, "contact-processors", "$"}, // as the web example does
		{"XADD", key, "*", "name", "c", "email", "c@example.org", "message", "after", "timestamp", "t"},
	} {
		if _, err := srv.Command(args...); err != nil {
			t.Fatal(args, err)
		}
	}
	r := run(t, "", "range", "--json")
	entries := decode(t, r.stdout)["entries"].([]any)
	var states []string
	for _, e := range entries {
		states = append(states, e.(map[string]any)["state"].(string))
	}
	if r.code != 0 || strings.Join(states, " ") != "new skipped skipped" {
		t.Fatalf("range states %v: %+v", states, r)
	}
	if r := run(t, "", "stats"); !strings.Contains(r.stdout, "lag 1") || !strings.Contains(r.stdout, "started at") {
		t.Fatalf("stats: %+v", r)
	}
}

func TestClaimWithAck(t *testing.T) {
	for i := 0; i < 2; i++ {
		run(t, "", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "m"+string(rune('1'+i)))
	}
	first := decode(t, run(t, "", "claim", "--json").stdout)["message"].(map[string]any)["streamMessageId"].(string)
	r := run(t, "", "claim", "--json", "--ack", first)
	out := decode(t, r.stdout)
	msg, _ := out["message"].(map[string]any)
	if r.code != 0 || out["acked"] != float64(1) || msg == nil || msg["message"] != "m2" || out["note"] != nil {
		t.Fatalf("claim --ack: %+v", r)
	}
	second := msg["streamMessageId"].(string)
	r = run(t, "", "claim", "--ack", second)
	if r.code != 0 || !strings.Contains(r.stdout, "acked "+second) || !strings.Contains(r.stdout, "no messages waiting") {
		t.Fatalf("human claim --ack: %+v", r)
	}
	r = run(t, "", "claim", "--json", "--ack", second)
	out = decode(t, r.stdout)
	if r.code != 0 || out["acked"] != float64(0) || out["note"] == nil || out["message"] != nil {
		t.Fatalf("claim --ack of an acked message: %+v", r)
	}
	if r := run(t, "", "claim", "--ack", "nope"); r.code != 1 || !strings.Contains(r.stderr, "not a stream ID") {
		t.Fatalf("claim --ack nope: %+v", r)
	}
}

func TestPendingMinIdleSaysHowFarItScanned(t *testing.T) {
	bob := client(t, "bob")
	if err := bob.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := bob.AddContact(context.Background(), "Ada", "ada@example.org", "hi"); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Claim(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	r := run(t, "", "pending", "--min-idle", "10ms", "--scan", "3", "--count", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "scanned 2 of 5 pending") || !strings.Contains(r.stdout, "more: reviewq pending --min-idle 10ms --after ") {
		t.Fatalf("page: %+v", r)
	}
	r = run(t, "", "pending", "--min-idle", "1h", "--scan", "3", "--json")
	out := decode(t, r.stdout)
	if r.code != 0 || out["scanned"] != float64(3) || out["total"] != float64(5) || out["next"] == "" || len(out["pending"].([]any)) != 0 {
		t.Fatalf("json: %+v", r)
	}
	r = run(t, "", "pending", "--min-idle", "1h", "--after", out["next"].(string))
	if r.code != 0 || !strings.Contains(r.stdout, "none idle 1h0m0s or more\n") || !strings.Contains(r.stdout, "scanned 2 of 5 pending after ") || strings.Contains(r.stdout, "more:") {
		t.Fatalf("rest: %+v", r)
	}
}
