// Package termtext holds the text helpers shared by the console and the
// command line: the one sanitiser every piece of stream content passes
// before it reaches a terminal, truncation by display cells, one-line
// previews, durations and the one way times are written.
package termtext

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Stream content comes from a public web form: anyone can put terminal
// escape sequences, control characters or bidi overrides in a message.
// Everything read from the stream passes Sanitize or SanitizeLine before it
// is drawn, in the console and in the command line's human output.

// tabWidth is the distance between tab stops when Sanitize expands tabs.
const tabWidth = 4

// Sanitize makes untrusted multi-line text safe to draw in a terminal.
//
//   - invalid UTF-8 becomes U+FFFD;
//   - every escape sequence is removed whole: CSI, OSC (ended by BEL or ST,
//     or running to the end of s when unterminated), DCS/SOS/PM/APC (ended by
//     ST), ESC-intermediate-final sequences, a lone ESC, and the 8-bit C1
//     forms of all of them (U+009B, U+009D, U+0090…);
//   - \r\n and a lone \r become \n, as do U+2028 and U+2029;
//   - every other control character is dropped (C0 but \n and \t, DEL,
//     C1), as are the bidi controls (Trojan Source) and invisible format
//     characters that can hide text; ZWJ and ZWNJ, combining marks and wide
//     characters are kept;
//   - tabs are expanded to spaces at 4-cell stops, measured in display
//     cells from the start of the line.
//
// The result holds no rune below U+0020 but \n, no DEL or C1, and
// Sanitize(Sanitize(s)) == Sanitize(s).
func Sanitize(s string) string {
	out, _ := sanitize(s, false)
	return out
}

// SanitizeLine is Sanitize for a one-line cell: every line break and tab
// becomes a single space (runs of white space are kept as they are).
func SanitizeLine(s string) string {
	out, _ := sanitize(s, true)
	return out
}

// SanitizeReport is Sanitize that also reports whether anything hostile
// was taken out: an escape sequence, a control or invisible character, a
// lone carriage return or invalid UTF-8. Line endings (\r\n), tabs and
// line separators are normal text and do not count, so a reviewer can be
// told when a message was tampered with and not when it came from Windows.
func SanitizeReport(s string) (out string, removed bool) { return sanitize(s, false) }

// SanitizeLineReport is SanitizeLine with the same report.
func SanitizeLineReport(s string) (out string, removed bool) { return sanitize(s, true) }

const (
	esc = 0x1b
	bel = 0x07
)

// plain reports whether s needs no work: printable ASCII only (plus \n when
// line breaks are allowed).
func plain(s string, oneLine bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if c == '\n' && !oneLine {
			continue
		}
		return false
	}
	return true
}

func sanitize(s string, oneLine bool) (string, bool) {
	if plain(s, oneLine) {
		return s, false
	}
	removed := false
	if !utf8.ValidString(s) {
		s, removed = strings.ToValidUTF8(s, "\uFFFD"), true
	}
	newline, tab := "\n", "\t"
	if oneLine {
		newline, tab = " ", " "
	}

	var b strings.Builder
	b.Grow(len(s))
	tabs := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := i + size
		switch {
		case r == esc:
			next, removed = skipEscape(s, next), true
		case r == 0x9b: // C1 CSI
			next, removed = skipCSI(s, next), true
		case r == 0x9d: // C1 OSC
			next, removed = skipString(s, next, true), true
		case r == 0x90, r == 0x98, r == 0x9e, r == 0x9f: // C1 DCS, SOS, PM, APC
			next, removed = skipString(s, next, false), true
		case r == '\r':
			if next < len(s) && s[next] == '\n' {
				next++
			} else {
				removed = true // a lone CR overwrites the line it is on
			}
			b.WriteString(newline)
		case r == '\n', r == '\u2028', r == '\u2029':
			b.WriteString(newline)
		case r == '\t':
			b.WriteString(tab)
			tabs = true
		case r < 0x20, r >= 0x7f && r <= 0x9f, invisible(r):
			removed = true
		default:
			b.WriteString(s[i:next])
		}
		i = next
	}
	out := b.String()
	if tabs && !oneLine {
		out = expandTabs(out)
	}
	return out, removed
}

// skipEscape returns the index just past the escape sequence whose ESC ended
// at i. A lone ESC (followed by nothing, a control or a non-ASCII rune) is
// dropped and what follows it is read again.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']':
		return skipString(s, i+1, true)
	case c == 'P', c == 'X', c == '^', c == '_':
		return skipString(s, i+1, false)
	case c >= 0x20 && c <= 0x2f: // intermediates, then one final byte
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
			j++
		}
		if j < len(s) && s[j] >= 0x30 && s[j] <= 0x7e {
			j++
		}
		return j
	case c >= 0x30 && c <= 0x7e: // two-byte sequence: ESC 7, ESC c, ESC =…
		return i + 1
	}
	return i
}

// skipCSI returns the index past a control sequence whose introducer ended
// at i: parameter and intermediate bytes, then a final byte. Anything else
// (a control, ESC, a non-ASCII rune) ends the sequence early and is read
// again; an unfinished sequence runs to the end of s.
func skipCSI(s string, i int) int {
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c > 0x3f {
			return i
		}
	}
	return i
}

// skipString returns the index past a control string (OSC, DCS, SOS, PM,
// APC) whose introducer ended at i. It ends at ST (ESC \ or U+009C), at BEL
// for OSC, or at the end of s when unterminated. Another ESC ends it too
// and starts a new sequence.
func skipString(s string, i int, osc bool) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case bel:
			if osc {
				return i + 1
			}
		case esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xc2: // UTF-8 lead byte of U+009C ST
			if i+1 < len(s) && s[i+1] == 0x9c {
				return i + 2
			}
		}
	}
	return i
}

// invisible reports format characters that draw nothing but can reorder or
// hide text: bidi controls, zero-width spaces and joiners other than
// ZWJ/ZWNJ, BOM, soft hyphen, invisible operators and tag characters.
func invisible(r rune) bool {
	switch {
	case r == 0x00ad, // soft hyphen
		r == 0x061c,              // Arabic letter mark
		r == 0x180e,              // Mongolian vowel separator
		r == 0x200b,              // zero-width space
		r == 0x200e, r == 0x200f, // LRM, RLM
		r >= 0x202a && r <= 0x202e,   // LRE RLE PDF LRO RLO
		r >= 0x2060 && r <= 0x2064,   // word joiner, invisible operators
		r >= 0x2066 && r <= 0x206f,   // LRI RLI FSI PDI, deprecated format chars
		r == 0xfeff,                  // BOM / zero-width no-break space
		r >= 0xfff9 && r <= 0xfffb,   // interlinear annotation
		r >= 0xe0000 && r <= 0xe007f: // tag characters ("ASCII smuggling")
		return true
	}
	return false
}

// expandTabs replaces each tab with spaces up to the next tab stop, counting
// display cells from the start of its line. Graphemes never span a tab, so
// the widths of the pieces between tabs add up.
func expandTabs(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	col := 0
	for len(s) > 0 {
		j := strings.IndexAny(s, "\t\n")
		if j < 0 {
			b.WriteString(s)
			break
		}
		seg := s[:j]
		b.WriteString(seg)
		if s[j] == '\n' {
			b.WriteByte('\n')
			col = 0
		} else {
			col += ansi.StringWidth(seg)
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
		}
		s = s[j+1:]
	}
	return b.String()
}
