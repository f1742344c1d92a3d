package form

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/termtext"
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
// previous one, without being blocked by a failing field. Each field's
// error shows right under its title: a field that was filled in is checked
// as it loses focus, every field on Submit, and an error goes away as soon
// as the field is fixed. The message's title counts its characters. enter
// in Message inserts a new line.
type Form struct {
	c       *Contact
	form    *huh.Form
	name    *huh.Input
	email   *huh.Input
	message *huh.Text
	// later is the optional "Send later" field (WithSendLater), nil
	// without it; parseLater reads it, and notBefore is what it said at
	// the last Submit (zero: now).
	later      *huh.Input
	parseLater func(string) (time.Time, error)
	notBefore  time.Time
	nav        navKeys
	errs       map[string]string // the error shown under each field, by key
	counted    int               // the message length its title shows; -1 before the first
}

// FieldLater is the key of the optional "Send later" field.
const FieldLater = "later"

// maxLater bounds what the "Send later" field takes: "tomorrow 09:00" and
// a full date with its zone fit many times over.
const maxLater = 64

// Option adds to the form.
type Option func(*Form)

// WithSendLater adds a last, optional field, "Send later", bound to value:
// when to add the message, as the reviewer types it ("10m", "14:00",
// "tomorrow 09:00"; empty adds it now). parse reads it, and refuses what
// is not a time to come; the form shows its error under the field.
func WithSendLater(value *string, parse func(string) (time.Time, error)) Option {
	return func(f *Form) {
		f.parseLater = parse
		f.later = huh.NewInput().
			Key(FieldLater).
			Title("Send later").
			Placeholder("now — or 10m, 14:00, tomorrow 09:00").
			CharLimit(maxLater).
			Value(value)
	}
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
func New(c *Contact, width int, theme huh.Theme, opts ...Option) *Form {
	f := &Form{c: c, errs: map[string]string{}, counted: -1}
	for _, o := range opts {
		o(f)
	}
	// The fields keep their limits for typing; a paste over a limit is
	// refused whole by CheckPaste instead of cut short.
	f.name = huh.NewInput().
		Key(FieldName).
		Title("Name").
		CharLimit(MaxName).
		Value(&c.Name)
	f.email = huh.NewInput().
		Key(FieldEmail).
		Title("Email").
		CharLimit(MaxEmail).
		Value(&c.Email)
	f.message = huh.NewText().
		Key(FieldMessage).
		Lines(messageLines).
		CharLimit(MaxMessage).
		ExternalEditor(false).
		Value(&c.Message)
	f.count()

	if theme == nil {
		theme = huh.ThemeFunc(huh.ThemeCharm)
	}
	km := KeyMap()
	f.nav = navKeys{next: km.Text.Next, prev: km.Text.Prev, inputNext: km.Input.Next}
	fields := []huh.Field{f.name, f.email, f.message}
	if f.later != nil {
		fields = append(fields, f.later)
	}
	f.form = huh.NewForm(huh.NewGroup(fields...)).
		WithShowHelp(false).
		WithShowErrors(false). // each field shows its own, under its title
		WithKeyMap(km).
		WithWidth(width).
		WithTheme(errorsUnderTitles(theme))
	f.form.SubmitCmd, f.form.CancelCmd = nil, nil
	return f
}

// errorsUnderTitles is theme with the fields' descriptions drawn as
// errors: the form uses a field's description for its error only.
func errorsUnderTitles(theme huh.Theme) huh.Theme {
	made := map[*huh.Styles]*huh.Styles{}
	return huh.ThemeFunc(func(isDark bool) *huh.Styles {
		base := theme.Theme(isDark)
		if st, ok := made[base]; ok {
			return st
		}
		st := *base
		for _, fs := range []*huh.FieldStyles{&st.Focused, &st.Blurred} {
			fs.Description = fs.ErrorMessage.UnsetString()
			fs.ErrorIndicator = lipgloss.NewStyle()
		}
		made[base] = &st
		return &st
	})
}

// Huh returns the underlying huh form (for State, Errors, KeyBinds…).
func (f *Form) Huh() *huh.Form { return f.form }

// Init focuses the first field. Its Cmd includes tea.RequestWindowSize; the
// host must forward every message (WindowSizeMsg, BackgroundColorMsg, cursor
// blink messages, key presses, paste) to Update while the form is shown.
func (f *Form) Init() tea.Cmd { return f.form.Init() }

// Refocus focuses the focused field again, for a host that hid the form
// and shows it again: it restarts the cursor.
func (f *Form) Refocus() tea.Cmd {
	if fld := f.form.GetFocusedField(); fld != nil {
		return fld.Focus()
	}
	return nil
}

// Update handles navigation keys itself and hands everything else to huh.
func (f *Form) Update(msg tea.Msg) (*Form, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && f.form.State == huh.StateNormal {
		focused := f.form.GetFocusedField()
		switch {
		case key.Matches(k, f.nav.prev):
			if focused == f.name {
				return f, nil
			}
			f.left(f.Focused())
			return f, f.form.PrevField()
		case key.Matches(k, f.nav.next),
			focused != huh.Field(f.message) && key.Matches(k, f.nav.inputNext):
			if focused == f.last() {
				return f, nil // last field: tab neither wraps nor submits
			}
			f.left(f.Focused())
			return f, f.form.NextField()
		}
	}
	_, cmd := f.form.Update(msg)
	if changed := f.recheck(); f.count() || changed {
		f.form.Update(nil) // huh drew the fields before their titles changed
	}
	return f, cmd
}

// last is the form's last field: tab goes no further.
func (f *Form) last() huh.Field {
	if f.later != nil {
		return f.later
	}
	return f.message
}

// left checks a field the reviewer leaves, when something was typed in it:
// an empty field is only "required" once they submit.
func (f *Form) left(field string) {
	v := f.value(field)
	if strings.TrimSpace(v) == "" {
		return
	}
	f.setErr(field, f.validate(field, v))
}

// recheck clears the errors of fields that are now right, as they are
// typed in, and reports whether it cleared one.
func (f *Form) recheck() bool {
	cleared := false
	for field := range f.errs {
		if f.validate(field, f.value(field)) == nil {
			f.setErr(field, nil)
			cleared = true
		}
	}
	return cleared
}

func (f *Form) validate(field, v string) error {
	switch field {
	case FieldName:
		return ValidateName(v)
	case FieldEmail:
		return ValidateEmail(v)
	case FieldLater:
		_, err := f.when(v)
		return err
	}
	return ValidateMessage(v)
}

// when reads the "Send later" field: the zero time for empty (now).
func (f *Form) when(v string) (time.Time, error) {
	if strings.TrimSpace(v) == "" || f.parseLater == nil {
		return time.Time{}, nil
	}
	t, err := f.parseLater(v)
	if err != nil {
		return time.Time{}, &ValidationError{Field: FieldLater, Msg: err.Error()}
	}
	return t, nil
}

// value is the field's text as it is on screen.
func (f *Form) value(field string) string {
	switch field {
	case FieldName:
		return f.name.GetValue().(string)
	case FieldEmail:
		return f.email.GetValue().(string)
	case FieldLater:
		if f.later == nil {
			return ""
		}
		return f.later.GetValue().(string)
	}
	return f.message.GetValue().(string)
}

// setErr shows err under the field's title, or nothing when nil.
func (f *Form) setErr(field string, err error) {
	text := ""
	if err != nil {
		msg := err.Error()
		var ve *ValidationError
		if errors.As(err, &ve) {
			msg = ve.Msg // the field's name is right above it
		}
		text = "✗ " + msg
		f.errs[field] = text
	} else {
		delete(f.errs, field)
	}
	switch field {
	case FieldName:
		f.name.Description(text)
	case FieldEmail:
		f.email.Description(text)
	case FieldLater:
		f.later.Description(text)
	default:
		f.message.Description(text)
	}
}

// count puts the message's length in its title, and reports whether it
// changed.
func (f *Form) count() bool {
	n := utf8.RuneCountInString(f.value(FieldMessage))
	if n == f.counted && f.counted >= 0 {
		return false
	}
	f.counted = n
	f.message.Title(fmt.Sprintf("Message  %s / %s characters", termtext.Thousands(int64(n)), termtext.Thousands(MaxMessage)))
	return true
}

// View renders the form.
func (f *Form) View() string { return f.form.View() }

// SetSize resizes the form; the height is what it may take, so fields
// that grow an error line stay in view.
func (f *Form) SetSize(width, height int) { f.form = f.form.WithWidth(width).WithHeight(height) }

// Focused returns the key of the focused field: FieldName, FieldEmail,
// FieldMessage or FieldLater.
func (f *Form) Focused() string {
	switch fld := f.form.GetFocusedField(); {
	case fld == f.email:
		return FieldEmail
	case fld == f.message:
		return FieldMessage
	case f.later != nil && fld == f.later:
		return FieldLater
	}
	return FieldName
}

// Last reports whether the focused field is the last one.
func (f *Form) Last() bool { return f.form.GetFocusedField() == f.last() }

// Focus moves the focus to a field (FieldName, FieldEmail, FieldMessage,
// FieldLater).
func (f *Form) Focus(field string) tea.Cmd {
	order := map[string]int{FieldName: 0, FieldEmail: 1, FieldMessage: 2, FieldLater: 3}
	var cmds []tea.Cmd
	for i := 0; i < 4 && f.Focused() != field; i++ {
		if order[f.Focused()] < order[field] {
			cmds = append(cmds, f.form.NextField())
		} else {
			cmds = append(cmds, f.form.PrevField())
		}
	}
	return tea.Batch(cmds...)
}

// PasteError is a paste the form refused because the field would go over
// its limit; nothing of it was inserted.
type PasteError struct {
	Field        string
	Pasted, Have int // characters in the paste, and already in the field
	Limit        int
}

func (e *PasteError) Error() string {
	return fmt.Sprintf("paste of %s characters refused: the %s takes %s (%s typed)",
		termtext.Thousands(int64(e.Pasted)), e.Field, termtext.Thousands(int64(e.Limit)), termtext.Thousands(int64(e.Have)))
}

// CheckPaste refuses a paste that would take the focused field over its
// limit, rather than let it be cut without a word.
func (f *Form) CheckPaste(text string) error {
	field := f.Focused()
	limit := map[string]int{FieldName: MaxName, FieldEmail: MaxEmail, FieldMessage: MaxMessage, FieldLater: maxLater}[field]
	pasted, have := utf8.RuneCountInString(text), utf8.RuneCountInString(f.value(field))
	if pasted+have > limit {
		return &PasteError{Field: field, Pasted: pasted, Have: have, Limit: limit}
	}
	return nil
}

// Submit validates the bound contact (and when to send it), shows every
// failing field's error under its title, moves the focus to the first of
// them, and returns the trimmed contact with one error per failing field.
// When there is none the form moves to huh.StateCompleted and ignores
// further input (NotBefore says when to add it); build a new Form for the
// next message.
func (f *Form) Submit() (Contact, []error, tea.Cmd) {
	c := f.c.Trimmed()
	errs := ValidateAll(*f.c)
	for _, field := range []string{FieldName, FieldEmail, FieldMessage} {
		f.setErr(field, nil)
	}
	if f.later != nil {
		f.setErr(FieldLater, nil)
		t, err := f.when(f.value(FieldLater))
		if err != nil {
			errs = append(errs, err)
		}
		f.notBefore = t
	}
	for _, err := range errs {
		var ve *ValidationError
		if errors.As(err, &ve) {
			f.setErr(ve.Field, ve)
		}
	}
	f.form.Update(nil) // draw the fields with their errors
	if len(errs) == 0 {
		f.form.State = huh.StateCompleted
		return c, nil, nil
	}
	var first *ValidationError
	if !errors.As(errs[0], &first) {
		return c, errs, nil
	}
	return c, errs, f.Focus(first.Field)
}

// NotBefore is when the last successful Submit asked to add the message:
// the zero time for now.
func (f *Form) NotBefore() time.Time { return f.notBefore }
