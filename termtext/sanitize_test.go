package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

var sanitizeTests = []struct {
	name, in, want string
}{
	{"plain", "hello, world", "hello, world"},
	{"empty", "", ""},
	{"newlines kept", "a\nb\n\nc", "a\nb\n\nc"},
	{"OSC 8 hyperlink BEL", "see \x1b]8;;https://evil.example\x07here\x1b]8;;\x07 now", "see here now"},
	{"OSC 8 hyperlink ST", "see \x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ now", "see here now"},
	{"OSC 52 clipboard", "x\x1b]52;c;aGVsbG8=\x07y", "xy"},
	{"OSC title", "\x1b]0;pwned\x07text", "text"},
	{"OSC title ST", "\x1b]2;pwned\x1b\\text", "text"},
	{"OSC unterminated", "ok\x1b]0;title to the end\nmore", "ok"},
	{"OSC ended by other ESC", "a\x1b]0;t\x1b[31mb", "ab"},
	{"CSI clear + home", "\x1b[2J\x1b[Hclean", "clean"},
	{"CSI cursor moves", "a\x1b[10A\x1b[5;5Hb\x1b[Kc\x1b[?25l", "abc"},
	{"CSI private + intermediate", "a\x1b[?1049h\x1b[1 qb", "ab"},
	{"CSI unterminated", "a\x1b[12;3", "a"},
	{"CSI broken by newline", "a\x1b[12\nb", "a\nb"},
	{"CSI broken by non-ASCII", "a\x1b[1é", "aé"},
	{"SGR colors", "\x1b[31mred\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[m", "red rgb"},
	{"DCS", "a\x1bPq#0;2;0;0;0#1!7~\x1b\\b", "ab"},
	{"DCS unterminated", "a\x1bP1$r", "a"},
	{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
	{"APC not ended by BEL", "a\x1b_x\x07b", "a"},
	{"SOS PM", "a\x1bXsos\x1b\\b\x1b^pm\x1b\\c", "abc"},
	{"lone ESC at end", "abc\x1b", "abc"},
	{"ESC ESC", "a\x1b\x1b[1mb", "ab"},
	{"ESC random char", "a\x1bxb", "ab"},
	{"ESC 7 / ESC 8", "a\x1b7b\x1b8c", "abc"},
	{"ESC charset", "a\x1b(0b\x1b)Bc", "abc"},
	{"ESC then newline", "a\x1b\nb", "a\nb"},
	{"ESC then non-ASCII", "a\x1b日b", "a日b"},
	{"C1 CSI", "a\u009b31mred\u009b0m", "ared"},
	{"C1 OSC", "a\u009d0;title\u009cb", "ab"},
	{"C1 OSC BEL", "a\u009d52;c;aGk=\x07b", "ab"},
	{"C1 DCS", "a\u0090q\u009cb", "ab"},
	{"C1 APC unterminated", "a\u009fxyz", "a"},
	{"C1 other", "a\u0085b\u009cc\u0080d", "abcd"},
	{"NUL BEL BS", "a\x00b\x07c\x08d", "abcd"},
	{"other C0", "a\x01\x0b\x0c\x0e\x1a\x1fb", "ab"},
	{"DEL", "a\x7fb", "ab"},
	{"CR overwrite", "safe\rEVIL", "safe\nEVIL"},
	{"CRLF", "a\r\nb\r\n", "a\nb\n"},
	{"CR CR LF", "a\r\r\nb", "a\n\nb"},
	{"backspace overwrite", "rm -rf /\x08\x08\x08\x08ls  ", "rm -rf /ls  "},
	{"line separators", "a\u2028b\u2029c", "a\nb\nc"},
	{"bidi override", "admin\u202e\u2066txt.exe\u2069", "admintxt.exe"},
	{"all bidi", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061cx", "x"},
	{"zero width", "a\u200bb\u2060c\ufeffd\u00ade\u180ef", "abcdef"},
	{"tags", "a\U000E0001\U000E0041\U000E007Fb", "ab"},
	{"ZWJ ZWNJ kept", "👩\u200d💻 \u0645\u200c\u06cc", "👩\u200d💻 \u0645\u200c\u06cc"},
	{"wide", "日本語", "日本語"},
	{"combining", "e\u0301 cafe\u0301", "e\u0301 cafe\u0301"},
	{"invalid UTF-8", "a\xffb\xc3(c\x9b31m", "a\ufffdb\ufffd(c\ufffd31m"},
	{"tab at start", "\tx", "    x"},
	{"tab mid", "ab\tc", "ab  c"},
	{"tab on stop", "abcd\te", "abcd    e"},
	{"two tabs", "a\t\tb", "a       b"},
	{"tab after wide", "日\tx", "日  x"},
	{"tab after combining", "e\u0301\tx", "e\u0301   x"},
	{"tab after emoji ZWJ", "👩\u200d💻\tx", "👩\u200d💻  x"},
	{"tab per line", "abc\tx\na\ty", "abc x\na   y"},
	{"tab after dropped escape", "\x1b[31mab\x1b[0m\tc", "ab  c"},
}

func TestSanitize(t *testing.T) {
	for _, tt := range sanitizeTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got, false)
		})
	}
}

