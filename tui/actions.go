package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Action is one entry of a key table, as k9s's KeyActions: what a key does
// on a screen (or everywhere), with its hint. Dispatch, the footer and the
// full help (?) all read the same entry, so a hint cannot drift from its
// handler. Its keys come from the session's Keymap, by Name.
type Action struct {
	// Name is stable: settings remap keys by it, and `reviewq config
	// keys` lists it. Entries of one name share its keys; a screen may
	// have several, for the different things the key does by state
	// (esc: "back to the list", "clear filter").
	Name string
	// Mode is what the screen must be listening for (see Mode).
	Mode Mode
	// Desc is the hint: "claim", "back to the list".
	Desc string
	// When says whether the action applies now; nil is always. One that
	// does not apply is neither shown nor run.
	When func() bool
	// Run is the handler. It gets the key, for an action whose keys mean
	// different things (a digit picks a reason).
	Run func(tea.KeyPressMsg) tea.Cmd
	// More keeps the action out of the one-line footer: it is listed in
	// the full help (?) only.
	More bool
	// Short, when set, is the hint of the one-line footer, where
	// neighbours with the same one share it: "↑/↓ scroll" for up and
	// down, which the full help lists apart.
	Short string
	// Why, when set, is what a press of the key says while the action
	// does not apply ("no message held: press c to claim one first").
	Why func() string
}

func (a *Action) applies() bool { return a.When == nil || a.When() }

// Mode is what a screen listens for.
type Mode string

const (
	// ModeNormal: the screen's actions, then the global keys.
	ModeNormal Mode = ""
	// ModeAsk: a y/n question; nothing else.
	ModeAsk Mode = "question"
	// ModeChoice: picking one of a few (the dead-letter reasons); a key
	// no action takes starts typing instead.
	ModeChoice Mode = "choice"
	// ModeInput: one line of text (a filter, a jump, a reason).
	ModeInput Mode = "input"
	// ModeForm: the compose form.
	ModeForm Mode = "form"

	// modeQuit is the root's own question: quit while a message is held?
	modeQuit Mode = "quit question"
	// modeAll is an action that works in every mode (force-quit).
	modeAll Mode = "*"
)

// takesText reports whether the mode types what a character key says: such
// a key is text there, never an action.
func (m Mode) takesText() bool { return m == ModeInput || m == ModeForm }

// always is a When that always holds.
func always() bool { return true }

// do adapts a handler that needs no key.
func do(f func() tea.Cmd) func(tea.KeyPressMsg) tea.Cmd {
	return func(tea.KeyPressMsg) tea.Cmd { return f() }
}

// keyset is a session's keys: every action's, from its Keymap, with the
// bindings the footer draws.
type keyset struct {
	km    Keymap
	names map[string]*actionKeys
}

type actionKeys struct {
	keys     []string // every key
	textKeys []string // the keys that are not characters: those a text mode still takes
	bind     key.Binding
	textBind key.Binding // as a text mode shows it
}

func newKeyset(km Keymap, screens []screenEntry) *keyset {
	ks := &keyset{km: km, names: map[string]*actionKeys{}}
	for name := range knownActions(screens) {
		keys := km.keysOf(name, screens)
		ak := &actionKeys{keys: keys}
		for _, k := range keys {
			if !isText(k) {
				ak.textKeys = append(ak.textKeys, k)
			}
		}
		ak.bind = key.NewBinding(key.WithKeys(keys...), key.WithHelp(km.label(name, keys), ""))
		ak.textBind = key.NewBinding(key.WithKeys(ak.textKeys...), key.WithHelp(keyLabel(ak.textKeys), ""))
		ks.names[name] = ak
	}
	return ks
}

// keys is the keys of name that work in mode.
func (ks *keyset) keys(name string, mode Mode) []string {
	ak := ks.names[name]
	switch {
	case ak == nil:
		return nil
	case mode.takesText():
		return ak.textKeys
	}
	return ak.keys
}

// label is how the footer writes name's keys in mode.
func (ks *keyset) label(name string, mode Mode) string {
	ak := ks.names[name]
	switch {
	case ak == nil:
		return ""
	case mode.takesText():
		return ak.textBind.Help().Key
	}
	return ak.bind.Help().Key
}

// binding is a as the footer shows it in mode.
func (ks *keyset) binding(a *Action, mode Mode) key.Binding {
	b := ks.names[a.Name].bind
	if mode.takesText() {
		b = ks.names[a.Name].textBind
	}
	b.SetHelp(b.Help().Key, a.Desc)
	return b
}

func (ks *keyset) presses(name string, mode Mode, k string) bool {
	return slices.Contains(ks.keys(name, mode), k)
}

