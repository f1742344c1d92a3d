package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/form"
	"github.com/reviewq/reviewq/termtext"
)

// ComposeScreen adds contact messages: the form from package form, ctrl+s
// to submit, and a fresh form after each add for the next message.
//
// The form is built when the screen is first shown, and let go when the
// screen is hidden with nothing typed in it: a huh form holds about 400 KiB
// (its text area alone reserves room for 10,000 lines), which a session on
// the SSH desk that never composes should not pay.
type ComposeScreen struct {
	c       *Common
	actions []Action
	contact *form.Contact
	// later is the draft's "Send later" field: when to add it, as typed
	// ("" now).
	later string
	nonce string     // the draft's, for its idempotency key (draftkey.go)
	form  *form.Form // nil until shown, and again once hidden empty
	// huh asks its theme for styles on every render; build both once,
	// with the form.
	huhStyles *[2]*huh.Styles
	busy      bool
	visible   bool
	width     int
	height    int
}

// formMaxWidth keeps the fields readable on a wide terminal.
const formMaxWidth = 100

const composeID ScreenID = "compose"

// NewComposeScreen builds the Compose screen; its form waits until the
// screen is shown.
func NewComposeScreen(c *Common) Screen {
	s := &ComposeScreen{c: c, contact: &form.Contact{}, nonce: newDraftNonce()}
	// The form moves between its fields on tab and shift+tab; the
	// actions hand it those keys, whatever keys they are pressed with.
	field := func(k tea.KeyPressMsg) func(tea.KeyPressMsg) tea.Cmd {
		return func(tea.KeyPressMsg) tea.Cmd {
			var cmd tea.Cmd
			s.form, cmd = s.form.Update(k)
			return cmd
		}
	}
	drafted := func() bool { return s.contact.Trimmed() != (form.Contact{}) || s.later != "" }
	leave := func(tea.KeyPressMsg) tea.Cmd {
		if drafted() {
			s.c.info("draft kept: %s brings it back", s.c.key("compose"))
		}
		return func() tea.Msg { return BackMsg{} }
	}
	s.actions = []Action{
		{Name: "submit", Mode: ModeForm, Desc: "submit", Run: do(s.submit)},
		{Name: "back", Mode: ModeForm, Desc: "leave (draft kept)", When: drafted, Run: leave},
		{Name: "back", Mode: ModeForm, Desc: "leave", When: func() bool { return !drafted() }, Run: leave},
		{Name: "next-field", Mode: ModeForm, Desc: "next field", Short: "fields", Run: field(tea.KeyPressMsg{Code: tea.KeyTab}),
			When: func() bool { return s.form != nil && !s.form.Last() }},
		{Name: "prev-field", Mode: ModeForm, Desc: "prev field", Short: "fields", Run: field(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}),
			When: func() bool { return s.form != nil && s.form.Focused() != form.FieldName }},
	}
	return s
}

// show builds the form if there is none, and returns its Init; nil when
// the form was there already.
func (s *ComposeScreen) show() tea.Cmd {
	if s.form != nil {
		return nil
	}
	s.build()
	return s.form.Init()
}

// hide lets the form go when nothing was typed in it and nothing is on its
// way: building it again when the screen is shown loses nothing.
func (s *ComposeScreen) hide() {
	if s.form != nil && !s.busy && *s.contact == (form.Contact{}) && s.later == "" {
		s.form, s.huhStyles = nil, nil
	}
}

// build makes a form bound to s.contact, so text typed so far is kept.
func (s *ComposeScreen) build() {
	if s.huhStyles == nil {
		s.huhStyles = &[2]*huh.Styles{huh.ThemeCharm(false), huh.ThemeCharm(true)}
	}
	theme := huh.ThemeFunc(func(bool) *huh.Styles {
		// The session's background decides, not huh's own guess.
		if s.c.Theme.IsDark {
			return s.huhStyles[1]
		}
		return s.huhStyles[0]
	})
	// "Send later" reads times in the reviewer's zone, from the session's
	// clock, when it is checked.
	when := func(v string) (time.Time, error) { return termtext.ParseWhen(v, s.c.Now(), s.c.Location) }
	s.form = form.New(s.contact, s.formWidth(), theme, form.WithSendLater(&s.later, when))
	s.form.SetSize(s.formWidth(), s.formHeight())
}

// formHeight is the body under the title line and the gap after it.
func (s *ComposeScreen) formHeight() int { return max(s.height-2, 0) }

func (s *ComposeScreen) formWidth() int {
	if s.width <= 0 {
		return 0
	}
	return min(s.width, formMaxWidth)
}

func (s *ComposeScreen) writes() {}

// Init does nothing: the form is built when the screen is first shown.
func (s *ComposeScreen) Init() tea.Cmd { return nil }

func (s *ComposeScreen) Title() string { return "Compose" }

