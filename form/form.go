package form

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// messageLines is the height of the message box, in rows.
const messageLines = 6

// Form is the compose form: one huh group with Name, Email and Message,
// bound to a *Contact that is updated on every key press.
//
// It never quits or aborts on its own: enter does not submit, ctrl+c is not
// bound, and huh's SubmitCmd/CancelCmd stay nil. The host screen owns
// ctrl+s (call Submit) and esc/ctrl+c.
//
// tab / enter (in Name and Email) go to the next field, shift+tab to the
// previous one, without being blocked by a failing field: the field is
// validated as it loses focus and its error is shown inline. enter in
// Message inserts a new line.
type Form struct {
	c       *Contact
	form    *huh.Form
	name    *huh.Input
	email   *huh.Input
	message *huh.Text
	nav     navKeys
}

type navKeys struct {
	next, prev, inputNext key.Binding
}

// KeyMap returns the huh key map the form uses: tab/shift+tab navigate in
// every field, enter (also ctrl+j, alt+enter) inserts a new line in Message,
// and the bindings that would submit, quit, or open $EDITOR (which over SSH
// would run on the server) are unbound.
func KeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	none := key.NewBinding() // no keys: never matches, even when huh enables it
	km.Quit = none

	km.Input.Next = key.NewBinding(key.WithKeys("tab", "enter"), key.WithHelp("tab", "next"))
	km.Input.Prev = key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back"))
	km.Input.Submit = none

	km.Text.Next = key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next"))
	km.Text.Prev = key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back"))
	km.Text.Submit = none
	km.Text.NewLine = key.NewBinding(key.WithKeys("enter", "ctrl+j", "alt+enter"), key.WithHelp("enter", "new line"))
	km.Text.Editor = none
	return km
}

// New builds the compose form bound to c. width is the form width in cells
// (0 or less: huh's default); theme may be nil for huh's default theme.
// Call Init and return its Cmd when the screen opens.
func New(c *Contact, width int, theme huh.Theme) *Form {
	f := &Form{c: c}
	f.name = huh.NewInput().
		Key(FieldName).
		Title("Name").
		CharLimit(MaxName).
		Value(&c.Name).
		Validate(ValidateName)
	f.email = huh.NewInput().
		Key(FieldEmail).
		Title("Email").
		CharLimit(MaxEmail).
		Value(&c.Email).
		Validate(ValidateEmail)
	f.message = huh.NewText().
		Key(FieldMessage).
		Title("Message").
		Lines(messageLines).
		CharLimit(MaxMessage).
		ExternalEditor(false).
		Value(&c.Message).
		Validate(ValidateMessage)

	km := KeyMap()
	f.nav = navKeys{next: km.Text.Next, prev: km.Text.Prev, inputNext: km.Input.Next}
	f.form = huh.NewForm(huh.NewGroup(f.name, f.email, f.message)).
		WithShowHelp(false).
		WithShowErrors(true).
		WithKeyMap(km).
		WithWidth(width)
	if theme != nil {
		f.form = f.form.WithTheme(theme)
	}
	f.form.SubmitCmd, f.form.CancelCmd = nil, nil
	return f
}

// Huh returns the underlying huh form (for State, Errors, KeyBinds…).
func (f *Form) Huh() *huh.Form { return f.form }

// Init focuses the first field. Its Cmd includes tea.RequestWindowSize; the
// host must forward every message (WindowSizeMsg, BackgroundColorMsg, cursor
// blink messages, key presses, paste) to Update while the form is shown.
func (f *Form) Init() tea.Cmd { return f.form.Init() }

// Update handles navigation keys itself and hands everything else to huh.
func (f *Form) Update(msg tea.Msg) (*Form, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && f.form.State == huh.StateNormal {
		focused := f.form.GetFocusedField()
		switch {
		case key.Matches(k, f.nav.prev):
			if focused == f.name {
				return f, nil
			}
			return f, f.form.PrevField()
		case key.Matches(k, f.nav.next),
			focused != huh.Field(f.message) && key.Matches(k, f.nav.inputNext):
			if focused == f.message {
				return f, nil // last field: tab neither wraps nor submits
			}
			return f, f.form.NextField()
		}
	}
	_, cmd := f.form.Update(msg)
	return f, cmd
}

// View renders the form.
func (f *Form) View() string { return f.form.View() }

// SetWidth resizes the form.
func (f *Form) SetWidth(width int) { f.form = f.form.WithWidth(width) }

// Focused returns the key of the focused field: FieldName, FieldEmail or
// FieldMessage.
func (f *Form) Focused() string {
	switch f.form.GetFocusedField() {
	case f.email:
		return FieldEmail
	case f.message:
		return FieldMessage
	}
	return FieldName
}

// Submit validates the bound contact, marks every failing field so its error
// shows inline, and returns the trimmed contact with one error per failing
// field. When there is none the form moves to huh.StateCompleted and ignores
// further input; build a new Form for the next message.
func (f *Form) Submit() (Contact, []error) {
	c := f.c.Trimmed()
	errs := ValidateAll(*f.c)
	// Blur runs the field's validator and stores its error; re-focus the
	// focused field so it keeps the cursor.
	focused := f.form.GetFocusedField()
	for _, fld := range []huh.Field{f.name, f.email, f.message} {
		fld.Blur()
	}
	if focused != nil {
		focused.Focus()
	}
	f.form.Update(nil) // redraw the fields with their error marks
	if len(errs) == 0 {
		f.form.State = huh.StateCompleted
	}
	return c, errs
}
