package cli

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/reviewq/reviewq/queue"
)

// raw runs a command on the test server, as another program would.
func raw(t *testing.T, args ...string) valkey.ValkeyResult {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Close()
	return vk.Do(context.Background(), vk.B().Arbitrary(args[0]).Args(args[1:]...).Build())
}

// oldMessages adds n contact messages at t (explicit IDs, as the web
// example would have added them then) to the test's stream.
func oldMessages(t *testing.T, at time.Time, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%d-0", at.UnixMilli()+int64(i))
		if err := raw(t, "XADD", stream(t), ids[i], "name", "Ada", "email", "ada@example.org",
			"message", "old", "timestamp", queue.FormatTimestamp(at)).Error(); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// oldStream is the test's stream with three messages from 45 days ago: the
// first acked, the second held, the third new.
func oldStream(t *testing.T) *queue.Client {
	t.Helper()
	c := client(t, "alice")
	if err := c.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	oldMessages(t, time.Now().Add(-45*24*time.Hour), 3)
	for i := range 2 {
		r, err := c.Claim(context.Background())
		if err != nil || r.Message == nil {
			t.Fatalf("claim: %+v %v", r, err)
		}
		if i == 0 {
			if _, err := c.Ack(context.Background(), r.Message.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

func TestTrimNeedsYesOrDryRun(t *testing.T) {
	for _, args := range [][]string{
		{"trim", "--before", "30d"},
		{"trim", "--before", "720h", "--dead-before", "2026-01-02", "--json"},
	} {
		r := run(t, "", args...)
		if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "add --yes") ||
			!strings.Contains(r.stderr, "would remove the messages added before") || !strings.Contains(r.stderr, "every group is done with") {
			t.Fatalf("%v: %+v, want a one-line error saying what would go and to add --yes", args, r)
		}
	}
	if r := run(t, "", "trim", "--dead-before", "90d"); r.code != 1 || !strings.Contains(r.stderr, "dead letters from before") ||
		strings.Contains(r.stderr, "messages added") || !strings.Contains(r.stderr, "(90d ago)") {
		t.Fatalf("trim --dead-before: %+v", r)
	}
}

func TestTrimRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"trim", "--yes"},
		{"trim", "--before", "soon", "--yes"},
		{"trim", "--before", "-5d", "--yes"},
		{"trim", "--before", "30d", "--dead-before", "3 weeks", "--yes"},
	} {
		r := run(t, "", args...)
		if r.code != 1 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Fatalf("%v: %+v, want a one-line user error", args, r)
		}
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "720h": 720 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "0d": 0,
	} {
		if got, err := parseAge(in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "30", "-1h", "30d-1h", "2026-01-02", "1w"} {
		if got, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) = %v, want an error", in, got)
		}
	}
}

// The JSON reply, dry run and for real; only the acked old message goes.
func TestTrimJSON(t *testing.T) {
	oldStream(t)
	r := run(t, "", "trim", "--before", "30d", "--dry-run", "--json")
	if want := `{"removed":1,"kept":{"undelivered":1,"pending":1,"released":0,"waiting":0},"dryRun":true}` + "\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("dry run: %+v, want %s", r, want)
	}
	r = run(t, "", "trim", "--before", "30d", "--yes", "--json")
	if want := `{"removed":1,"kept":{"undelivered":1,"pending":1,"released":0,"waiting":0}}` + "\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("trim: %+v, want %s", r, want)
	}
	if n, err := raw(t, "XLEN", stream(t)).AsInt64(); err != nil || n != 2 {
		t.Fatalf("XLEN %d %v, want the held and the new one", n, err)
	}
	r = run(t, "", "trim", "--before", "30d", "--dead-before", "90d", "--yes", "--json")
	if want := `{"removed":0,"kept":{"undelivered":1,"pending":1,"released":0,"waiting":0},"deadRemoved":0}` + "\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("trim again: %+v, want %s", r, want)
	}
}

func TestTrimHuman(t *testing.T) {
	c := oldStream(t)
	if _, err := c.Reject(context.Background(), mustHeld(t, c), "spam"); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "trim", "--before", "30d", "--dead-before", time.Now().Add(time.Minute).Format("2006-01-02 15:04"), "--yes")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 ||
		!regexp.MustCompile(`^removed 2 messages added before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(30d ago\), with their outcome records$`).MatchString(lines[0]) ||
		lines[1] != "kept 1 message older: 1 not yet delivered to every group" ||
		!regexp.MustCompile(`^removed 1 dead letter from before \d{4}-\d\d-\d\d \d\d:\d\d:00 \S+$`).MatchString(lines[2]) {
		t.Fatalf("trim: %+v", r)
	}
}

