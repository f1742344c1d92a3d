package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// defaultKeys is the key of every action of the console, by the action's
// stable name, in one place. The tables (an Action per entry, in each
// screen's file and app.go) say what an action does and when; this says
// which keys press it, and a Keymap may say otherwise. The digit keys that
// bring a screen to the front ("screen-<id>") come from the screen list.
var defaultKeys = map[string][]string{
	// Everywhere.
	"help":        {"?"},
	"quit":        {"q"}, // asks first while a message is held
	"force-quit":  {"ctrl+c"},
	"next-screen": {"tab"},
	"prev-screen": {"shift+tab"},
	"compose":     {"n"},
	"back":        {"esc"}, // backs out of what is open; with nothing open, dismisses the note
	// Answers to a y/n question: only y confirms, so a habitual enter
	// never deletes, redrives, replays or quits.
	"confirm": {"y"},
	"cancel":  {"n", "esc"},

	// The held message (Review) and the lists' entries.
	"claim":         {"c"},
	"ack":           {"a"},
	"ack-and-claim": {"A"},
	"release":       {"r"},
	"dead-letter":   {"x"},
	"snooze":        {"s"},
	"copy-email":    {"y"},
	"redrive":       {"r"},
	"replay":        {"r"},
	"mark":          {"space"},
	"delete":        {"d", "delete"},
	"open":          {"enter"},
	"filter":        {"/"},
	"jump":          {":"},
	"refresh":       {"ctrl+r"},

	// Prompts and the compose form.
	"apply":       {"enter"},
	"submit":      {"ctrl+s"},
	"next-field":  {"tab"},
	"prev-field":  {"shift+tab"},
	"prev-choice": {"left", "up", "shift+tab"},
	"next-choice": {"right", "down", "tab"},
	"pick":        {"1", "2", "3", "4"}, // the dead-letter reasons or snooze times, "other…" last

	// Movement.
	"up":        {"up", "k"},
	"down":      {"down", "j"},
	"top":       {"g", "home"},
	"bottom":    {"G", "end"},
	"page-up":   {"pgup"},
	"page-down": {"pgdown"},
}

// defaultLabels is how the footer writes an action's default keys when
// that is shorter than all of them.
var defaultLabels = map[string]string{
	"up":          "↑/k",
	"down":        "↓/j",
	"top":         "g",
	"bottom":      "G",
	"delete":      "d",
	"prev-choice": "←",
	"next-choice": "→",
	"pick":        "1-4",
}

// actionSummaries say what an action does wherever it works, for
// `reviewq config keys`, where its hints differ from screen to screen.
var actionSummaries = map[string]string{
	"apply":   "apply what a prompt asks for (a reason, a filter, a jump)",
	"back":    "back out of what is open; with nothing open, dismiss the note",
	"cancel":  "no, to a question",
	"confirm": "yes, to a question (quit, delete, redrive, replay)",
	"open":    "open the selected entry",
	"pick":    "pick a dead-letter reason (the last: type one)",
	"replay":  "replay the selected entry, or the marked range",
}

// screenAction is the name of the action that brings screen id to the
// front.
func screenAction(id ScreenID) string { return "screen-" + string(id) }

// Keymap is the keys of every action, by its stable name: the defaults,
// or the defaults with the overrides of a settings file. The zero Keymap
// is the defaults.
type Keymap struct {
	over map[string][]string
}

// DefaultKeymap is the console's own keys.
func DefaultKeymap() Keymap { return Keymap{} }

// NewKeymap is the defaults with overrides (action name → keys). It
// fails on an unknown action name, an action left without a key, and a
// key that would press two actions on one screen at once, naming them.
func NewKeymap(overrides map[string][]string) (Keymap, error) {
	k := Keymap{over: map[string][]string{}}
	known := knownActions(screenList)
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		keys := overrides[name]
		if !known[name] {
			return Keymap{}, fmt.Errorf("keys: no action named %q (reviewq config keys lists them)", name)
		}
		if len(keys) == 0 {
			return Keymap{}, fmt.Errorf("keys: %s has no key", name)
		}
		for _, key := range keys {
			if key == "" || strings.ContainsAny(key, " \t") {
				return Keymap{}, fmt.Errorf("keys: %s: %q is not a key (write keys as ctrl+s, shift+tab, pgdown, space, A)", name, key)
			}
		}
		k.over[name] = slices.Clone(keys)
	}
	if err := k.check(screenList); err != nil {
		return Keymap{}, err
	}
	return k, nil
}

// knownActions is every action name: the defaults' and the screens'.
func knownActions(screens []screenEntry) map[string]bool {
	known := make(map[string]bool, len(defaultKeys)+len(screens))
	for name := range defaultKeys {
		known[name] = true
	}
	for _, e := range screens {
		known[screenAction(e.ID)] = true
	}
	return known
}

// Keys is the keys of the action name.
func (k Keymap) Keys(name string) []string {
	if keys, ok := k.over[name]; ok {
		return keys
	}
	return defaultKeys[name]
}

// keysOf is the keys of name, where the screen actions' defaults are the
// digits of the screens' places.
func (k Keymap) keysOf(name string, screens []screenEntry) []string {
	if keys := k.Keys(name); keys != nil {
		return keys
	}
	for i, e := range screens {
		if name == screenAction(e.ID) && i < 9 {
			return []string{strconv.Itoa(i + 1)}
		}
	}
	return nil
}

// label is how the footer writes name's keys.
func (k Keymap) label(name string, keys []string) string {
	if _, remapped := k.over[name]; !remapped {
		if l, ok := defaultLabels[name]; ok {
			return l
		}
	}
	return keyLabel(keys)
}

// keyLabel writes keys for the footer: "↑/k", "pgdn", "ctrl+s".
func keyLabel(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		switch k {
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		case "pgdown":
			k = "pgdn"
		}
		out[i] = k
	}
	return strings.Join(out, "/")
}

// isText reports whether key is one that types a character: in a mode
// that takes text, such a key is text, never an action.
func isText(key string) bool {
	return key == "space" || len([]rune(key)) == 1
}