// Shortcut is n, from any screen that is not taking text; none in a
// read-only session, which cannot add.
func (s *ComposeScreen) Shortcut() (name, desc string) {
	if s.c.ReadOnly {
		return "", ""
	}
	return "compose", "compose"
}

// Mode is the form whenever it is shown: q, digits and n are text.
func (s *ComposeScreen) Mode() Mode {
	if s.c.ReadOnly {
		return ModeNormal
	}
	return ModeForm
}

func (s *ComposeScreen) Actions() []Action {
	if s.c.ReadOnly {
		return nil
	}
	return s.actions
}

func (s *ComposeScreen) SetSize(width, height int) {
	s.width, s.height = width, height
	if s.form != nil {
		s.form.SetSize(s.formWidth(), s.formHeight())
	}
}

func (s *ComposeScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if s.c.ReadOnly {
		return s, nil
	}
	if v, ok := msg.(VisibleMsg); ok {
		s.visible = v.Visible
		if !v.Visible {
			s.hide()
			return s, nil
		}
		if cmd := s.show(); cmd != nil {
			return s, cmd
		}
		return s, s.form.Refocus() // its cursor stopped while hidden
	}
	if s.form == nil {
		// Not shown yet, or let go: what comes (a cursor blink of the
		// form that was) is for nobody. A submit's reply cannot come, as
		// the form is kept while one is on its way.
		return s, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if err := s.form.CheckPaste(msg.Content); err != nil {
			s.c.warn("%s", err.Error())
			return s, nil
		}
	case ContactAddedMsg:
		return s, s.added(msg)
	case StatsLoadedMsg, tea.BackgroundColorMsg:
		// The form draws with the session's theme when it draws; the
		// numbers are not its business.
		return s, nil
	}
	var cmd tea.Cmd
	s.form, cmd = s.form.Update(msg)
	return s, cmd
}

func (s *ComposeScreen) submit() tea.Cmd {
	if s.busy {
		return nil
	}
	c, errs, focus := s.form.Submit()
	if len(errs) > 0 {
		if len(errs) == 1 {
			s.c.warn("not added: 1 field needs a fix, marked in the form")
		} else {
			s.c.warn("not added: %d fields need a fix, marked in the form", len(errs))
		}
		return focus
	}
	s.busy = true
	s.c.info("adding…")
	return addContactCmd(s.c, draftKey(s.nonce, c), c.Name, c.Email, c.Message, s.form.NotBefore())
}

func (s *ComposeScreen) added(msg ContactAddedMsg) tea.Cmd {
	if !s.busy {
		return nil
	}
	s.busy = false
	if msg.Err != nil {
		// The submitted form ignores input; a new one on the same contact
		// keeps what was typed.
		s.c.fail("add", "adding the message", msg.Err, "your text is kept, try again with "+s.c.key("submit"))
		s.build()
		return s.form.Init()
	}
	s.c.succeeded("add")
	name, a := safeID(s.contact.Trimmed().Name), msg.Added
	switch {
	case a.Duplicate:
		// A repeated submit (the first answer was lost): say which entry
		// holds it, so nobody adds it a third time.
		s.c.warn("%s's message was already added as %s: not added again", name, safeID(a.Handle()))
	case a.ScheduledID != "":
		s.c.ok("%s's message is scheduled for %s (%s): nobody gets it before; the form is ready for the next one",
			name, termtext.Clock(a.NotBefore, s.c.Now(), s.c.Location), safeID(a.ScheduledID))
	default:
		s.c.ok("added %s's message as %s: the form is ready for the next one", name, safeID(a.ID))
	}
	s.contact, s.later, s.nonce = &form.Contact{}, "", newDraftNonce()
	if !s.visible { // the reviewer went elsewhere meanwhile: a fresh form when they come back
		s.form, s.huhStyles = nil, nil
		return statsCmd(s.c)
	}
	s.build()
	return tea.Batch(s.form.Init(), statsCmd(s.c))
}

func (s *ComposeScreen) View() string {
	th := s.c.Theme
	if s.c.ReadOnly {
		return lipgloss.NewStyle().Width(max(s.width, 20)).Render(th.ReadOnly.Render("READ-ONLY") + " " +
			th.Subtle.Render("Adding messages is not available in this session (browsing only)."))
	}
	title := th.Title.Render("New contact message")
	if hint := "  " + s.c.key("submit") + " adds it · " + s.c.key("back") + " leaves, keeping the draft"; lipgloss.Width(title+hint) <= s.width {
		title += th.Subtle.Render(hint) // else the footer says it
	}
	if s.form == nil {
		// Drawn before it was shown (the root shows a screen before
		// drawing it, so only a caller that skips VisibleMsg gets here).
		s.build()
	}
	return title + "\n\n" + s.form.View()
}
