package main

import (
	"fmt"
	"html"
	"image/color"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// A capture (tmux capture-pane -e -p -N) becomes a page that Chromium
// draws as the terminal did: every cell a box of its own, cellW × cellH
// pixels, so a glyph another font has to supply (Japanese, a symbol)
// cannot push the rest of the line off the grid.

const (
	cellW, cellH = 10, 20
	// fontSize makes DejaVu Sans Mono's advance (1233/2048 em) one cell.
	fontSize = 16.6
	// boxScale stretches block and box-drawing glyphs (ascent + descent,
	// 2384/2048 em) to the cell's height, so that bars and rules join
	// from line to line as in a terminal.
	boxScale = cellH / (fontSize * 2384 / 2048)
	pad      = 10 // around the grid, in the background colour
)

// terminal is the background and foreground of a terminal the console
// is drawn in.
type terminal struct{ bg, fg color.RGBA }

// The terminals of the pictures: each with its theme's own background and
// foreground (GitHub's colours, as in styles/theme.go).
var (
	darkTerminal  = terminal{bg: color.RGBA{0x0d, 0x11, 0x17, 0xff}, fg: color.RGBA{0xe6, 0xed, 0xf3, 0xff}}
	lightTerminal = terminal{bg: color.RGBA{0xff, 0xff, 0xff, 0xff}, fg: color.RGBA{0x1f, 0x23, 0x28, 0xff}}
)

// ansi16 is a palette for the 16 ANSI colours (the console's themes use
// colours of their own; a capture may still carry these).
var (
	ansi16 = [16]color.RGBA{
		{0x48, 0x4f, 0x58, 0xff}, {0xff, 0x7b, 0x72, 0xff}, {0x3f, 0xb9, 0x50, 0xff}, {0xd2, 0x99, 0x22, 0xff},
		{0x58, 0xa6, 0xff, 0xff}, {0xbc, 0x8c, 0xff, 0xff}, {0x39, 0xc5, 0xcf, 0xff}, {0xb1, 0xba, 0xc4, 0xff},
		{0x6e, 0x76, 0x81, 0xff}, {0xff, 0xa1, 0x98, 0xff}, {0x56, 0xd3, 0x64, 0xff}, {0xe3, 0xb3, 0x41, 0xff},
		{0x79, 0xc0, 0xff, 0xff}, {0xd2, 0xa8, 0xff, 0xff}, {0x56, 0xd4, 0xdd, 0xff}, {0xff, 0xff, 0xff, 0xff},
	}
)

// pen is what SGR sets; nil colours are the terminal's own.
type pen struct {
	fg, bg                                          *color.RGBA
	bold, faint, italic, underline, reverse, strike bool
}

type cell struct {
	text  string // one grapheme; "" for the second half of a wide one
	width int
	pen   pen
}

// grid reads a capture into rows × cols cells. A line wider than cols is
// an error (the capture and this reading disagree on a character's
// width); a shorter one is padded with blanks.
func grid(capture string, cols, rows int) ([][]cell, error) {
	lines := strings.Split(strings.TrimSuffix(capture, "\n"), "\n")
	if len(lines) != rows {
		return nil, fmt.Errorf("capture has %d lines, want %d", len(lines), rows)
	}
	out := make([][]cell, rows)
	var p pen // tmux carries the pen from one line to the next
	for y, line := range lines {
		row := make([]cell, 0, cols)
		var state byte
		for line != "" {
			seq, width, n, newState := ansi.DecodeSequenceWc(line, state, nil)
			state, line = newState, line[n:]
			switch {
			case strings.HasPrefix(seq, "\x1b[") && strings.HasSuffix(seq, "m"):
				p = p.sgr(seq[2 : len(seq)-1])
			case strings.HasPrefix(seq, "\x1b"), width == 0 && seq != " ":
				// other sequences (a hyperlink's OSC 8) draw nothing
			default:
				row = append(row, cell{text: seq, width: width, pen: p})
				for range width - 1 {
					row = append(row, cell{pen: p})
				}
			}
		}
		if len(row) > cols {
			return nil, fmt.Errorf("line %d is %d cells wide, want %d: %q", y+1, len(row), cols, lines[y])
		}
		for len(row) < cols {
			row = append(row, cell{text: " ", width: 1})
		}
		out[y] = row
	}
	return out, nil
}

// sgr applies one Select Graphic Rendition's parameters.
func (p pen) sgr(params string) pen {
	if params == "" {
		return pen{}
	}
	ps := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	num := func(i int) int {
		if i >= len(ps) {
			return 0
		}
		n, _ := strconv.Atoi(ps[i])
		return n
	}
	for i := 0; i < len(ps); i++ {
		switch n := num(i); {
		case n == 0:
			p = pen{}
		case n == 1:
			p.bold = true
		case n == 2:
			p.faint = true
		case n == 3:
			p.italic = true
		case n == 4:
			p.underline = true
		case n == 7:
			p.reverse = true
		case n == 9:
			p.strike = true
		case n == 22:
			p.bold, p.faint = false, false
		case n == 23:
			p.italic = false
		case n == 24:
			p.underline = false
		case n == 27:
			p.reverse = false
		case n == 29:
			p.strike = false
		case n >= 30 && n <= 37:
			p.fg = &ansi16[n-30]
		case n >= 90 && n <= 97:
			p.fg = &ansi16[n-90+8]
		case n >= 40 && n <= 47:
			p.bg = &ansi16[n-40]
		case n >= 100 && n <= 107:
			p.bg = &ansi16[n-100+8]
		case n == 39:
			p.fg = nil
		case n == 49:
			p.bg = nil
		case n == 38 || n == 48:
			var c color.RGBA
			switch num(i + 1) {
			case 5:
				c = xterm256(num(i + 2))
				i += 2
			case 2:
				c = color.RGBA{uint8(num(i + 2)), uint8(num(i + 3)), uint8(num(i + 4)), 0xff}
				i += 4
			default:
				continue
			}
			if n == 38 {
				p.fg = &c
			} else {
				p.bg = &c
			}
		}
	}
	return p
}

// xterm256 is colour n of xterm's 256: the 16, a 6×6×6 cube, 24 greys.
func xterm256(n int) color.RGBA {
	switch {
	case n < 16:
		return ansi16[max(n, 0)]
	case n < 232:
		n -= 16
		level := func(v int) uint8 {
			if v == 0 {
				return 0
			}
			return uint8(55 + 40*v)
		}
		return color.RGBA{level(n / 36), level(n / 6 % 6), level(n % 6), 0xff}
	default:
		g := uint8(8 + 10*(min(n, 255)-232))
		return color.RGBA{g, g, g, 0xff}
	}
}

// colors are the cell's foreground and background as drawn on t.
func (p pen) colors(t terminal) (fg, bg color.RGBA) {
	fg, bg = t.fg, t.bg
	if p.fg != nil {
		fg = *p.fg
	}
	if p.bg != nil {
		bg = *p.bg
	}
	if p.reverse {
		fg, bg = bg, fg
	}
	if p.faint {
		fg = mix(fg, bg, 0.6)
	}
	return fg, bg
}

func mix(a, b color.RGBA, f float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(float64(x)*f + float64(y)*(1-f) + 0.5) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xff}
}

