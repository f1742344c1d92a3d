package termtext

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
)

func contact(name, msg string) *queue.Entry {
	return &queue.Entry{ID: "1795426200000-0", Fields: []queue.Field{
		{Name: "name", Value: name}, {Name: "email", Value: "a@example.com"},
		{Name: "message", Value: msg}, {Name: "timestamp", Value: "2026-11-23T09:30:00.000Z"},
	}}
}

func TestPreview(t *testing.T) {
	for _, tt := range []struct {
		e     *queue.Entry
		width int
		want  string
	}{
		{nil, 40, "(deleted from the stream)"},
		{contact("Ann", "hello\n\n  there"), 40, "Ann: hello there"},
		{contact("Ann", "a long message that is cut"), 12, "Ann: a long…"},
		{contact("Eve\x1b]0;x\x07", "hi\x1b[2J"), 40, "⚠ Eve: hi"},
		{&queue.Entry{ID: "1-0", Fields: []queue.Field{{Name: "k", Value: "v"}}}, 40, "k=v"},
	} {
		if got := Preview(tt.e, tt.width); got != tt.want {
			t.Errorf("Preview = %q, want %q", got, tt.want)
		}
	}
}

func TestTampered(t *testing.T) {
	if Tampered(*contact("Ann", "hello\r\nthere\tfriend")) {
		t.Fatal("an ordinary message is marked")
	}
	if !Tampered(*contact("Ann", "hello\x1b[31m")) || !Tampered(*contact("A\u202enn", "x")) {
		t.Fatal("a hostile message is not marked")
	}
}

func TestLine(t *testing.T) {
	if got := Line(" a \n\t b\x1b[1m c ", 10); got != "a b c" {
		t.Fatalf("Line = %q", got)
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 45 * time.Second: "45s", 3*time.Minute + 12*time.Second: "3m12s",
		2*time.Hour + 5*time.Minute: "2h05m", 72 * time.Hour: "3d",
	} {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTimeInTheViewersZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	if got := Time(at, paris); got != "2026-11-23 10:30:00 CET" {
		t.Fatalf("Time = %q", got)
	}
	if got := Time(at, time.UTC); got != "2026-11-23 09:30:00 UTC" {
		t.Fatalf("Time = %q", got)
	}
	if Time(time.Time{}, paris) != "" {
		t.Fatal("the zero time is written")
	}
	if got := Timestamp("2026-11-23T09:30:00.000Z", paris); got != "2026-11-23 10:30:00 CET" {
		t.Fatalf("Timestamp = %q", got)
	}
	if got := Timestamp("yesterday\x1b[1m", paris); got != "yesterday" {
		t.Fatalf("Timestamp of a non-time = %q", got)
	}
}

// A time typed without a zone is the viewer's, as the screen shows them;
// one with a zone keeps it.
func TestParseTimeInTheViewersZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	got, err := ParseTime("2026-11-23 10:30", paris)
	if err != nil || !got.Equal(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)) {
		t.Fatalf("ParseTime = %v, %v", got, err)
	}
	got, err = ParseTime("2026-11-23T10:30:00Z", paris)
	if err != nil || !got.Equal(time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("ParseTime with a zone = %v, %v", got, err)
	}
	if _, err := ParseTime("tomorrow", paris); err == nil || !strings.Contains(err.Error(), "not a time") {
		t.Fatalf("ParseTime(tomorrow) = %v", err)
	}
}

// Truncate and Width's short cuts give what measuring every grapheme
// cluster gives.
func TestTruncateShortCuts(t *testing.T) {
	lines := []string{"", "a", "ab", "abc", "hello world", strings.Repeat("x", 300),
		"abc日本語", "日本語abc", "ab⚠ cd", "e\u0301t\u00e9", "abcde\u0301", "abcd🧑‍🚀x", "👍🏽 fine", "tab\there"}
	for _, s := range lines {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
		for w := range len(s) + 3 {
			want := ""
			if w > 0 {
				want = s
				if ansi.StringWidth(s) > w {
					want = ansi.Truncate(s, w, "…")
				}
			}
			if got := Truncate(s, w); got != want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", s, w, got, want)
			}
		}
	}
}
