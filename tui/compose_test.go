package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/form"
	"github.com/reviewq/reviewq/queue"
)

func compose(a *App) *ComposeScreen { return screenOf[*ComposeScreen](a, composeID) }

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
	inBubble(t, func(t *testing.T) {
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
	})
}

// Every error shows next to its own field, the focus moves to the first,
// and an error goes as soon as its field is fixed.
func TestComposeValidationInline(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
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
	})
}

// Focus goes to the first failing field even when it is behind the cursor.
func TestComposeFocusMovesToTheError(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
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
	})
}

// The message counts its characters; a paste that would go over a limit
// is refused whole, with a note, and what was typed stays.
func TestComposeCounterAndLongPaste(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
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
	})
}

func TestComposeAddFailureKeepsText(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
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
	})
}

func TestComposeEscGoesBack(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		a := newTestApp(t, testDeps(newFakeQueue()))
		press(t, a, keyOf(a, streamID), "n")
		typeText(t, a, "half")
		requireContains(t, a, "esc leave (draft kept)")
		press(t, a, "esc")
		if activeOf(a) != streamID {
			t.Fatalf("esc went to %s, want Stream", activeOf(a))
		}
		// It says the draft is kept, where the reviewer went.
		requireContains(t, a, "draft kept: n brings it back")
		// What was typed is still there when coming back.
		press(t, a, keyOf(a, composeID))
		if got := compose(a).contact.Name; got != "half" {
			t.Fatalf("name %q", got)
		}
		// An empty form has nothing to keep.
		a = newTestApp(t, testDeps(newFakeQueue()))
		press(t, a, "n")
		requireContains(t, a, "esc leave")
		requireLacks(t, a, "draft kept")
		press(t, a, "esc")
		requireLacks(t, a, "draft kept")
	})
}

func TestComposeCapturesGlobalKeys(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		a := newTestApp(t, testDeps(newFakeQueue()))
		press(t, a, "n")
		if quit := press(t, a, "q"); quit {
			t.Fatal("q quit while composing")
		}
		press(t, a, keyOf(a, reviewID), "n", "?")
		if activeOf(a) != composeID || a.keyHelp.ShowAll {
			t.Fatalf("global keys acted while composing: %s, full help %v", activeOf(a), a.keyHelp.ShowAll)
		}
		if got := compose(a).contact.Name; got != "q1n?" {
			t.Fatalf("typed %q", got)
		}
		// The footer says what works: how to leave and how to quit, not the
		// keys that are text here.
		requireContains(t, a, "esc leave", "ctrl+c quit")
		requireLacks(t, a, "q quit", "? help")
		if !strings.Contains(screenText(a), "q1n?") {
			t.Fatal("typed text not shown")
		}
	})
}

// lostAnswer is a queue whose first lost adds reach the server but whose
// answers never come back (a timeout after the server added): the
// reviewer sees a failure and submits again.
type lostAnswer struct {
	Queue
	mu   sync.Mutex
	lost int
}

func (q *lostAnswer) AddContactLater(ctx context.Context, key, name, email, message string, notBefore time.Time) (queue.Added, error) {
	added, err := q.Queue.AddContactLater(ctx, key, name, email, message, notBefore)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err == nil && q.lost > 0 {
		q.lost--
		return queue.Added{}, &queue.Error{Op: "add", Kind: queue.ErrTimeout, Cause: context.DeadlineExceeded}
	}
	return added, err
}

// A submit whose answer was lost, submitted again, adds one message: the
// second finds the first and says so, by ID.
func TestComposeRetryAfterLostAnswerAddsOnce(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f := newFakeQueue()
		a := newTestApp(t, testDeps(&lostAnswer{Queue: f, lost: 1}))
		press(t, a, "n")
		fillForm(t, a, "Quinn", "quinn@example.com", "Is my order on its way?")
		press(t, a, "ctrl+s")
		requireContains(t, a, "adding the message failed: server did not answer in time", "your text is kept")
		press(t, a, "ctrl+s")
		requireContains(t, a, "Quinn's message was already added as 1795426200000-1: not added again")
		if n := len(f.entries); n != 1 {
			t.Fatalf("%d messages added by one draft", n)
		}
		if c := compose(a); c.contact.Name != "" {
			t.Fatalf("the draft that is in the stream stayed in the form: %+v", *c.contact)
		}

		// The next draft is a message of its own, even with the same text.
		fillForm(t, a, "Quinn", "quinn@example.com", "Is my order on its way?")
		press(t, a, "ctrl+s")
		requireContains(t, a, "added Quinn's message as 1795426200000-2")
		if n := len(f.entries); n != 2 {
			t.Fatalf("%d messages after a second draft", n)
		}
	})
}

// A draft edited after a failed submit is what the reviewer now means: it
// is added, not answered with the first text.
func TestComposeEditedDraftIsNewMessage(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f := newFakeQueue()
		a := newTestApp(t, testDeps(&lostAnswer{Queue: f, lost: 1}))
		press(t, a, "n")
		fillForm(t, a, "Quinn", "quinn@example.com", "Is my order on its way?")
		press(t, a, "ctrl+s")
		requireContains(t, a, "your text is kept")
		press(t, a, "tab", "tab") // to the message
		typeText(t, a, " It is order 1042.")
		press(t, a, "ctrl+s")
		requireContains(t, a, "added Quinn's message as 1795426200000-2")
	})
}

func TestDraftKey(t *testing.T) {
	c := form.Contact{Name: "Ann", Email: "ann@example.com", Message: "hi"}
	k := draftKey("N1", c)
	if k != draftKey("N1", c) || len(k) > queue.MaxIdempotencyKey {
		t.Fatalf("key %q is not stable or too long", k)
	}
	for _, other := range []string{
		draftKey("N2", c),
		draftKey("N1", form.Contact{Name: "Ann", Email: "ann@example.com", Message: "hi!"}),
		draftKey("N1", form.Contact{Name: "Annann@example.com", Email: "", Message: "hi"}), // fields do not run together
	} {
		if other == k {
			t.Fatalf("two drafts share the key %q", k)
		}
	}
	if newDraftNonce() == newDraftNonce() {
		t.Fatal("two drafts drew the same nonce")
	}
}

// The form (about 400 KiB with huh's text area) is built when Compose is
// first shown, not when the session starts, and let go when Compose is
// left with nothing typed; a draft stays.
func TestComposeBuildsItsFormWhenShown(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
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
	})
}