// find is the action of table that the key k presses in mode and that
// applies now; failing that, why is what the first of those that does
// not apply says about it ("" when none says anything).
func (ks *keyset) find(table []Action, mode Mode, k string) (run *Action, why string) {
	var idle []*Action
	for i := range table {
		a := &table[i]
		if (a.Mode != mode && a.Mode != modeAll) || !ks.presses(a.Name, mode, k) {
			continue
		}
		if a.applies() {
			return a, ""
		}
		idle = append(idle, a)
	}
	for _, a := range idle {
		if a.Why != nil {
			if why := a.Why(); why != "" {
				return nil, why
			}
		}
	}
	return nil, ""
}

// shortBindings is acts as the one-line footer shows them: neighbours
// that share a Short hint as one ("↑/↓ scroll"), by their first keys.
func (ks *keyset) shortBindings(acts []*Action, mode Mode) []key.Binding {
	var out []key.Binding
	for i := 0; i < len(acts); i++ {
		a := acts[i]
		b := ks.binding(a, mode)
		if a.Short == "" {
			out = append(out, b)
			continue
		}
		var keys, firsts []string
		for ; i < len(acts) && acts[i].Short == a.Short; i++ {
			k := ks.keys(acts[i].Name, mode)
			keys = append(keys, k...)
			if len(k) > 0 {
				firsts = append(firsts, k[0])
			}
		}
		i--
		out = append(out, key.NewBinding(key.WithKeys(keys...), key.WithHelp(keyLabel(firsts), a.Short)))
	}
	return out
}

// shown is the actions of table the footer shows in mode: those that
// apply, once per name and hint.
func shown(table []Action, mode Mode) []*Action {
	var out []*Action
	for i := range table {
		a := &table[i]
		if a.Mode != mode || !a.applies() {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || (o.Name == a.Name && o.Desc == a.Desc)
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out
}

// checkKeys fails when a key would press two different actions at once
// on one of the app's screens: in one mode of the screen's, together
// with the global keys in ModeNormal and force-quit in every mode; or in
// the quit question.
func (a *App) checkKeys() error {
	clash := func(where string, mode Mode, acts []Action) error {
		byKey := map[string]string{}
		for _, act := range acts {
			if len(a.c.keys.keys(act.Name, mode)) == 0 && mode.takesText() {
				return fmt.Errorf("keys: %s needs a key that types nothing (esc, enter, ctrl+…): on %s it works while text is typed", act.Name, where)
			}
			for _, k := range a.c.keys.keys(act.Name, mode) {
				if other, ok := byKey[k]; ok && other != act.Name {
					if mode != ModeNormal {
						where += " (" + string(mode) + ")"
					}
					return fmt.Errorf("keys: %q would press both %s and %s on %s", k, other, act.Name, where)
				}
				byKey[k] = act.Name
			}
		}
		return nil
	}
	globals := func(mode Mode) []Action {
		var out []Action
		for _, g := range a.globals {
			if g.Mode == mode || g.Mode == modeAll {
				out = append(out, g)
			}
		}
		return out
	}
	for _, s := range a.screens {
		modes := []Mode{ModeNormal}
		for _, act := range s.Actions() {
			if !slices.Contains(modes, act.Mode) {
				modes = append(modes, act.Mode)
			}
		}
		for _, mode := range modes {
			var acts []Action
			for _, act := range s.Actions() {
				if act.Mode == mode {
					acts = append(acts, act)
				}
			}
			if err := clash(s.Title(), mode, append(acts, globals(mode)...)); err != nil {
				return err
			}
		}
	}
	return clash("every screen", modeQuit, globals(modeQuit))
}

// check fails when k makes a key press two actions at once on a screen
// of screens.
func (k Keymap) check(screens []screenEntry) error {
	return newApp(Deps{Keymap: k}, screens).checkKeys()
}

// ActionInfo is one action as `reviewq config keys` lists it.
type ActionInfo struct {
	Name string
	Keys []string
	// Desc is its hint (the first, where it has several).
	Desc string
	// Where is the screens it works on, by title, or "everywhere".
	Where []string
}

// Actions lists every action of the console, by name, with its keys
// under k.
func Actions(k Keymap) []ActionInfo {
	a := newApp(Deps{Keymap: k}, screenList)
	byName := map[string]*ActionInfo{}
	var order []string
	add := func(act Action, where string) {
		info := byName[act.Name]
		if info == nil {
			info = &ActionInfo{Name: act.Name, Keys: a.c.keys.keys(act.Name, ModeNormal), Desc: act.Desc}
			byName[act.Name] = info
			order = append(order, act.Name)
		}
		if !slices.Contains(info.Where, where) {
			info.Where = append(info.Where, where)
		}
	}
	for _, g := range a.globals {
		add(g, "everywhere")
	}
	for _, s := range a.screens {
		for _, act := range s.Actions() {
			add(act, s.Title())
		}
	}
	slices.Sort(order)
	out := make([]ActionInfo, len(order))
	for i, name := range order {
		out[i] = *byName[name]
	}
	return out
}
