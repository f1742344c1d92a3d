package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// keyPress is a key press as Bubble Tea delivers it, by the name its
// String gives: "c", "A", "enter", "shift+tab", "ctrl+r", "pgdown"…
func keyPress(k string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
		"f1": tea.KeyF1,
	}
	var mod tea.KeyMod
	name := k
	for _, m := range []struct {
		prefix string
		mod    tea.KeyMod
	}{{"ctrl+", tea.ModCtrl}, {"shift+", tea.ModShift}, {"alt+", tea.ModAlt}} {
		if rest, ok := strings.CutPrefix(name, m.prefix); ok {
			name, mod = rest, mod|m.mod
		}
	}
	if name == "space" {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if code, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: code, Mod: mod}
	}
	r := []rune(name)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: name}
}

func TestKeyPressNames(t *testing.T) {
	for _, k := range keyUniverse() {
		if got := keyPress(k).String(); got != k {
			t.Errorf("keyPress(%q) is %q", k, got)
		}
	}
}

// keyUniverse is the keys tried on every screen: every action's, and
// others nobody should answer.
func keyUniverse() []string {
	keys := []string{"b", "e", "f", "h", "i", "l", "m", "o", "p", "s", "t", "u", "v", "w", "z", "B", "Z",
		"5", "6", "7", "8", "9", "0", "!", "left", "right", "backspace", "ctrl+a", "ctrl+d", "ctrl+n", "f1", "alt+x"}
	for _, ks := range defaultKeys {
		keys = append(keys, ks...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// keyState is a console in one state of one screen, built afresh for each
// key tried.
type keyState struct {
	name  string
	setup func(t *testing.T) *App
}

// at is a console on q, at 200×50 so the full help is never cut, with
// keys pressed.
func at(q *fakeQueue, keys ...string) func(t *testing.T) *App {
	return func(t *testing.T) *App {
		return atDeps(testDeps(q.clone()), keys...)(t)
	}
}

func atDeps(d Deps, keys ...string) func(t *testing.T) *App {
	return func(t *testing.T) *App {
		t.Helper()
		a := newTestApp(t, d)
		a.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
		for _, k := range keys {
			if id, ok := strings.CutPrefix(k, "show "); ok {
				k = keyOf(a, ScreenID(id))
			}
			_, cmd := a.Update(keyPress(k))
			run(t, a, cmd)
		}
		a.c.dismiss(activeOf(a)) // start from a quiet status line
		a.c.dismiss("")
		a.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
		return a
	}
}

// show is the key that brings screen id to the front, for at.
func show(id ScreenID) string { return "show " + string(id) }

func keyStates() []keyState {
	long := newFakeQueue(contact(annID, "Ann", "ann@example.com", strings.Repeat("a long line\n", 80)))
	stream := goldenQueue()
	pending := pendingQueue(5)
	dead := deadQueue()
	for i := range 3 { // enough letters to move among
		d := dead.dead[0]
		d.ID = "17954245" + string(rune('7'+i)) + "0000-0"
		dead.dead = append(dead.dead, d)
	}
	ro := testDeps(goldenQueue())
	ro.ReadOnly = true
	return []keyState{
		{"review, nothing held", at(annQueue())},
		{"review, empty queue", at(newFakeQueue(), "c")},
		{"review, holding", at(annQueue(), "c")},
		{"review, holding a long message, scrolled", at(long, "c", "down", "down")},
		{"review, reason presets", at(annQueue(), "c", "x", "right")},
		{"review, reason typed", at(annQueue(), "c", "x", "w")},
		{"review, read-only", atDeps(ro)},
		{"compose, empty", at(annQueue(), "n")},
		{"compose, read-only", atDeps(ro, show(composeID))},
		{"pending, list", at(pending, show(pendingID), "down")},
		{"pending, entry open", at(pending, show(pendingID), "down", "enter")},
		{"pending, question", at(pending, show(pendingID), "c")},
		{"pending, filter typed", at(pending, show(pendingID), "/", "b")},
		{"pending, read-only", atDeps(ro, show(pendingID), "down")},
		{"stream, list", at(stream, show(streamID), "down", "down")},
		{"stream, acked entry", at(stream, show(streamID), "G", "up")},
		{"stream, range marked", at(stream, show(streamID), "down", "space", "down")},
		{"stream, entry open", at(stream, show(streamID), "down", "enter")},
		{"stream, filter typed", at(stream, show(streamID), "/", "s")},
		{"stream, jump typed", at(stream, show(streamID), ":", "1")},
		{"stream, search results", at(stream, show(streamID), "/", "S", "enter", "down")},
		{"stream, replay question", at(stream, show(streamID), "G", "up", "r")},
		{"stream, read-only", atDeps(ro, show(streamID), "G", "up")},
		{"dead letters, list", at(dead, show(deadID), "down")},
		{"dead letters, letter open", at(dead, show(deadID), "down", "enter")},
		{"dead letters, question", at(dead, show(deadID), "d")},
		{"dead letters, filter typed", at(dead, show(deadID), "/", "a")},
		{"activity", at(annQueue(), show(activityID))},
		{"quit question", at(annQueue(), "c", "q")},
	}
}

// Every key the footer and the full help show does something, and every
// key that does something is shown: both read the key tables, and this
// reads what the keys do through real Update calls, so a handler that
// drifts from its hint fails here. Keys a mode takes as text, and a key
// whose action does not apply now and says why, are not actions.
func TestEveryShownKeyWorksAndEveryWorkingKeyIsShown(t *testing.T) {
	t.Parallel()
	for _, st := range keyStates() {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) { checkKeys(t, st) })
		})
	}
}

