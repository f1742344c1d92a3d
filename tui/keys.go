package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key of the console, in one place; it also feeds the help
// footer. The digit keys that switch screens come from the screen list.
type KeyMap struct {
	// Global.
	NextScreen, PrevScreen key.Binding
	Compose                key.Binding
	Help                   key.Binding
	Quit                   key.Binding // q: asks first while a message is held
	ForceQuit              key.Binding // ctrl+c: always, even while typing

	// Actions.
	Claim   key.Binding
	Ack     key.Binding
	AckNext key.Binding
	Release key.Binding
	Dead    key.Binding
	Copy    key.Binding
	Redrive key.Binding
	Replay  key.Binding
	Mark    key.Binding
	Delete  key.Binding
	Open    key.Binding
	Back    key.Binding
	Filter  key.Binding
	Jump    key.Binding
	Refresh key.Binding
	Submit  key.Binding
	Confirm key.Binding
	Cancel  key.Binding

	// Movement.
	Up, Down         key.Binding
	Top, Bottom      key.Binding
	PageUp, PageDown key.Binding
}

// DefaultKeyMap is the spec's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevScreen: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev screen")),
		Compose:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "compose")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),

		Claim:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "claim")),
		Ack:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "ack")),
		AckNext: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "ack + claim next")),
		Release: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "release")),
		Dead:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "dead-letter")),
		Copy:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy email")),
		Redrive: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "redrive")),
		Replay:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "replay")),
		Mark:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark a range")),
		Delete:  key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "delete")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Jump:    key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump to ID/time")),
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh")),
		Submit:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "submit")),
		// Only y confirms: a habitual enter must never delete or quit.
		Confirm: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		Cancel:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "prev page")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "next page")),
	}
}

// withHelp is b with another help text, for a key that means something
// more specific on one screen.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}
