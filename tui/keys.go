package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key of the console, in one place; it also feeds the help
// footer.
type KeyMap struct {
	// Global.
	Screen1, Screen2, Screen3, Screen4, Screen5 key.Binding
	NextScreen, PrevScreen                      key.Binding
	Compose                                     key.Binding
	Help                                        key.Binding
	Quit                                        key.Binding

	// Actions.
	Claim   key.Binding
	Ack     key.Binding
	Release key.Binding
	Dead    key.Binding
	Redrive key.Binding
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
		Screen1:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1-5", "screens")),
		Screen2:    key.NewBinding(key.WithKeys("2")),
		Screen3:    key.NewBinding(key.WithKeys("3")),
		Screen4:    key.NewBinding(key.WithKeys("4")),
		Screen5:    key.NewBinding(key.WithKeys("5")),
		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevScreen: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev screen")),
		Compose:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "compose")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Claim:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "claim")),
		Ack:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "ack")),
		Release: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "release")),
		Dead:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "dead-letter")),
		Redrive: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "redrive")),
		Delete:  key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "delete")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Jump:    key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump to ID/time")),
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh")),
		Submit:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "submit")),
		Confirm: key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y", "confirm")),
		Cancel:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "cancel")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "prev page")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "next page")),
	}
}
