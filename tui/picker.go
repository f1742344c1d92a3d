package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// ProfileChoice is a profile the picker offers: its name and the server
// it works on, as shown to people (no password).
type ProfileChoice struct {
	Name   string
	Server string
}

// Picker asks which profile to open, when the settings file has several
// and nothing chose one. It is a program of its own, run before the
// console: after it ends, Picked says what was chosen.
type Picker struct {
	file    string
	choices []ProfileChoice
	cursor  int
	top     int // the first row shown, when they do not all fit
	picked  int // -1 until one is picked
	opts    styles.Options
	theme   *styles.Theme
	width   int
	height  int
	failed  string // why the profile picked last did not open
}

// The picker's lines around its rows: the title and the file, a blank
// line, the rows, a blank line and the keys.
const pickerChrome = 5

// NewPicker offers choices, read from file, drawn in the settings'
// theme.
func NewPicker(file string, choices []ProfileChoice, opts styles.Options) *Picker {
	return &Picker{file: file, choices: choices, picked: -1, opts: opts, theme: styles.Build(opts, true)}
}

// Picked is the chosen profile's name; false when the user quit.
func (p *Picker) Picked() (string, bool) {
	if p.picked < 0 {
		return "", false
	}
	return p.choices[p.picked].Name, true
}

// Failed says the profile name, picked before, did not open and why: the
// picker shows the reason under the list, its cursor on that profile, and
// asks again.
func (p *Picker) Failed(name, why string) {
	p.failed = name + ": " + why
	for i, c := range p.choices {
		if c.Name == name {
			p.cursor = i
		}
	}
	p.scroll()
}

// Init asks for the terminal's background, as the console does.
func (p *Picker) Init() tea.Cmd { return tea.RequestBackgroundColor }

// Update moves the cursor, picks or quits.
func (p *Picker) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.width, p.height = msg.Width, msg.Height
		p.scroll()
	case tea.BackgroundColorMsg:
		p.theme = styles.Build(p.opts, msg.IsDark())
	case tea.KeyPressMsg:
		return p, p.key(msg)
	case tea.MouseClickMsg:
		if row := msg.Mouse().Y - 3 + p.top; msg.Button == tea.MouseLeft && row >= p.top && row < min(len(p.choices), p.top+p.rows()) {
			return p, p.pick(row)
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			p.move(-1)
		case tea.MouseWheelDown:
			p.move(1)
		}
	}
	return p, nil
}

func (p *Picker) key(msg tea.KeyPressMsg) tea.Cmd {
	switch k := msg.String(); k {
	case "up", "k", "shift+tab":
		p.move(-1)
	case "down", "j", "tab":
		p.move(1)
	case "home", "g":
		p.move(-len(p.choices))
	case "end", "G":
		p.move(len(p.choices))
	case "enter", "space":
		return p.pick(p.cursor)
	case "q", "esc", "ctrl+c":
		return tea.Quit
	default:
		if len(k) == 1 && k[0] >= '1' && k[0] <= '9' && int(k[0]-'1') < len(p.choices) {
			return p.pick(int(k[0] - '1'))
		}
	}
	return nil
}

func (p *Picker) move(by int) {
	p.cursor = max(0, min(len(p.choices)-1, p.cursor+by))
	p.scroll()
}

func (p *Picker) pick(i int) tea.Cmd {
	p.picked = i
	return tea.Quit
}

// rows is how many profiles fit.
func (p *Picker) rows() int {
	if p.height == 0 {
		return len(p.choices)
	}
	chrome := pickerChrome
	if p.failed != "" {
		chrome++
	}
	return max(1, p.height-chrome)
}

// scroll keeps the cursor's row in view.
func (p *Picker) scroll() {
	n := p.rows()
	p.top = max(0, min(p.top, p.cursor), p.cursor-n+1)
}

// View lists the profiles, the cursor's highlighted.
func (p *Picker) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	th := p.theme
	nameWidth := 0
	for _, c := range p.choices {
		nameWidth = max(nameWidth, lipgloss.Width(termtext.Line(c.Name, 30)))
	}
	lines := []string{
		" " + th.Title.Render("reviewq") + th.Subtle.Render(" · choose a profile"),
		" " + th.Subtle.Render("from "+termtext.SanitizeLine(p.file)),
		"",
	}
	if p.top > 0 {
		lines[2] = " " + th.Subtle.Render(fmt.Sprintf("↑ %d more", p.top))
	}
	for i := p.top; i < min(len(p.choices), p.top+p.rows()); i++ {
		c := p.choices[i]
		marker, name := "  ", th.Value
		if i == p.cursor {
			marker, name = th.Selected.Render("› "), th.Selected
		}
		digit := " "
		if i < 9 {
			digit = fmt.Sprint(i + 1)
		}
		lines = append(lines, " "+marker+th.Subtle.Render(digit)+" "+
			name.Width(nameWidth).Render(termtext.Line(c.Name, 30))+"  "+
			th.Subtle.Render(termtext.SanitizeLine(c.Server)))
	}
	below := ""
	if rest := len(p.choices) - (p.top + p.rows()); rest > 0 {
		below = " " + th.Subtle.Render(fmt.Sprintf("↓ %d more", rest))
	}
	lines = append(lines, below)
	if p.failed != "" {
		lines = append(lines, " "+th.Error.Render(termtext.SanitizeLine(p.failed)))
	}
	lines = append(lines, " "+th.Subtle.Render("↑/↓ move · enter open · 1-9 pick · q quit"))
	if p.width > 0 {
		for i, l := range lines {
			lines[i] = termtext.Truncate(l, p.width)
		}
	}
	v.SetContent(strings.Join(lines, "\n"))
	return v
}
