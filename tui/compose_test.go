package tui

import (
	"strings"
	"testing"
	"time"

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
	requireContains(t, a, "Added 1795426200000-1 — the form is ready for the next message")
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

func TestComposeValidationInline(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "n")
	fillForm(t, a, "Ann", "not-an-address", "hello")
	press(t, a, "ctrl+s")
	requireContains(t, a, "Not added — email: not a valid address", "* email: not a valid address")
	if n := countCalls(q, "add"); n != 0 {
		t.Fatalf("an invalid form was added")
	}
}

func TestComposeAddFailureKeepsText(t *testing.T) {
	t.Parallel()
	q := newFakeQueue()
	a := newTestApp(t, testDeps(q))
	press(t, a, "n")
	fillForm(t, a, "Ann", "ann@example.com", "hello")
	q.setFail(&queue.Error{Op: "add", Kind: queue.ErrUnreachable})
	press(t, a, "ctrl+s")
	requireContains(t, a, "Not added: server unreachable — your text is kept, try again with ctrl+s", "ann@example.com")
	q.setFail(nil)
	press(t, a, "ctrl+s")
	requireContains(t, a, "Added 1795426200000-1")
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

func TestGoldenComposeValidation(t *testing.T) {
	t.Parallel()
	tm, o := startProgram(t, testDeps(newFakeQueue()), 100, 30)
	waitShown(t, tm, o, 3*time.Second, "● connected")
	sendKeys(tm, "n")
	waitShown(t, tm, o, 3*time.Second, "New contact message")
	tm.Type("Ann")
	sendKeys(tm, "tab")
	tm.Type("ann@example")
	sendKeys(tm, "tab", "ctrl+s")
	waitShown(t, tm, o, 3*time.Second, "Not added", "ann@example")
	requireGoldenView(t, tm)
}
