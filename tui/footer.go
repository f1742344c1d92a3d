package tui

import (
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/termtext"
)

// The footer is read off the key tables: the actions that apply now, of
// the screen in front and (in ModeNormal) the global ones, with their
// keys as the session's Keymap has them.

// footerKeys are the keys the footer shows: the screen's own, most
// important first, then the global ones (optional: they give way first
// on a short line), then tail, which is always shown: how to get help and
// how to quit, or in a mode that captures, how to get out.
func (a *App) footerKeys() (short []key.Binding, full [][]key.Binding, tail []key.Binding) {
	ks := a.c.keys
	s := a.screens[a.active]
	mode := s.Mode()
	if a.quitting {
		tail = a.bindings(append(shown(a.globals, modeQuit), shown(a.globals, modeAll)...), modeQuit)
		return nil, nil, tail
	}
	own := shown(s.Actions(), mode)
	var everyday, rest, out []*Action
	for _, act := range own {
		switch {
		case mode != ModeNormal && (act.Name == "back" || act.Name == "cancel"):
			out = append(out, act) // how to get out: always shown
		case act.More:
			rest = append(rest, act)
		default:
			everyday = append(everyday, act)
		}
	}
	first := ks.shortBindings(everyday, mode)
	if mode != ModeNormal {
		tail = a.bindings(out, mode)
		for _, q := range a.bindings(shown(a.globals, modeAll), mode) {
			q.SetHelp(q.Help().Key, "quit") // q is text here: no other quit to tell it from
			tail = append(tail, q)
		}
		return first, [][]key.Binding{a.bindings(append(everyday, rest...), mode)}, tail
	}
	var nav, navMore, end []key.Binding
	screensShown := false
	for _, g := range shown(a.globals, ModeNormal) {
		switch {
		case g.Name == "back" && a.c.shownStatus(a.activeID()).level == levelErr:
			// An error stays until esc: how to dismiss it is always shown.
			// A note fades by itself, and gives way like the others.
			end = append([]key.Binding{ks.binding(g, mode)}, end...)
		case g.Name == "help" || g.Name == "quit":
			end = append(end, ks.binding(g, mode))
		case strings.HasPrefix(g.Name, "screen-"):
			if !screensShown { // one hint for all, where the first is
				screensShown = true
				nav, navMore = append(nav, a.screenKeys()), append(navMore, a.screenKeys())
			}
		case g.More:
			navMore = append(navMore, ks.binding(g, mode))
		default:
			nav = append(nav, ks.binding(g, mode))
			navMore = append(navMore, ks.binding(g, mode))
		}
	}
	// ctrl+c does what q does, without asking: the full help says so.
	navMore = append(navMore, a.bindings(shown(a.globals, modeAll), mode)...)
	// The full help lists the screen's everyday keys, then its others,
	// then the ones of every screen.
	var cols [][]key.Binding
	if len(everyday) > 0 {
		cols = append(cols, a.bindings(everyday, mode))
	}
	if len(rest) > 0 {
		cols = append(cols, a.bindings(rest, mode))
	}
	return append(first, nav...), append(cols, navMore), end
}

func (a *App) bindings(acts []*Action, mode Mode) []key.Binding {
	out := make([]key.Binding, len(acts))
	for i, act := range acts {
		out[i] = a.c.keys.binding(act, mode)
	}
	return out
}

// screenKeys is the keys that bring each screen to the front, as one
// hint: "1-6 screens" for the default digits.
func (a *App) screenKeys() key.Binding {
	var all, firsts []string
	for _, e := range a.entries {
		keys := a.c.keys.keys(screenAction(e.ID), ModeNormal)
		all = append(all, keys...)
		if len(keys) > 0 {
			firsts = append(firsts, keys[0])
		}
	}
	label := keyLabel(firsts)
	if digits(firsts) && len(firsts) > 1 {
		label = firsts[0] + "-" + firsts[len(firsts)-1]
	}
	return key.NewBinding(key.WithKeys(all...), key.WithHelp(label, "screens"))
}

// digits reports whether keys are "1", "2", … in order.
func digits(keys []string) bool {
	for i, k := range keys {
		if k != strconv.Itoa(i+1) {
			return false
		}
	}
	return true
}

// footer is the key help for the keys that work now, drawn once for each
// set of keys: it is asked for after every message, and most messages
// change no key. The set is known by a hash of the hints the tables offer
// now, taken without building them.
func (a *App) footer() string {
	var h maphash.Hash
	h.SetSeed(a.footerSeed)
	if a.keyHelp.ShowAll {
		h.WriteByte(1)
	}
	s := a.screens[a.active]
	mode := s.Mode()
	switch {
	case a.quitting:
		h.WriteByte('q')
	default:
		h.WriteString(string(a.activeID()))
		h.WriteByte(0)
		h.WriteString(string(mode))
		h.WriteByte(0)
		hashActions(&h, s.Actions(), mode)
		if mode == ModeNormal {
			hashActions(&h, a.globals, mode)
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

// hashActions adds the hints of the actions that apply in mode to h.
func hashActions(h *maphash.Hash, table []Action, mode Mode) {
	for i := range table {
		act := &table[i]
		if act.Mode == mode && act.applies() {
			h.WriteString(act.Name)
			h.WriteByte(0)
			h.WriteString(act.Desc)
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
			if h := b.Help(); h.Key != "" {
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
// the global ones; the last column (help and quit) always stays. A column
// that gives way goes under the next one where the two fit the height
// the frame has for them (at 60×16 Stream's scroll keys and ctrl+r), so
// that ? still shows every key; else it is left out.
func (a *App) fullHelp(groups [][]key.Binding, tail []key.Binding) string {
	h := a.keyHelp
	h.SetWidth(0) // measured here, not cut by help
	shown := append(append([][]key.Binding(nil), groups...), tail)
	rows := a.height - headerLines - tabLines - maxStatusLines - 1 // a line of the screen stays
	for {
		view := h.FullHelpView(shown)
		if lipgloss.Width(view) <= a.width || len(shown) <= 2 {
			return view
		}
		drop := len(shown) - 2 // the global column, before the tail
		if len(shown) > 3 {
			drop = len(shown) - 3 // the screen's last column first
		}
		if len(shown[drop])+len(shown[drop+1]) <= rows {
			shown[drop+1] = append(slices.Clone(shown[drop]), shown[drop+1]...)
		}
		shown = append(shown[:drop:drop], shown[drop+1:]...)
	}
}
