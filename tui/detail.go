package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/viewport"

	"github.com/reviewq/reviewq/styles"
)

// detail is an opened entry, scrollable, shared by the browsing screens.
// The content is drawn again only when the width or the theme changes
// (render sanitises); it is drawn with the theme it is given, never one
// kept from when it opened.
type detail struct {
	open   bool
	id     string
	title  string
	render func(th *styles.Theme, width int) string
	vp     viewport.Model
	drawn  struct {
		th    *styles.Theme
		width int
	}
}

// show opens content for id in a box of w×h, its title line included.
func (d *detail) show(id, title string, render func(th *styles.Theme, width int) string, w, h int) {
	*d = detail{open: true, id: id, title: title, render: render}
	d.vp = viewport.New(viewport.WithWidth(w), viewport.WithHeight(max(h-1, 1)))
}

func (d *detail) setSize(w, h int) {
	if !d.open {
		return
	}
	d.vp.SetWidth(w)
	d.vp.SetHeight(max(h-1, 1))
}

func (d *detail) close() { *d = detail{} }

// wheel scrolls by three lines a notch.
func (d *detail) wheel(up bool) {
	if up {
		d.vp.ScrollUp(3)
	} else {
		d.vp.ScrollDown(3)
	}
}

func (d *detail) view(th *styles.Theme) string {
	if d.drawn.th != th || d.drawn.width != d.vp.Width() {
		d.drawn.th, d.drawn.width = th, d.vp.Width()
		y := d.vp.YOffset()
		d.vp.SetContent(d.render(th, d.vp.Width()))
		d.vp.SetYOffset(y)
	}
	head := th.Title.Render(d.title)
	if where := scrollPosition(d.vp); where != "" {
		head += th.Subtle.Render("  " + where)
	}
	return head + "\n" + d.vp.View()
}

// scrollPosition says which lines of a longer text are on screen; "" when
// all of it fits.
func scrollPosition(vp viewport.Model) string {
	total, h := vp.TotalLineCount(), vp.Height()
	if total <= h {
		return ""
	}
	y := vp.YOffset()
	return fmt.Sprintf("lines %d–%d of %d", y+1, min(y+h, total), total)
}

// exactLines pads or cuts s to exactly h lines, so the screen's layout
// holds still whatever it shows.
func exactLines(s string, h int) string {
	if h <= 0 {
		return ""
	}
	n := strings.Count(s, "\n") + 1
	if n < h {
		return s + strings.Repeat("\n", h-n)
	}
	for n > h {
		s = s[:strings.LastIndexByte(s, '\n')]
		n--
	}
	return s
}
