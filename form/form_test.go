package form

import (
	"errors"
	"fmt"
	"image/color"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
)

// drive feeds msg to f, then runs the Cmds it returns and feeds their
// messages back, breadth first, for a bounded number of rounds.
func drive(t *testing.T, f *Form, msg tea.Msg) {
	t.Helper()
	queue := []tea.Msg{msg}
	for round := 0; len(queue) > 0 && round < 50; round++ {
		m := queue[0]
		queue = queue[1:]
		var cmd tea.Cmd
		f, cmd = f.Update(m)
		queue = append(queue, runCmd(t, cmd)...)
	}
}

// runCmd runs cmd and flattens Batch/Sequence results into plain messages.
// A cursor's blink is left unrun: it waits half a second to toggle the
// cursor, which no test looks at. Every other command the form returns
// answers at once, so no command is dropped for being slow.
func runCmd(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil || cursorBlink(cmd) {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(10 * time.Second): // a hang fails rather than stalls the run
		t.Fatalf("the command %s did not return", funcName(cmd))
	}
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, runCmd(t, c)...)
		}
		return out
	}
	// tea.Sequence returns an unexported sequenceMsg ([]tea.Cmd).
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		var out []tea.Msg
		for i := range v.Len() {
			out = append(out, runCmd(t, v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// cursorBlink tells a command of the bubbles cursor (its blink, and the
// message that starts it) from the rest by the function it runs.
func cursorBlink(cmd tea.Cmd) bool {
	return strings.HasPrefix(funcName(cmd), "charm.land/bubbles/v2/cursor.")
}

func funcName(cmd tea.Cmd) string {
	return runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
}

func typeText(t *testing.T, f *Form, s string) {
	t.Helper()
	for _, r := range s {
		drive(t, f, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

var (
	tab      = tea.KeyPressMsg{Code: tea.KeyTab}
	shiftTab = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	enter    = tea.KeyPressMsg{Code: tea.KeyEnter}
	ctrlC    = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	ctrlE    = tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl}
)

func newTestForm(t *testing.T, c *Contact) *Form {
	t.Helper()
	f := New(c, 60, nil)
	for _, m := range runCmd(t, f.Init()) {
		drive(t, f, m)
	}
	drive(t, f, tea.WindowSizeMsg{Width: 80, Height: 40})
	return f
}

func view(f *Form) string { return ansi.Strip(f.View()) }

func TestFormTypingAndNavigation(t *testing.T) {
	var c Contact
	f := newTestForm(t, &c)
	if got := f.Focused(); got != FieldName {
		t.Fatalf("focused = %q, want name", got)
	}
	v := view(f)
	for _, want := range []string{"Name", "Email", "Message"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}

	typeText(t, f, "Ana")
	drive(t, f, tab)
	if got := f.Focused(); got != FieldEmail {
		t.Fatalf("after tab focused = %q, want email", got)
	}
	typeText(t, f, "ana@example")
	drive(t, f, tab)
	if got := f.Focused(); got != FieldMessage {
		t.Fatalf("after tab focused = %q, want message", got)
	}
	if c.Name != "Ana" || c.Email != "ana@example" {
		t.Fatalf("bound contact = %+v", c)
	}
	if v := view(f); !regexpUnder(v, "Email", "✗ not a valid address") {
		t.Errorf("invalid email error not shown under its field:\n%s", v)
	}

	// enter in Message is a new line, not submit; tab on the last field is a no-op.
	typeText(t, f, "hi")
	drive(t, f, enter)
	typeText(t, f, "there")
	drive(t, f, tab)
	if c.Message != "hi\nthere" {
		t.Errorf("message = %q, want %q", c.Message, "hi\nthere")
	}
	if f.Focused() != FieldMessage || f.Huh().State != huh.StateNormal {
		t.Errorf("tab on last field: focused %q state %v", f.Focused(), f.Huh().State)
	}

	// shift+tab back to Email even though it is invalid, fix it.
	drive(t, f, shiftTab)
	if got := f.Focused(); got != FieldEmail {
		t.Fatalf("after shift+tab focused = %q, want email", got)
	}
	typeText(t, f, ".org")
	if v := view(f); strings.Contains(v, "not a valid address") {
		t.Errorf("error still shown after editing:\n%s", v)
	}
	drive(t, f, shiftTab)
	drive(t, f, shiftTab) // no-op on the first field
	if got := f.Focused(); got != FieldName {
		t.Fatalf("focused = %q, want name", got)
	}
	// enter in an Input moves on, it never submits.
	drive(t, f, enter)
	if got := f.Focused(); got != FieldEmail || f.Huh().State != huh.StateNormal {
		t.Fatalf("enter in name: focused %q state %v", got, f.Huh().State)
	}

	// ctrl+c and ctrl+e are not the form's business.
	drive(t, f, ctrlC)
	drive(t, f, ctrlE)
	if f.Huh().State != huh.StateNormal {
		t.Fatalf("state = %v after ctrl+c", f.Huh().State)
	}

	want := Contact{Name: "Ana", Email: "ana@example.org", Message: "hi\nthere"}
	got, errs, _ := f.Submit()
	if len(errs) != 0 || got != want {
		t.Fatalf("Submit = %+v, %v; want %+v, no errors", got, errs, want)
	}
	if f.Huh().State != huh.StateCompleted {
		t.Errorf("state = %v, want completed", f.Huh().State)
	}
}

func TestFormSubmitShowsEveryError(t *testing.T) {
	c := Contact{Name: "  ", Email: "bob@x"}
	f := newTestForm(t, &c)
	_, errs, _ := f.Submit()
	if len(errs) != 3 {
		t.Fatalf("errors = %v, want 3", errs)
	}
	if f.Huh().State != huh.StateNormal {
		t.Errorf("state = %v, want normal", f.Huh().State)
	}
	v := view(f)
	for title, want := range map[string]string{"Name": "✗ required", "Email": "✗ not a valid address", "Message": "✗ required"} {
		if !regexpUnder(v, title, want) {
			t.Errorf("%q is not under %s:\n%s", want, title, v)
		}
	}
	if f.Focused() != FieldName {
		t.Errorf("focus moved to %q", f.Focused())
	}
	// still usable
	typeText(t, f, "Bo")
	if c.Name != "  Bo" {
		t.Errorf("name = %q", c.Name)
	}
}

// The theme the host gives is the one the form draws with, in its light or
// dark variant as the terminal's background says, errors under the titles
// included. The views are compared with their escapes: lipgloss leaves
// colours in and a terminal's profile takes them down on output.
func TestFormTheme(t *testing.T) {
	draw := func(theme huh.Theme, dark bool) string {
		var c Contact
		f := New(&c, 60, theme)
		for _, m := range runCmd(t, f.Init()) {
			drive(t, f, m)
		}
		bg := color.Color(color.White)
		if dark {
			bg = color.Black
		}
		drive(t, f, tea.BackgroundColorMsg{Color: bg})
		f.Submit() // every field "required": the errors are drawn too
		return f.View()
	}
	for _, c := range []struct {
		name  string
		given huh.Theme // nil: the form's default
		drawn huh.ThemeFunc
	}{
		{"default", nil, huh.ThemeCharm},
		{"given", huh.ThemeFunc(huh.ThemeDracula), huh.ThemeDracula},
	} {
		views := map[bool]string{}
		for _, dark := range []bool{true, false} {
			v := draw(c.given, dark)
			views[dark] = v
			st := c.drawn(dark).Focused
			for what, want := range map[string]string{
				"the focused title": st.Title.Render("Name"),
				"an error":          st.ErrorMessage.UnsetString().Render("✗ required"),
			} {
				if !strings.Contains(v, want) {
					t.Errorf("%s theme, dark=%v: %s is not drawn as the theme says (%q) in:\n%q", c.name, dark, what, want, v)
				}
			}
		}
		if c.name == "default" && views[true] == views[false] {
			t.Errorf("the default theme draws the same on a light background as on a dark one:\n%q", views[true])
		}
	}
	if draw(nil, true) == draw(huh.ThemeFunc(huh.ThemeDracula), true) {
		t.Error("a given theme draws the same as the default")
	}
}

// regexpUnder reports whether the line after the one holding title holds
// want: a field's error sits right under its title.
func regexpUnder(view, title, want string) bool {
	lines := strings.Split(view, "\n")
	for i, l := range lines {
		if strings.Contains(l, title) && i+1 < len(lines) && strings.Contains(lines[i+1], want) {
			return true
		}
	}
	return false
}

// Submit moves the focus to the first failing field, wherever the cursor
// was.
func TestFormSubmitFocusesTheFirstError(t *testing.T) {
	c := Contact{Name: "Ann", Email: "ann@", Message: "hi"}
	f := newTestForm(t, &c)
	drive(t, f, tab)
	drive(t, f, tab)
	if f.Focused() != FieldMessage {
		t.Fatalf("focused %q", f.Focused())
	}
	_, errs, cmd := f.Submit()
	runCmd(t, cmd)
	if len(errs) != 1 || f.Focused() != FieldEmail {
		t.Fatalf("errors %v, focus %q; want the email focused", errs, f.Focused())
	}
}

// An empty field is not "required" just because the cursor passed it;
// a filled one is checked as it is left, and fixed as it is typed.
func TestFormErrorsAsYouGo(t *testing.T) {
	var c Contact
	f := newTestForm(t, &c)
	drive(t, f, tab)
	if strings.Contains(view(f), "✗") {
		t.Fatalf("an untouched field shows an error:\n%s", view(f))
	}
	typeText(t, f, "x@")
	drive(t, f, tab)
	if !regexpUnder(view(f), "Email", "✗ not a valid address") {
		t.Fatalf("a bad address is not marked as it is left:\n%s", view(f))
	}
	drive(t, f, shiftTab)
	typeText(t, f, "y.org")
	if strings.Contains(view(f), "✗") {
		t.Fatalf("the fixed address still shows its error:\n%s", view(f))
	}
}

// The message's title counts its characters as they are typed or pasted.
func TestFormCountsTheMessage(t *testing.T) {
	var c Contact
	f := newTestForm(t, &c)
	drive(t, f, tab)
	drive(t, f, tab)
	if !strings.Contains(view(f), "Message  0 / 10,000 characters") {
		t.Fatalf("no counter:\n%s", view(f))
	}
	typeText(t, f, "héllo")
	drive(t, f, tea.PasteMsg{Content: strings.Repeat("é", 1234)})
	if !strings.Contains(view(f), "Message  1,239 / 10,000 characters") {
		t.Fatalf("the counter did not follow:\n%s", view(f))
	}
}

// A paste that would take a field over its limit is refused whole, not cut.
func TestFormRefusesALongPaste(t *testing.T) {
	var c Contact
	f := newTestForm(t, &c)
	if err := f.CheckPaste(strings.Repeat("n", MaxName+1)); err == nil {
		t.Fatal("a name longer than the limit was let in")
	}
	typeText(t, f, "Ann")
	err := f.CheckPaste(strings.Repeat("n", MaxName-2))
	var pe *PasteError
	if !errors.As(err, &pe) || pe.Field != FieldName || pe.Have != 3 || pe.Pasted != MaxName-2 {
		t.Fatalf("CheckPaste = %v", err)
	}
	if err := f.CheckPaste(strings.Repeat("n", MaxName-3)); err != nil {
		t.Fatalf("a paste that fits was refused: %v", err)
	}
	drive(t, f, tab)
	drive(t, f, tab)
	if err := f.CheckPaste(strings.Repeat("m", MaxMessage)); err != nil {
		t.Fatalf("a message at the limit was refused: %v", err)
	}
	if err := f.CheckPaste(strings.Repeat("m", MaxMessage+1)); err == nil ||
		err.Error() != "paste of 10,001 characters refused: the message takes 10,000 (0 typed)" {
		t.Fatalf("CheckPaste = %v", err)
	}
}

// "Send later" is optional and last: empty adds now, a time to come is
// NotBefore, anything else is an error under it, and tab stops there.
func TestFormSendLater(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	parse := func(s string) (time.Time, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("%q is not a time to come", s)
		}
		return now.Add(d), nil
	}
	c := Contact{Name: "Ann", Email: "ann@example.com", Message: "call me"}
	var later string
	f := New(&c, 60, nil, WithSendLater(&later, parse))
	for _, m := range runCmd(t, f.Init()) {
		drive(t, f, m)
	}
	drive(t, f, tea.WindowSizeMsg{Width: 80, Height: 40})
	if _, errs, _ := f.Submit(); len(errs) != 0 || !f.NotBefore().IsZero() {
		t.Fatalf("empty send later: %v, not before %v; want now", errs, f.NotBefore())
	}

	f = New(&c, 60, nil, WithSendLater(&later, parse))
	for _, m := range runCmd(t, f.Init()) {
		drive(t, f, m)
	}
	drive(t, f, tea.WindowSizeMsg{Width: 80, Height: 40})
	drive(t, f, tab)
	drive(t, f, tab)
	drive(t, f, tab)
	if f.Focused() != FieldLater || !f.Last() {
		t.Fatalf("focused %q after three tabs, want the last field, later", f.Focused())
	}
	drive(t, f, tab) // the last field: tab goes no further
	if f.Focused() != FieldLater {
		t.Fatalf("tab left the last field for %q", f.Focused())
	}
	typeText(t, f, "soon")
	_, errs, _ := f.Submit()
	if len(errs) != 1 || !strings.Contains(view(f), `✗ "soon" is not a time to come`) {
		t.Fatalf("errors %v, view:\n%s", errs, view(f))
	}
	if err := f.CheckPaste(strings.Repeat("9", 61)); err == nil {
		t.Fatal("a paste past the field's limit was taken")
	}
	for range 4 {
		drive(t, f, tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(t, f, "10m")
	if _, errs, _ := f.Submit(); len(errs) != 0 || !f.NotBefore().Equal(now.Add(10*time.Minute)) {
		t.Fatalf("send later 10m: %v, not before %v", errs, f.NotBefore())
	}
}