// mustHeld is the ID of the oldest message c holds.
func mustHeld(t *testing.T, c *queue.Client) string {
	t.Helper()
	p, err := c.PendingPage(context.Background(), queue.PendingQuery{Count: 1})
	if err != nil || len(p.Entries) == 0 {
		t.Fatalf("pending: %+v %v", p, err)
	}
	return p.Entries[0].ID
}

// stats says how many messages were trimmed before the group read them;
// the embedded server and servers that cannot tell say unknown.
func TestStatsTrimmedUnread(t *testing.T) {
	c := client(t, "alice")
	if err := c.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	oldMessages(t, time.Now().Add(-time.Hour), 5)
	if r := run(t, "", "stats", "--json"); decode(t, r.stdout)["trimmedUnread"] != nil {
		t.Fatalf("stats before any read: %s, want trimmedUnread null (the server has no read count yet)", r.stdout)
	}
	for range 2 {
		if r := run(t, "", "claim", "--json"); r.code != 0 {
			t.Fatalf("claim: %+v", r)
		}
	}
	if err := raw(t, "XTRIM", stream(t), "MAXLEN", "1").Error(); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "stats", "--json")
	if st := decode(t, r.stdout); st["trimmedUnread"] != float64(2) {
		t.Fatalf("stats: %s, want trimmedUnread 2", r.stdout)
	}
	r = run(t, "", "stats")
	if !strings.Contains(r.stdout, "lost unread   2 entries trimmed before the group read them\n") {
		t.Fatalf("stats:\n%s", r.stdout)
	}
}

// A desk with --retention trims at once, logs what it removed, and leaves
// the held message.
func TestServeRetention(t *testing.T) {
	oldStream(t)
	d := startServe(t, stream(t), "--ssh", "127.0.0.1:0", "--allow-anonymous", "--host-key", filepath.Join(t.TempDir(), "host"),
		"--retention", "30d", "--dead-retention", "90d")
	stderr := d.stderr
	waitUntil(t, "the desk's retention to run", func() bool { return strings.Contains(stderr.String(), "retention: trimmed") })
	log := stderr.String()
	for _, want := range []string{"retention on: trimming every 5m", "messagesOlderThan=30d", "deadLettersOlderThan=90d",
		"removed=1 ", "keptUndelivered=1 keptPending=1"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the log lacks %q:\n%s", want, log)
		}
	}
	if n, err := raw(t, "XLEN", stream(t)).AsInt64(); err != nil || n != 2 {
		t.Fatalf("XLEN %d %v, want the held and the new one", n, err)
	}
	d.stop(t)
	if r := run(t, "", "serve", "--allow-anonymous", "--retention", "soon"); r.code != 1 || !strings.Contains(r.stderr, "--retention soon") {
		t.Fatalf("serve --retention soon: %+v", r)
	}
}

// Of two desks, the one without the lock leaves the trim to the other.
func TestRetentionOneDeskAtATime(t *testing.T) {
	c := oldStream(t)
	var log lockedBuffer
	r := &retention{client: c, messages: 30 * 24 * time.Hour, every: time.Hour, lockTTL: time.Minute,
		holder: "desk-b", timeout: 5 * time.Second, log: slog.New(slog.NewTextHandler(&log, nil)), now: time.Now}
	other, _, err := c.LockTrim(context.Background(), "desk-a", time.Minute)
	if err != nil || other == nil {
		t.Fatalf("desk a's lock: %v %v", other, err)
	}
	r.once(context.Background())
	if !strings.Contains(log.String(), "another desk is trimming") || !strings.Contains(log.String(), "holder=desk-a") {
		t.Fatalf("desk b's log:\n%s", log.String())
	}
	if n, err := raw(t, "XLEN", stream(t)).AsInt64(); err != nil || n != 3 {
		t.Fatalf("XLEN %d %v: desk b trimmed without the lock", n, err)
	}
	if err := other.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.once(context.Background())
	if !strings.Contains(log.String(), "retention: trimmed") {
		t.Fatalf("desk b's log:\n%s", log.String())
	}
	// It released the lock after its run.
	if l, _, err := c.LockTrim(context.Background(), "desk-a", time.Minute); err != nil || l == nil {
		t.Fatalf("desk a after b's run: %v %v", l, err)
	}
}
