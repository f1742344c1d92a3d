package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/styles"
)

// detail is an opened entry, scrollable, shared by the browsing screens.
// The content is drawn again only when the width changes: render sanitises.
type detail struct {
	th     *styles.Theme
	open   bool
	id     string
	title  string
	render func(width int) string
	vp     viewport.Model
}

// show opens content for id in a box of w×h, its title line included.
func (d *detail) show(id, title string, render func(width int) string, w, h int) {
	d.open, d.id, d.title, d.render = true, id, title, render
	d.vp = viewport.New(viewport.WithWidth(w), viewport.WithHeight(max(h-1, 1)))
	d.vp.SetContent(render(w))
}

func (d *detail) setSize(w, h int) {
	if !d.open {
		return
	}
	if w != d.vp.Width() {
		d.vp.SetWidth(w)
		d.vp.SetContent(d.render(w))
	}
	d.vp.SetHeight(max(h-1, 1))
}

func (d *detail) close() { *d = detail{th: d.th} }

// update scrolls: g/G to the ends, the rest as the viewport's keys.
func (d *detail) update(msg tea.KeyPressMsg, k KeyMap) {
	switch {
	case key.Matches(msg, k.Top):
		d.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		d.vp.GotoBottom()
	default:
		d.vp, _ = d.vp.Update(msg)
	}
}

func (d *detail) view() string {
	where := "all"
	if d.vp.TotalLineCount() > d.vp.Height() {
		where = fmt.Sprintf("%3.f%%", d.vp.ScrollPercent()*100)
	}
	head := d.th.Title.Render(d.title) + d.th.Subtle.Render(fmt.Sprintf("  %s · esc back", where))
	return head + "\n" + d.vp.View()
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
