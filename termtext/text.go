package termtext

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
)

// Truncate cuts s, an already sanitised single line, to at most width
// terminal cells, ending it with "…" when something was cut. Width is
// measured per grapheme cluster, so wide characters, emoji sequences and
// combining marks are never split.
//
// A line no longer in bytes than width fits (no character is wider than
// its bytes), and one whose first width+1 bytes are printable ASCII is cut
// there without measuring the rest: the desk's table cuts each row's 1 KiB
// preview at every redraw, and measuring it by grapheme cluster was a fifth
// of a screen key's CPU.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if len(s) <= width {
		return s
	}
	if asciiPrefix(s, width+1) { // one cell too many, and none joins the cut
		return s[:width-1] + "…"
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// Width is the terminal cells an already sanitised line takes: its length
// when it is printable ASCII, else measured per grapheme cluster.
func Width(s string) int {
	if asciiPrefix(s, len(s)) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// asciiPrefix says whether the first n bytes of s are printable ASCII
// (each one cell wide, none joining its neighbour into one character).
func asciiPrefix(s string, n int) bool {
	for i := range min(n, len(s)) {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Line is untrusted text as one cell: sanitised, runs of white space
// collapsed to one space, cut to width.
func Line(s string, width int) string {
	return Truncate(strings.Join(strings.Fields(SanitizeLine(s)), " "), width)
}

// Warning marks content the sanitiser had to change, so a reviewer knows
// the sender tried something.
const Warning = "⚠ control sequences removed"

// warningMark is Warning's sign, put before a one-line preview.
const warningMark = "⚠ "

// Preview is an entry's one-line summary, sanitised and cut to width: the
// sender's name and message for a contact message, else its first field.
// It starts with ⚠ when the sanitiser took something out.
func Preview(e *queue.Entry, width int) string {
	if e == nil {
		return "(deleted from the stream)"
	}
	p := e.Preview()
	if e.IsContact() {
		p = e.Name() + ": " + p
	}
	line, removed := SanitizeLineReport(p)
	line = strings.Join(strings.Fields(line), " ")
	if removed {
		line = warningMark + line
	}
	return Truncate(line, width)
}

// Tampered reports whether any of the entry's fields holds something the
// sanitiser removes.
func Tampered(e queue.Entry) bool {
	for _, f := range e.Fields {
		if _, removed := SanitizeReport(f.Name); removed {
			return true
		}
		if _, removed := SanitizeReport(f.Value); removed {
			return true
		}
	}
	return false
}

// Ago writes a duration the way a reviewer reads it: 45s, 3m12s, 2h05m, 3d.
func Ago(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// TimeLayout is the one way a time is written for people, on every screen
// and in the command line's human output; JSON keeps the web example's
// UTC form (queue.FormatTimestamp).
const TimeLayout = "2006-01-02 15:04:05 MST"

// Time writes t in loc (the viewer's zone; nil is the local one) with
// TimeLayout; the zero time is "".
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format(TimeLayout)
}

// Timestamp writes a stored timestamp field (the web example's
// toISOString form) in loc; a value that is not a time is returned
// sanitised, as it is.
func Timestamp(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return SanitizeLine(s)
	}
	return Time(t, loc)
}

// ParseTime reads a time a person typed, in the forms queue.ParseTime
// knows. One without a zone is read in loc (nil: the local zone), the zone
// the times on screen are written in, so what a reviewer reads is what
// they can type back.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	t, err := queue.ParseTime(s)
	if err != nil {
		return t, err
	}
	if _, zoned := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); zoned == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.Local
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), nil
}
