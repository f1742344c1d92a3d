package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/reviewq/reviewq/styles"
)

var pickerChoices = []ProfileChoice{
	{"local", "redis://127.0.0.1:6379"},
	{"staging", "rediss://staging.example.com:6379"},
	{"prod", "rediss://queue.example.com:6379"},
}

func newTestPicker(w, h int) *Picker {
	p := NewPicker("/home/alice/.config/reviewq/config.yaml", pickerChoices, styles.Options{})
	p.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return p
}

func TestPickerPicks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		keys []string
		want string // "" for none
	}{
		{[]string{"enter"}, "local"},
		{[]string{"down", "enter"}, "staging"},
		{[]string{"j", "j", "j", "j", "enter"}, "prod"}, // the cursor stops at the last
		{[]string{"G", "k", "enter"}, "staging"},
		{[]string{"3"}, "prod"},
		{[]string{"9"}, ""}, // no ninth: nothing picked, still asking
		{[]string{"down", "q"}, ""},
		{[]string{"esc"}, ""},
		{[]string{"ctrl+c"}, ""},
	} {
		p := newTestPicker(80, 24)
		quit := false
		for _, k := range c.keys {
			_, cmd := p.Update(keyMsg(k))
			quit = cmd != nil && isQuit(cmd)
		}
		name, ok := p.Picked()
		if name != c.want || ok != (c.want != "") {
			t.Errorf("%v: picked %q, %v; want %q", c.keys, name, ok, c.want)
		}
		if wantQuit := c.want != "" || c.keys[len(c.keys)-1] != "9"; quit != wantQuit {
			t.Errorf("%v: quit %v", c.keys, quit)
		}
	}
}

func TestPickerPicksTheRowClicked(t *testing.T) {
	t.Parallel()
	p := newTestPicker(80, 24)
	lines := strings.Split(ansi.Strip(p.View().Content), "\n")
	row := -1
	for i, l := range lines {
		if strings.Contains(l, "staging") {
			row = i
		}
	}
	_, cmd := p.Update(tea.MouseClickMsg{X: 10, Y: row, Button: tea.MouseLeft})
	if name, _ := p.Picked(); name != "staging" || cmd == nil || !isQuit(cmd) {
		t.Errorf("clicked line %d: picked %q", row, name)
	}
	p = newTestPicker(80, 24)
	if _, cmd := p.Update(tea.MouseClickMsg{X: 10, Y: 0, Button: tea.MouseLeft}); cmd != nil {
		t.Error("a click on the title picked something")
	}
}

// A list longer than the window scrolls with the cursor.
func TestPickerScrolls(t *testing.T) {
	t.Parallel()
	var many []ProfileChoice
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		many = append(many, ProfileChoice{n, n + ".example.com:6379"})
	}
	p := NewPicker("config.yaml", many, styles.Options{})
	p.Update(tea.WindowSizeMsg{Width: 60, Height: 8}) // three rows fit
	for range 5 {
		p.Update(keyMsg("down"))
	}
	v := ansi.Strip(p.View().Content)
	if strings.Count(v, "\n")+1 != 8 || !strings.Contains(v, "› 6 f") || strings.Contains(v, "c.example") || !strings.Contains(v, "d.example") {
		t.Errorf("view:\n%s", v)
	}
	// What is out of sight is counted above and below the rows.
	if !strings.Contains(v, "↑ 3 more") || !strings.Contains(v, "↓ 2 more") {
		t.Errorf("no marks of the rows out of sight:\n%s", v)
	}
	p.Update(keyMsg("g"))
	if v := ansi.Strip(p.View().Content); strings.Contains(v, "↑ 3 more") || !strings.Contains(v, "↓ 5 more") {
		t.Errorf("at the top:\n%s", v)
	}
}

// A profile that did not open is named with its reason under the list,
// the cursor on it, and the picker asks again; the rows give way to the
// line on a short window.
func TestPickerSaysWhyAProfileDidNotOpen(t *testing.T) {
	t.Parallel()
	p := newTestPicker(80, 24)
	p.Failed("staging", "connect rediss://staging.example.com:6379: server unreachable")
	v := ansi.Strip(p.View().Content)
	if !strings.Contains(v, "staging: connect rediss://staging.example.com:6379: server unreachable") || !strings.Contains(v, "› 2 staging") {
		t.Errorf("view:\n%s", v)
	}
	if _, ok := p.Picked(); ok {
		t.Error("a profile counts as picked before the user picks again")
	}
	p.Update(keyMsg("enter"))
	if name, _ := p.Picked(); name != "staging" {
		t.Errorf("picked %q", name)
	}
	short := newTestPicker(60, 7)
	short.Failed("prod", "server unreachable")
	v = ansi.Strip(short.View().Content)
	if n := strings.Count(v, "\n") + 1; n != 7 || !strings.Contains(v, "prod: server unreachable") || !strings.Contains(v, "› 3 prod") {
		t.Errorf("%d lines:\n%s", n, v)
	}
}

func TestGoldenPicker(t *testing.T) {
	t.Parallel()
	p := newTestPicker(goldenW, goldenH)
	p.Update(keyMsg("down"))
	golden.RequireEqual(t, ansi.Strip(p.View().Content))
}

func TestPickerFitsANarrowWindow(t *testing.T) {
	t.Parallel()
	p := newTestPicker(30, 10)
	for _, l := range strings.Split(p.View().Content, "\n") {
		if w := ansi.StringWidth(l); w > 30 {
			t.Errorf("%d cells: %q", w, ansi.Strip(l))
		}
	}
}

func isQuit(cmd tea.Cmd) bool {
	_, ok := cmd().(tea.QuitMsg)
	return ok
}