func checkKeys(t *testing.T, st keyState) {
	a := st.setup(t)
	mode := a.screens[a.active].Mode()
	if a.quitting {
		mode = modeQuit
	}
	own := keyOf(a, activeOf(a))
	shown := shownKeys(t, a)
	for _, k := range keyUniverse() {
		a := st.setup(t)
		before := screenText(a)
		_, cmd := a.Update(keyPress(k))
		quit := run(t, a, cmd)
		after := screenText(a)
		acted := cmd != nil || quit || after != before
		isShown := slices.Contains(shown, k)
		_, why := a.c.keys.find(a.screens[a.active].Actions(), mode, k)
		chosen := mode == ModeChoice && k == fmt.Sprint(review(a).reason.choice+1)
		switch {
		case isShown && !acted && (k == own || chosen):
			// brings to the front the screen in front; picks the
			// reason picked
		case isShown && !acted:
			t.Errorf("%q is shown and does nothing", k)
		case !isShown && acted && mode.takesText():
			// typed, or an editing key of the text
		case !isShown && acted && mode == ModeChoice && isText(k):
			// starts a reason of one's own
		case !isShown && acted && why != "" && strings.Contains(after, why):
			// says why its action does not apply now
		case !isShown && acted:
			t.Errorf("%q is not shown but does something:\n%s", k, strings.Join(strings.Fields(after), " "))
		}
	}
}

// shownKeys is the keys of every hint the full help shows, each checked
// to be on screen as it is listed.
func shownKeys(t *testing.T, a *App) []string {
	t.Helper()
	if a.screens[a.active].Mode() != ModeNormal || a.quitting {
		a.keyHelp.ShowAll = true // ? is text there, or not listened to
		a.layout()
	} else {
		press(t, a, "?")
	}
	_, full, tail := a.footerKeys()
	view := screenText(a)
	var keys []string
	for _, col := range append(full, tail) {
		for _, b := range col {
			h := b.Help()
			if !strings.Contains(view, h.Key) || !strings.Contains(view, h.Desc) {
				t.Fatalf("%q %q is not in the full help:\n%s", h.Key, h.Desc, view)
			}
			keys = append(keys, b.Keys()...)
		}
	}
	return keys
}

