package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/termtext"
)

// Keys the root answers with while it asks whether to quit.
var (
	quitYes = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "quit"))
	quitNo  = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "stay"))
)

// footerKeys are the keys the footer shows: the screen's own, most
// important first, then the global ones (optional: they give way first
// on a short line), then tail, which is always shown: how to get help
// and how to quit.
func (a *App) footerKeys() (short []key.Binding, full [][]key.Binding, tail []key.Binding) {
	k := a.c.Keys
	s := a.screens[a.active]
	switch {
	case a.quitting:
		return nil, nil, []key.Binding{quitYes, quitNo}
	case s.Capturing():
		return s.ShortHelp(), s.FullHelp(), []key.Binding{k.ForceQuit}
	}
	nav := []key.Binding{a.screenKeys, k.NextScreen, k.PrevScreen}
	for i, o := range a.screens {
		if sc, ok := o.(shortcut); ok && i != a.active {
			nav = append(nav, sc.Shortcut())
		}
	}
	short = append(append(short, s.ShortHelp()...), nav[0], nav[1])
	short = append(short, nav[3:]...)
	full = append(append(full, s.FullHelp()...), nav)
	return short, full, []key.Binding{k.Help, k.Quit}
}

func (a *App) footer() string {
	short, full, tail := a.footerKeys()
	var b strings.Builder
	fmt.Fprintf(&b, "%t %d %p", a.keyHelp.ShowAll, a.width, a.c.Theme)
	for _, group := range append([][]key.Binding{short, tail}, full...) {
		b.WriteByte('|')
		for _, k := range group {
			if k.Enabled() {
				h := k.Help()
				b.WriteString(h.Key + "\x00" + h.Desc + "\x00")
			}
		}
	}
	if view, ok := a.footers[b.String()]; ok {
		return view
	}
	var view string
	if a.keyHelp.ShowAll {
		view = a.fullHelp(full, tail)
	} else {
		view = a.shortHelp(short, tail)
	}
	if len(a.footers) >= maxFooters || a.footers == nil {
		a.footers = make(map[string]string, maxFooters) // a new size or theme: start over
	}
	a.footers[b.String()] = view
	return view
}

// maxFooters bounds the footers kept: one or two per screen, and those of
// the questions and prompts, are what a session switches between.
const maxFooters = 16

// shortHelp is one line: as many of items as fit, in order, then "…" if
// some did not, then tail.
func (a *App) shortHelp(items, tail []key.Binding) string {
	st := a.keyHelp.Styles
	sep := st.ShortSeparator.Inline(true).Render(" • ")
	render := func(bs []key.Binding) []string {
		var out []string
		for _, b := range bs {
			if h := b.Help(); b.Enabled() && h.Key != "" {
				out = append(out, st.ShortKey.Inline(true).Render(h.Key)+" "+st.ShortDesc.Inline(true).Render(h.Desc))
			}
		}
		return out
	}
	parts, end := render(items), strings.Join(render(tail), sep)
	for n := len(parts); n >= 0; n-- {
		line := parts[:n:n]
		if n < len(parts) {
			line = append(line, st.Ellipsis.Inline(true).Render("…"))
		}
		if s := strings.Join(append(line, end), sep); lipgloss.Width(s) <= a.width {
			return s
		}
	}
	return termtext.Truncate(end, a.width)
}

// fullHelp is the keys in columns. When they do not fit, whole columns
// give way, the least important first: the screen's later columns, then
// the global ones; the last column (help and quit) always stays.
func (a *App) fullHelp(groups [][]key.Binding, tail []key.Binding) string {
	h := a.keyHelp
	h.SetWidth(0) // measured here, not cut by help
	shown := append(append([][]key.Binding(nil), groups...), tail)
	for {
		view := h.FullHelpView(shown)
		if lipgloss.Width(view) <= a.width || len(shown) <= 2 {
			return view
		}
		drop := len(shown) - 2 // the global column, before the tail
		if len(shown) > 3 {
			drop = len(shown) - 3 // the screen's last column first
		}
		shown = append(shown[:drop:drop], shown[drop+1:]...)
	}
}
