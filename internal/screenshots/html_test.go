package main

import (
	"image/color"
	"strings"
	"testing"
)

// A capture's cells: colours as SGR set them (truecolor, 256 and reset),
// a wide character taking two cells, a short line padded, and the pen
// carried from one line to the next as tmux writes it.
func TestGridReadsACapture(t *testing.T) {
	capture := "\x1b[1m\x1b[38;2;188;140;255mre\x1b[0mパ\x1b[48;5;196mx\n" +
		"y\x1b[39m\x1b]8;;https://example.org\x1b\\z\n"
	g, err := grid(capture, 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	var row []string
	for _, c := range g[0] {
		row = append(row, c.text)
	}
	if got := strings.Join(row, "|"); got != "r|e|パ||x| | | " {
		t.Fatalf("row 1 cells %q", got)
	}
	accent := color.RGBA{188, 140, 255, 255}
	if p := g[0][0].pen; !p.bold || p.fg == nil || *p.fg != accent {
		t.Errorf("r: %+v, want bold in the accent", p)
	}
	if p := g[0][2].pen; p.bold || p.fg != nil {
		t.Errorf("パ after a reset: %+v", p)
	}
	if p := g[0][4].pen; p.bg == nil || *p.bg != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("x: %+v, want colour 196's red behind it", p)
	}
	if p := g[1][0].pen; p.bg == nil {
		t.Errorf("y: %+v, want the background carried over the line's end", p)
	}
	if g[1][1].text != "z" || g[1][1].pen.fg != nil {
		t.Errorf("z after a hyperlink: %+v", g[1][1])
	}
	if _, err := grid("0123456789\n", 8, 1); err == nil {
		t.Error("a line wider than the terminal read without an error")
	}
}

// The page draws every cell on the grid: a wide character in a box two
// cells wide, a bar stretched to the line's height, the text escaped.
func TestPageDrawsEveryCell(t *testing.T) {
	g, err := grid("<パ█\n", 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	html := page(g, darkTerminal)
	for _, want := range []string{`>&lt;</span>`, `w">パ</span>`, `x">█</span>`, "width: 60px; height: 40px", "background: #0d1117"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q:\n%s", want, html)
		}
	}
}
