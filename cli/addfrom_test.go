package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/progress"

	"github.com/reviewq/reviewq/queue"
)

func contactLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"name":"Ada","email":"ada@example.org","message":"bulk %06d"}`, i)
	}
	return lines
}

// A bulk add keeps the file's order in the stream and in its JSON lines.
func TestBulkAddKeepsOrder(t *testing.T) {
	const n = 5_000 // several pipelined batches
	lines := contactLines(n)
	// Lines the plain reader hands to encoding/json: escapes, other key
	// case, white space; and blank lines, which are skipped.
	lines[10] = `{"Name":"Ada \"Countess\" Lovelace","email":"ada@example.org","message":"caf\u00e9\nbulk 000010"}`
	lines[11] = ` { "message" : "bulk 000011" , "email":"ada@example.org", "name":"Ada" } `
	file := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "add", "--from", file, "--json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("bulk add: code %d, stderr %q", r.code, r.stderr)
	}
	out := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(out) != n {
		t.Fatalf("%d JSON lines, want %d", len(out), n)
	}
	ids := make([]string, n)
	for i, l := range out {
		var a map[string]string
		if err := json.Unmarshal([]byte(l), &a); err != nil || len(a) != 2 || a["timestamp"] == "" {
			t.Fatalf("line %d: %q %v", i, l, err)
		}
		ids[i] = a["streamMessageId"]
	}
	c := client(t, "alice")
	page, err := c.StreamPage(context.Background(), queue.StreamQuery{Forward: true, Count: n})
	if err != nil || len(page.Entries) != n {
		t.Fatalf("stream: %d %v", len(page.Entries), err)
	}
	for i, e := range page.Entries {
		if e.ID != ids[i] {
			t.Fatalf("entry %d is %s in the stream, %s in the output", i, e.ID, ids[i])
		}
		want := fmt.Sprintf("bulk %06d", i)
		if i == 10 {
			want = "café\nbulk 000010"
		}
		if e.Message() != want || !e.IsContact() {
			t.Fatalf("entry %d: %+v, want message %q", i, e.Fields, want)
		}
	}
	if page.Entries[10].Name() != `Ada "Countess" Lovelace` {
		t.Fatalf("escaped name %q", page.Entries[10].Name())
	}
}

// One bad line anywhere, even the last of many, adds nothing; so does a
// line with more after its object.
func TestBulkAddWithABadLineAddsNothing(t *testing.T) {
	for name, bad := range map[string]string{
		"invalid email": `{"name":"Ada","email":"nope","message":"m"}`,
		"unknown field": `{"name":"Ada","email":"ada@example.org","message":"m","x":1}`,
		"two objects":   `{"name":"Ada","email":"ada@example.org","message":"m"} {"name":"Bo"}`,
		"not an object": `["Ada","ada@example.org","m"]`,
	} {
		t.Run(strings.ReplaceAll(name, " ", "-"), func(t *testing.T) {
			lines := append(contactLines(3_000), bad)
			r := run(t, strings.Join(lines, "\n"), "add", "--from", "-")
			if r.code != 1 || !strings.Contains(r.stderr, "line 3001:") || !strings.Contains(r.stderr, "nothing was added") {
				t.Fatalf("%+v", r)
			}
			st, err := client(t, "alice").Stats(context.Background())
			if err == nil && st.Length != 0 {
				t.Fatalf("%d entries added", st.Length)
			}
		})
	}
}

// The plain reader agrees with encoding/json on every line it accepts.
func FuzzPlainContact(f *testing.F) {
	for _, s := range []string{
		`{"name":"Ada","email":"ada@example.org","message":"hi"}`,
		` {"message":"a","message":"b"} `,
		`{"name":"é"}`, `{"name":"\u00e9"}`, `{"NAME":"x"}`, `{}`, `{"name":1}`,
		`{"name":"a",}`, `{"name":"a"}x`, "{\"name\":\"a\xff\"}", `{"name":"a"} {"name":"b"}`,
		`{"name":"Ada","idempotencyKey":"k-1"}`, `{"idempotencykey":"k"}`, `{"name":"Ada","notBefore":"2026-11-24T09:00:00Z"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := plainContact(s)
		if !ok {
			return
		}
		want, err := jsonContactLine(s)
		if err != nil {
			t.Fatalf("plain reader took %q, encoding/json says %v", s, err)
		}
		if c != want {
			t.Fatalf("%q: plain %+v, encoding/json %+v", s, c, want)
		}
	})
}

// No bar when stderr is not a terminal (tests, pipes); on one it ends at
// 100%.
func TestProgressBar(t *testing.T) {
	a := &app{stderr: &bytes.Buffer{}}
	if p := a.newProgressBar(1_000_000); p.w != nil {
		t.Fatal("a progress bar on a pipe")
	}
	var buf bytes.Buffer
	p := &progressBar{w: &buf, bar: progress.New(progress.WithWidth(20)), total: 10_000, last: -1}
	for done := 2_000; done <= 10_000; done += 2_000 {
		p.show(done)
	}
	p.finish()
	if out := buf.String(); !strings.Contains(out, "100%") || !strings.Contains(out, "10,000/10,000") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("bar output %q", out)
	}
}

// Spread over workers, lines keep their numbers and their order.
func TestParseContactLinesInChunks(t *testing.T) {
	lines := contactLines(20_000)
	text := strings.Join(lines, "\r\n") + "\n"
	for _, workers := range []int{1, 3, 7} {
		msgs, problems := parseContactLines(text, workers)
		if len(problems) != 0 || len(msgs) != len(lines) {
			t.Fatalf("%d workers: %d messages, problems %v", workers, len(msgs), problems)
		}
		for i, m := range msgs {
			if want := fmt.Sprintf("bulk %06d", i); m.Message != want || m.Name != "Ada" {
				t.Fatalf("%d workers: message %d is %+v, want %q", workers, i, m, want)
			}
		}
	}
	// Blank lines here and there, in every part: the parts close up.
	var blanks []string
	for i, l := range lines {
		blanks = append(blanks, l)
		if i%997 == 0 || i > 19_990 {
			blanks = append(blanks, "", "  ")
		}
	}
	for _, workers := range []int{1, 3, 7} {
		msgs, problems := parseContactLines("\n"+strings.Join(blanks, "\n")+"\n\n", workers)
		if len(problems) != 0 || len(msgs) != len(lines) || cap(msgs) != len(lines) {
			t.Fatalf("%d workers, blank lines: %d messages, problems %v", workers, len(msgs), problems)
		}
		for i, m := range msgs {
			if want := fmt.Sprintf("bulk %06d", i); m.Message != want {
				t.Fatalf("%d workers, blank lines: message %d is %q, want %q", workers, i, m.Message, want)
			}
		}
	}
	bad := append([]string{}, lines...)
	for _, i := range []int{0, 6_666, 6_667, 13_333, 19_999} {
		bad[i] = `{"name":"Ada","email":"x","message":"m"}`
	}
	bad[100] = "" // blank lines are skipped but still counted
	for _, workers := range []int{1, 3, 7} {
		msgs, problems := parseContactLines(strings.Join(bad, "\n"), workers)
		var got []string
		for _, p := range problems {
			got = append(got, strings.SplitN(p, ":", 2)[0])
		}
		want := []string{"line 1", "line 6667", "line 6668", "line 13334", "line 20000"}
		if msgs != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%d workers: problems at %v, want %v (and no messages: %d)", workers, got, want, len(msgs))
		}
	}
}