// The report says when something hostile was taken out, and only then:
// Windows line endings, tabs and line separators are ordinary text.
func TestSanitizeReport(t *testing.T) {
	clean := []string{"", "plain", "a\r\nb\r\n", "a\tb", "a\u2028b", "日本語 👩\u200d💻 e\u0301", "\u0645\u200c\u06cc"}
	for _, in := range clean {
		if out, removed := SanitizeReport(in); removed || out != Sanitize(in) {
			t.Errorf("SanitizeReport(%q) = %q, %v: want nothing reported", in, out, removed)
		}
		if _, removed := SanitizeLineReport(in); removed {
			t.Errorf("SanitizeLineReport(%q) reported a removal", in)
		}
	}
	hostile := []string{"a\x1b[31mb", "\x1b]0;t\x07", "a\x00b", "a\x7f", "safe\rEVIL", "a\u202eb", "a\u200bb", "a\xffb", "a\u009b1m", "\x1b"}
	for _, in := range hostile {
		if out, removed := SanitizeReport(in); !removed || out != Sanitize(in) {
			t.Errorf("SanitizeReport(%q) = %q, %v: want a removal reported", in, out, removed)
		}
		if _, removed := SanitizeLineReport(in); !removed {
			t.Errorf("SanitizeLineReport(%q) reported nothing", in)
		}
	}
}

func TestSanitizeLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb", "a b"},
		{"a\r\nb", "a b"},
		{"a\rb", "a b"},
		{"a\tb", "a b"},
		{"a \t\n b", "a    b"},
		{"a\u2028b", "a b"},
		{"\x1b[31mred\x1b[0m\x1b]0;t\x07", "red"},
		{"日本語 👩\u200d💻", "日本語 👩\u200d💻"},
	}
	for _, tt := range tests {
		got := SanitizeLine(tt.in)
		if got != tt.want {
			t.Errorf("SanitizeLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkSafe(t, tt.in, got, true)
	}
	for _, tt := range sanitizeTests {
		checkSafe(t, tt.in, SanitizeLine(tt.in), true)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"", 3, ""},
		{"日本語", 6, "日本語"},
		{"日本語", 5, "日本…"},
		{"日本語", 4, "日…"}, // never half a wide character
		{"日本語", 2, "…"},
		{"ab日本", 4, "ab…"},
		{"👩\u200d💻👩\u200d💻x", 5, "👩\u200d💻👩\u200d💻x"},
		{"👩\u200d💻👩\u200d💻xy", 5, "👩\u200d💻👩\u200d💻…"},
		{"👩\u200d💻👩\u200d💻xy", 4, "👩\u200d💻…"},
		{"e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"},
		{"e\u0301e\u0301e\u0301", 2, "e\u0301…"},
		{"🇯🇵🇯🇵", 3, "🇯🇵…"},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if tt.width >= 0 && ansi.StringWidth(got) > tt.width {
			t.Errorf("Truncate(%q, %d) = %q is %d cells wide", tt.in, tt.width, got, ansi.StringWidth(got))
		}
	}
}

// checkSafe asserts the invariants every sanitised string holds.
func checkSafe(t *testing.T, in, out string, oneLine bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("sanitize(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		bad := false
		switch {
		case r == '\n':
			bad = oneLine
		case r < 0x20, r >= 0x7f && r <= 0x9f, invisible(r), r == '\u2028', r == '\u2029':
			bad = true
		}
		if bad {
			t.Fatalf("sanitize(%q) = %q: holds %U", in, out, r)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, tt := range sanitizeTests {
		f.Add(tt.in)
	}
	f.Add("\x1b]8;;\x1b\\\x1b[\x9b\u009b\r\t\u202e\x00")
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		checkSafe(t, in, out, false)
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: Sanitize(%q) = %q, again %q", in, out, again)
		}
		line := SanitizeLine(in)
		checkSafe(t, in, line, true)
		if again := SanitizeLine(line); again != line {
			t.Fatalf("SanitizeLine not idempotent: %q → %q → %q", in, line, again)
		}
		// Nothing reported removed means nothing but white space changed.
		if _, removed := SanitizeReport(in); !removed {
			if squash(in) != squash(out) {
				t.Fatalf("SanitizeReport(%q) reported nothing, but %q lost text", in, out)
			}
		}
		for _, w := range []int{0, 1, 5, 20} {
			if tr := Truncate(line, w); ansi.StringWidth(tr) > w || !utf8.ValidString(tr) {
				t.Fatalf("Truncate(%q, %d) = %q (%d cells)", line, w, tr, ansi.StringWidth(tr))
			}
		}
	})
}

// squash drops the white space the sanitiser may rewrite without reporting.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\u2028', '\u2029':
			return -1
		}
		return r
	}, s)
}

func BenchmarkSanitize(b *testing.B) {
	var sb strings.Builder
	chunk := "Hello, I would like to ask about my order \x1b[31m#1234\x1b[0m.\tThanks!\n" +
		"日本語のテキストと絵文字 👩\u200d💻 e\u0301\r\n"
	for sb.Len() < 10<<10 {
		sb.WriteString(chunk)
	}
	sb.WriteString("\x1b]8;;https://example.com\x07link\x1b]8;;\x07")
	msg := sb.String()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		Sanitize(msg)
	}
}