// The hints follow the keys as a Keymap remaps them, and so does
// dispatch: the old key does nothing.
func TestRemappedKeysAreShownAndWork(t *testing.T) {
	t.Parallel()
	km, err := NewKeymap(map[string][]string{"claim": {"space", "C"}, "ack": {"ctrl+k"}, "screen-pending": {"P"}})
	if err != nil {
		t.Fatal(err)
	}
	d := testDeps(annQueue())
	d.Keymap = km
	a := newTestApp(t, d)
	requireContains(t, a, "space/C claim", "P Pending", "press space/C to claim")
	press(t, a, "c")
	requireLacks(t, a, "ate my message")
	press(t, a, "space")
	requireContains(t, a, "ate my message", "ctrl+k ack")
	press(t, a, "ctrl+k")
	requireContains(t, a, "acked Ann's message")
	press(t, a, "P")
	if activeOf(a) != pendingID {
		t.Fatalf("P showed %s", activeOf(a))
	}
	// The screen's default key is no longer its own.
	old := keyOf(newTestApp(t, testDeps(annQueue())), pendingID)
	press(t, a, keyOf(a, reviewID), old)
	if activeOf(a) != reviewID {
		t.Fatalf("%s showed %s", old, activeOf(a))
	}
}

func TestKeymapRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		over map[string][]string
		want string
	}{
		{map[string][]string{"clam": {"c"}}, `no action named "clam"`},
		{map[string][]string{"claim": {}}, "claim has no key"},
		{map[string][]string{"claim": {"ctrl s"}}, `"ctrl s" is not a key`},
		{map[string][]string{"claim": {"a"}}, `"a" would press both claim and ack on Review`},
		{map[string][]string{"release": {"y"}}, `would press both release and copy-email on Review`},
		{map[string][]string{"help": {"c"}}, `"c" would press both claim and help on Review`},
		{map[string][]string{"redrive": {"d"}}, `"d" would press both redrive and delete on Dead letters`},
		{map[string][]string{"pick": {"1", "esc"}}, `"esc" would press both pick and back on Review (choice)`},
		{map[string][]string{"confirm": {"n"}}, `"n" would press both confirm and cancel`},
		{map[string][]string{"back": {"b"}}, `back needs a key that types nothing`},
	} {
		_, err := NewKeymap(tc.over)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.over, err, tc.want)
		}
	}
	// A key taken on one screen may mean something else on another, and
	// a letter may be an action where nothing types.
	if _, err := NewKeymap(map[string][]string{"replay": {"x"}, "filter": {"f", "/"}}); err != nil {
		t.Fatal(err)
	}
}

// Every action is listed by name with its keys, once, and every name
// the tables use has its keys in one place.
func TestActionsListsEveryAction(t *testing.T) {
	t.Parallel()
	infos := Actions(DefaultKeymap())
	byName := map[string]ActionInfo{}
	for _, info := range infos {
		if _, dup := byName[info.Name]; dup {
			t.Fatalf("%s listed twice", info.Name)
		}
		byName[info.Name] = info
		if len(info.Keys) == 0 || info.Desc == "" || len(info.Where) == 0 {
			t.Fatalf("incomplete: %+v", info)
		}
	}
	for name := range defaultKeys {
		if _, ok := byName[name]; !ok {
			t.Errorf("%s has keys but no action uses it", name)
		}
	}
	for _, e := range screenList {
		if _, ok := byName[screenAction(e.ID)]; !ok {
			t.Errorf("no action brings %s to the front", e.ID)
		}
	}
	for _, name := range []string{"claim", "ack", "ack-and-claim", "release", "dead-letter", "copy-email", "compose",
		"help", "quit", "force-quit", "next-screen", "prev-screen", "redrive", "replay", "mark", "delete", "open",
		"back", "filter", "jump", "refresh", "submit", "up", "down", "top", "bottom", "page-up", "page-down"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no action %s", name)
		}
	}
	if got := byName["claim"]; !slices.Equal(got.Keys, []string{"c"}) || !slices.Equal(got.Where, []string{"Review", "Pending"}) {
		t.Fatalf("claim: %+v", got)
	}
	km, err := NewKeymap(map[string][]string{"claim": {"c", "space"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range Actions(km) {
		if info.Name == "claim" && !slices.Equal(info.Keys, []string{"c", "space"}) {
			t.Fatalf("claim remapped: %+v", info)
		}
	}
}
