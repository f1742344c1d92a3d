package tui

import (
	"hash/maphash"
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
	nav := a.navKeys()
	short = append(append(short, s.ShortHelp()...), nav[0], nav[1])
	short = append(short, nav[3:]...)
	full = append(append(full, s.FullHelp()...), nav)
	return short, full, []key.Binding{k.Help, k.Quit}
}

// navKeys are the keys that switch screens, from the one in front.
func (a *App) navKeys() []key.Binding {
	k := a.c.Keys
	nav := []key.Binding{a.screenKeys, k.NextScreen, k.PrevScreen}
	for i, o := range a.screens {
		if sc, ok := o.(shortcut); ok && i != a.active {
			nav = append(nav, sc.Shortcut())
		}
	}
	return nav
}

// footer is the key help for the keys that work now, drawn once for each
// set of keys: it is asked for after every message, and most messages
// change no key. The set is known by a hash of what footerKeys is made
// of, taken without building it.
func (a *App) footer() string {
	var h maphash.Hash
	h.SetSeed(a.footerSeed)
	if a.keyHelp.ShowAll {
		h.WriteByte(1)
	}
	s := a.screens[a.active]
	switch {
	case a.quitting:
		h.WriteByte('q')
	case s.Capturing():
		h.WriteByte('c')
		hashKeys(&h, s.ShortHelp())
		for _, group := range s.FullHelp() {
			hashKeys(&h, group)
		}
	default:
		h.WriteByte(byte(a.active))
		hashKeys(&h, s.ShortHelp())
		for _, group := range s.FullHelp() {
			hashKeys(&h, group)
		}
	}
	sum := h.Sum64()
	if view, ok := a.footers[sum]; ok {
		return view
	}
	short, full, tail := a.footerKeys()
	var view string
	if a.keyHelp.ShowAll {
		view = a.fullHelp(full, tail)
	} else {
		view = a.shortHelp(short, tail)
	}
	if len(a.footers) >= maxFooters {
		clear(a.footers)
	}
	a.footers[sum] = view
	return view
}

// hashKeys adds a group of keys, as the footer shows them, to h.
func hashKeys(h *maphash.Hash, group []key.Binding) {
	h.WriteByte('|')
	for _, k := range group {
		if k.Enabled() {
			help := k.Help()
			h.WriteString(help.Key)
			h.WriteByte(0)
			h.WriteString(help.Desc)
			h.WriteByte(0)
		}
	}
}

// maxFooters bounds the footers kept: one or two per screen, and those of
// the questions and prompts, are what a session switches between. They are
// drawn for one width and theme (resetFooters).
const maxFooters = 16

// resetFooters drops the footers drawn: the width or the theme changed.
func (a *App) resetFooters() { clear(a.footers) }

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
