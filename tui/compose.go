package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/reviewq/reviewq/form"
)

// BackMsg asks the root to go back to the screen shown before the current
// one (esc in Compose).
type BackMsg struct{}

// ComposeScreen adds contact messages: the form from package form, ctrl+s
// to submit, and a fresh form after each add for the next message.
type ComposeScreen struct {
	c       *Common
	contact *form.Contact
	form    *form.Form
	// huh asks its theme for styles on every render; build both once.
	huhStyles [2]*huh.Styles
	busy      bool
	note      string
	noteStyle noteKind
	width     int
	keys      composeKeys
}

type composeKeys struct{ next, prev, back key.Binding }

// formMaxWidth keeps the fields readable on a wide terminal.
const formMaxWidth = 100

// NewComposeScreen builds the Compose screen.
func NewComposeScreen(c *Common) Screen {
	s := &ComposeScreen{
		c:         c,
		huhStyles: [2]*huh.Styles{huh.ThemeCharm(false), huh.ThemeCharm(true)},
		keys: composeKeys{
			next: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
			prev: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev field")),
			back: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		},
	}
	s.contact = &form.Contact{}
	s.build()
	return s
}

// build makes a form bound to s.contact, so text typed so far is kept.
func (s *ComposeScreen) build() {
	theme := huh.ThemeFunc(func(bool) *huh.Styles {
		// The session's background decides, not huh's own guess.
		if s.c.Theme.IsDark {
			return s.huhStyles[1]
		}
		return s.huhStyles[0]
	})
	s.form = form.New(s.contact, s.formWidth(), theme)
}

func (s *ComposeScreen) formWidth() int {
	if s.width <= 0 {
		return 0
	}
	return min(s.width, formMaxWidth)
}

func (s *ComposeScreen) Init() tea.Cmd {
	if s.c.ReadOnly {
		return nil
	}
	return s.form.Init()
}

func (s *ComposeScreen) Title() string { return "Compose" }

// Capturing is true whenever the form is shown: q, digits and n are text.
func (s *ComposeScreen) Capturing() bool { return !s.c.ReadOnly }

func (s *ComposeScreen) SetSize(width, height int) {
	s.width = width
	s.form.SetWidth(s.formWidth())
}

func (s *ComposeScreen) ShortHelp() []key.Binding {
	if s.c.ReadOnly {
		return nil
	}
	return []key.Binding{s.c.Keys.Submit, s.keys.next, s.keys.prev, s.keys.back}
}

func (s *ComposeScreen) FullHelp() [][]key.Binding {
	if s.c.ReadOnly {
		return nil
	}
	return [][]key.Binding{{s.c.Keys.Submit, s.keys.back}, {s.keys.next, s.keys.prev}}
}

func (s *ComposeScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if s.c.ReadOnly {
		return s, nil
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, s.c.Keys.Submit):
			return s, s.submit()
		case key.Matches(msg, s.keys.back):
			return s, func() tea.Msg { return BackMsg{} }
		}
	case ContactAddedMsg:
		return s, s.added(msg)
	case StatsLoadedMsg, ClaimedMsg, PendingLoadedMsg, StreamLoadedMsg, DeadLoadedMsg, KeptAliveMsg, keepAliveTickMsg, countdownTickMsg:
		// Every screen hears every result; the form has no use for these,
		// and rebuilding its view for each costs every SSH session CPU.
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
	c, errs := s.form.Submit()
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		s.setNote(noteErr, "Not added — "+strings.Join(msgs, "; "))
		return nil
	}
	s.busy = true
	s.setNote(noteInfo, "adding…")
	return addContactCmd(s.c, c.Name, c.Email, c.Message)
}

func (s *ComposeScreen) added(msg ContactAddedMsg) tea.Cmd {
	if !s.busy {
		return nil
	}
	s.busy = false
	if msg.Err != nil {
		// The submitted form ignores input; a new one on the same contact
		// keeps what was typed.
		s.setNote(noteErr, "Not added: "+errReason(msg.Err)+" — your text is kept, try again with ctrl+s")
		s.build()
		return s.form.Init()
	}
	s.setNote(noteOK, "Added "+safeID(msg.Added.ID)+" — the form is ready for the next message")
	s.contact = &form.Contact{}
	s.build()
	return tea.Batch(s.form.Init(), statsCmd(s.c))
}

func (s *ComposeScreen) setNote(kind noteKind, note string) { s.note, s.noteStyle = note, kind }

func (s *ComposeScreen) View() string {
	th := s.c.Theme
	if s.c.ReadOnly {
		return th.ReadOnly.Render("READ-ONLY") + " " +
			th.Subtle.Render("Adding messages is not available in this session (browsing only).")
	}
	title := th.Title.Render("New contact message") + "  " +
		th.Subtle.Render("ctrl+s adds it to the stream · esc goes back")
	var note string
	if s.note != "" {
		note = Truncate(s.note, max(s.width, 1))
		switch s.noteStyle {
		case noteOK:
			note = th.Success.Render(note)
		case noteErr:
			note = th.Error.Render(note)
		default:
			note = th.Subtle.Render(note)
		}
	}
	return title + "\n" + note + "\n\n" + s.form.View()
}