func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// css is the cell's style on t as a CSS declaration list.
func (p pen) css(t terminal) string {
	fg, bg := p.colors(t)
	var b strings.Builder
	fmt.Fprintf(&b, "color:%s;background:%s", hex(fg), hex(bg))
	if p.bold {
		b.WriteString(";font-weight:bold")
	}
	if p.italic {
		b.WriteString(";font-style:italic")
	}
	switch {
	case p.underline && p.strike:
		b.WriteString(";text-decoration:underline line-through")
	case p.underline:
		b.WriteString(";text-decoration:underline")
	case p.strike:
		b.WriteString(";text-decoration:line-through")
	}
	return b.String()
}

// isBox tells the block elements and box-drawing characters, drawn to the
// cell's full height.
func isBox(s string) bool {
	r := []rune(s)
	return len(r) == 1 && r[0] >= 0x2500 && r[0] <= 0x259f
}

// page is the HTML of a grid of cells on t, pixelSize() big.
func page(g [][]cell, t terminal) string {
	classes := map[string]string{}
	var rules strings.Builder
	class := func(p pen) string {
		css := p.css(t)
		c, ok := classes[css]
		if !ok {
			c = "s" + strconv.Itoa(len(classes))
			classes[css] = c
			fmt.Fprintf(&rules, ".%s{%s}\n", c, css)
		}
		return c
	}
	var body strings.Builder
	for _, row := range g {
		body.WriteString("<div>")
		for _, c := range row {
			if c.text == "" {
				continue // the second half of a wide character
			}
			cls := class(c.pen)
			if c.width == 2 {
				cls += " w"
			}
			if isBox(c.text) {
				cls += " x"
			}
			fmt.Fprintf(&body, `<span class="%s">%s</span>`, cls, html.EscapeString(c.text))
		}
		body.WriteString("</div>\n")
	}
	w, h := pixelSize(len(g[0]), len(g))
	return fmt.Sprintf(`<!doctype html>
<meta charset="utf-8">
<style>
html, body { margin: 0; background: %s; }
body { width: %dpx; height: %dpx; padding: %dpx; box-sizing: border-box; overflow: hidden; }
div { height: %dpx; white-space: pre; font: %gpx/%dpx "DejaVu Sans Mono", "IPAGothic", monospace; }
span { display: inline-block; width: %dpx; height: %dpx; vertical-align: top; overflow: visible; }
span.w { width: %dpx; }
span.x { transform: scaleY(%.4f); }
%s</style>
%s`, hex(t.bg), w, h, pad, cellH, fontSize, cellH, cellW, cellH, 2*cellW, boxScale, rules.String(), body.String())
}

// pixelSize is the picture's size for a terminal of cols × rows.
func pixelSize(cols, rows int) (w, h int) {
	return cols*cellW + 2*pad, rows*cellH + 2*pad
}
