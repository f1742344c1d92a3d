package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
)

func compose(a *App) *ComposeScreen { return a.screens[1].(*ComposeScreen) }

// fillForm types a contact into Compose, tab between fields.
func fillForm(t testing.TB, a *App, name, email, message string) {
	t.Helper()
	typeText(t, a, name)
	press(t, a, "tab")
	typeText(t, a, email)
	press(t, a, "tab")
	typeText(t, a, message)
}

func TestComposeAdds(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "n")
	requireContains(t, a, "New contact message", "Name", "Email", "Message", "ctrl+s submit")
	fillForm(t, a, "Quinn 1", "quinn@example.com", "q is a letter, 2 is a digit, n is too")
	if a.active != 1 {
		t.Fatalf("typing left Compose for screen %d", a.active+1)
	}
	press(t, a, "ctrl+s")
	requireContains(t, a, "added Quinn 1's message as 1795426200000-1: the form is ready for the next one")
	if n := countCalls(q, "add Quinn 1"); n != 1 {
		t.Fatalf("%d adds: %v", n, q.callList())
	}
	q.mu.Lock()
	got := q.entries[0]
	q.mu.Unlock()
	if got.Email() != "quinn@example.com" || got.Message() != "q is a letter, 2 is a digit, n is too" {
		t.Fatalf("added %+v", got)
	}
	// A fresh form, focus on Name: typing goes to the new name.
	c := compose(a)
	if c.contact.Name != "" || c.form.Focused() != "name" {
		t.Fatalf("form not reset: %+v, focus %s", *c.contact, c.form.Focused())
	}
	typeText(t, a, "Ro")
	if c.contact.Name != "Ro" {
		t.Fatalf("name after reset: %q", c.contact.Name)
	}
}

// Every error shows next to its own field, the focus moves to the first,
// and an error goes as soon as its field is fixed.
func TestComposeValidationInline(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "n")
	fillForm(t, a, "", "not-an-address", "")
	press(t, a, "ctrl+s")
	requireContains(t, a, "not added: 3 fields need a fix, marked in the form")
	under := func(title string) string {
		lines := strings.Split(screenText(a), "\n")
		for i, l := range lines {
			if strings.Contains(l, title) && i+1 < len(lines) {
				return lines[i+1]
			}
		}
		return ""
	}
	for title, want := range map[string]string{"Name": "✗ required", "Email": "✗ not a valid address", "Message": "✗ required"} {
		if got := under(title); !strings.Contains(got, want) {
			t.Fatalf("under %s: %q, want %q\n%s", title, got, want, screenText(a))
		}
	}
	if got := compose(a).form.Focused(); got != "name" {
		t.Fatalf("focus on %s, want the first failing field", got)
	}
	if n := countCalls(q, "add"); n != 0 {
		t.Fatalf("an invalid form was added")
	}
	typeText(t, a, "Ann")
	if strings.Contains(under("Name"), "✗") {
		t.Fatalf("the fixed field still shows its error:\n%s", screenText(a))
	}
}

// Focus goes to the first failing field even when it is behind the cursor.
func TestComposeFocusMovesToTheError(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	press(t, a, "n")
	fillForm(t, a, "Ann", "ann@", "hello")
	press(t, a, "ctrl+s")
	if got := compose(a).form.Focused(); got != "email" {
		t.Fatalf("focus on %s, want email", got)
	}
	typeText(t, a, "example.com")
	press(t, a, "ctrl+s")
	requireContains(t, a, "added Ann's message")
}

// The message counts its characters; a paste that would go over a limit
// is refused whole, with a note, and what was typed stays.
func TestComposeCounterAndLongPaste(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	press(t, a, "n")
	fillForm(t, a, "Ann", "ann@example.com", "hello")
	requireContains(t, a, "Message  5 / 10,000 characters")
	_, cmd := a.Update(tea.PasteMsg{Content: strings.Repeat("x", 10001)})
	run(t, a, cmd)
	requireContains(t, a, "paste of 10,001 characters refused: the message takes 10,000 (5 typed)",
		"Message  5 / 10,000 characters")
	if got := compose(a).contact.Message; got != "hello" {
		t.Fatalf("message %q", got)
	}
	_, cmd = a.Update(tea.PasteMsg{Content: strings.Repeat("y", 9995)})
	run(t, a, cmd)
	requireContains(t, a, "Message  10,000 / 10,000 characters")
}

func TestComposeAddFailureKeepsText(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "n")
	fillForm(t, a, "Ann", "ann@example.com", "hello")
	q.setFail(&queue.Error{Op: "add", Kind: queue.ErrUnreachable})
	press(t, a, "ctrl+s")
	requireContains(t, a, "adding the message failed: server unreachable — your text is kept, try again with ctrl+s", "ann@example.com")
	q.setFail(nil)
	press(t, a, "ctrl+s")
	requireContains(t, a, "added Ann's message as 1795426200000-1")
}

func TestComposeEscGoesBack(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	press(t, a, "4", "n")
	typeText(t, a, "half")
	press(t, a, "esc")
	if a.active != 3 {
		t.Fatalf("esc went to screen %d, want 4", a.active+1)
	}
	// What was typed is still there when coming back.
	press(t, a, "2")
	if got := compose(a).contact.Name; got != "half" {
		t.Fatalf("name %q", got)
	}
}

func TestComposeCapturesGlobalKeys(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	press(t, a, "n")
	if quit := press(t, a, "q"); quit {
		t.Fatal("q quit while composing")
	}
	press(t, a, "1", "n", "?")
	if a.active != 1 || a.keyHelp.ShowAll {
		t.Fatalf("global keys acted while composing: screen %d, full help %v", a.active+1, a.keyHelp.ShowAll)
	}
	if got := compose(a).contact.Name; got != "q1n?" {
		t.Fatalf("typed %q", got)
	}
	requireContains(t, a, "ctrl+c quit")
	requireLacks(t, a, "q quit")
	if !strings.Contains(screenText(a), "q1n?") {
		t.Fatal("typed text not shown")
	}
}

// The form (about 400 KiB with huh's text area) is built when Compose is
// first shown, not when the session starts, and let go when Compose is
// left with nothing typed; a draft stays.
func TestComposeBuildsItsFormWhenShown(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testDeps(newFakeQueue()))
	c := compose(a)
	if c.form != nil || c.huhStyles != nil {
		t.Fatal("the compose form was built at session start")
	}
	press(t, a, "n")
	if c.form == nil {
		t.Fatal("no form once Compose is shown")
	}
	requireContains(t, a, "Name", "Email", "Message")

	press(t, a, "esc") // back, nothing typed
	if c.form != nil || c.huhStyles != nil {
		t.Fatal("an empty form was kept after leaving Compose")
	}
	press(t, a, "n")
	typeText(t, a, "Dana")
	press(t, a, "esc")
	if c.form == nil || c.contact.Name != "Dana" {
		t.Fatalf("a draft was dropped: form %v, contact %+v", c.form != nil, *c.contact)
	}
	press(t, a, "n")
	requireContains(t, a, "Dana")
	typeText(t, a, "!")
	if c.contact.Name != "Dana!" {
		t.Fatalf("typing after coming back: %q", c.contact.Name)
	}
}
