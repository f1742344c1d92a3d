// Package styles is reviewq's lipgloss theme: every style and badge, built
// per session from that session's background, with no logic of its own.
package styles

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// Theme holds every style the screens draw with. Build one per session with
// New: colours depend on the session's terminal background, which over SSH
// is the user's, not the server's.
type Theme struct {
	IsDark bool

	Header      lipgloss.Style
	HeaderKey   lipgloss.Style
	HeaderValue lipgloss.Style
	Tab         lipgloss.Style
	ActiveTab   lipgloss.Style
	Title       lipgloss.Style
	Subtle      lipgloss.Style
	Label       lipgloss.Style
	Value       lipgloss.Style
	Body        lipgloss.Style
	Selected    lipgloss.Style
	TableHeader lipgloss.Style
	Status      lipgloss.Style
	Success     lipgloss.Style
	Error       lipgloss.Style
	Warning     lipgloss.Style
	Prompt      lipgloss.Style

	// Badges.
	Embedded  lipgloss.Style
	Connected lipgloss.Style
	Offline   lipgloss.Style
	Reclaimed lipgloss.Style
	Released  lipgloss.Style
	Snoozed   lipgloss.Style
	Replay    lipgloss.Style
	Delivery  lipgloss.Style
	KeepAlive lipgloss.Style
	ReadOnly  lipgloss.Style
	StateNew  lipgloss.Style
	StatePend lipgloss.Style
	StateAck  lipgloss.Style
	StateDead lipgloss.Style
}

// Mode is the background a theme's colours are made for.
type Mode uint8

const (
	// Auto follows the terminal: dark until it reports its background,
	// then whatever it reported.
	Auto Mode = iota
	Dark
	Light
)

func (m Mode) String() string {
	switch m {
	case Dark:
		return "dark"
	case Light:
		return "light"
	}
	return "auto"
}

// Options are what a settings file chooses about a session's theme: the
// mode, and colours that replace the base's, by name (ColorNames). The
// zero Options is Auto with the base colours.
type Options struct {
	Mode   Mode
	Colors map[string]color.Color
}

// The colours every style is made of.
const (
	fgColor = iota
	subtleColor
	accentColor
	successColor
	errorColor
	warningColor
	infoColor
	panelColor
	badgeTextColor
	numColors
)

// colorNames are the palette's colours as a settings file names them.
var colorNames = [numColors]string{
	fgColor: "foreground", subtleColor: "subtle", accentColor: "accent",
	successColor: "success", errorColor: "error", warningColor: "warning", infoColor: "info",
	panelColor: "panel", badgeTextColor: "badgeText",
}

type palette [numColors]color.Color

var (
	darkPalette = palette{
		fgColor: lipgloss.Color("#E6EDF3"), subtleColor: lipgloss.Color("#8B949E"), accentColor: lipgloss.Color("#BC8CFF"),
		successColor: lipgloss.Color("#3FB950"), errorColor: lipgloss.Color("#F85149"), warningColor: lipgloss.Color("#D29922"),
		infoColor: lipgloss.Color("#58A6FF"), panelColor: lipgloss.Color("#21262D"), badgeTextColor: lipgloss.Color("#0D1117"),
	}
	lightPalette = palette{
		fgColor: lipgloss.Color("#1F2328"), subtleColor: lipgloss.Color("#6E7781"), accentColor: lipgloss.Color("#6F42C1"),
		successColor: lipgloss.Color("#1A7F37"), errorColor: lipgloss.Color("#CF222E"), warningColor: lipgloss.Color("#9A6700"),
		infoColor: lipgloss.Color("#0969DA"), panelColor: lipgloss.Color("#EAEEF2"), badgeTextColor: lipgloss.Color("#FFFFFF"),
	}
)

// ColorNames are the colours Options.Colors may replace. Each is used by
// several styles: "error" by errors, the offline state and dead letters,
// "panel" by the header's background, "badgeText" by the text on badges.
func ColorNames() []string { return slices.Clone(colorNames[:]) }

// ParseColor reads a colour as a settings file writes it: "#7D56F4",
// "#75F", or an ANSI colour number from 0 to 255.
func ParseColor(s string) (color.Color, error) {
	if hex, ok := strings.CutPrefix(s, "#"); ok {
		if (len(hex) == 3 || len(hex) == 6) && strings.Trim(hex, "0123456789abcdefABCDEF") == "" {
			return lipgloss.Color(s), nil
		}
		return nil, fmt.Errorf("%q is not a colour: write #RRGGBB, #RGB or an ANSI number 0-255", s)
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 255 {
		return lipgloss.Color(s), nil
	}
	return nil, fmt.Errorf("%q is not a colour: write #RRGGBB, #RGB or an ANSI number 0-255", s)
}

// Build is the theme of a session under o, whose terminal reports a dark
// background or not (dark until it reports): Auto follows the terminal,
// Dark and Light ignore it; o.Colors then replace the base's colours.
func Build(o Options, terminalDark bool) *Theme {
	isDark := terminalDark
	switch o.Mode {
	case Dark:
		isDark = true
	case Light:
		isDark = false
	}
	p := lightPalette
	if isDark {
		p = darkPalette
	}
	for i, name := range colorNames {
		if c, ok := o.Colors[name]; ok {
			p[i] = c
		}
	}
	return p.theme(isDark)
}

// New builds the theme for a dark or light background, in the base
// colours.
func New(isDark bool) *Theme { return Build(Options{}, isDark) }

func (p *palette) theme(isDark bool) *Theme {
	var (
		fg      = p[fgColor]
		subtle  = p[subtleColor]
		accent  = p[accentColor]
		green   = p[successColor]
		red     = p[errorColor]
		yellow  = p[warningColor]
		blue    = p[infoColor]
		panel   = p[panelColor]
		onBadge = p[badgeTextColor]
	)
	badge := func(bg color.Color) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(onBadge).Background(bg).Bold(true).Padding(0, 1)
	}
	return &Theme{
		IsDark:      isDark,
		Header:      lipgloss.NewStyle().Background(panel).Foreground(fg),
		HeaderKey:   lipgloss.NewStyle().Background(panel).Foreground(subtle),
		HeaderValue: lipgloss.NewStyle().Background(panel).Foreground(fg).Bold(true),
		Tab:         lipgloss.NewStyle().Foreground(subtle).Padding(0, 1),
		ActiveTab:   lipgloss.NewStyle().Foreground(accent).Bold(true).Underline(true).Padding(0, 1),
		Title:       lipgloss.NewStyle().Foreground(accent).Bold(true),
		Subtle:      lipgloss.NewStyle().Foreground(subtle),
		Label:       lipgloss.NewStyle().Foreground(subtle).Width(10),
		Value:       lipgloss.NewStyle().Foreground(fg),
		Body:        lipgloss.NewStyle().Foreground(fg),
		Selected:    lipgloss.NewStyle().Foreground(accent).Bold(true),
		TableHeader: lipgloss.NewStyle().Foreground(subtle).Bold(true),
		Status:      lipgloss.NewStyle().Foreground(fg),
		Success:     lipgloss.NewStyle().Foreground(green),
		Error:       lipgloss.NewStyle().Foreground(red).Bold(true),
		Warning:     lipgloss.NewStyle().Foreground(yellow),
		Prompt:      lipgloss.NewStyle().Foreground(accent),

		Embedded:  badge(yellow),
		Connected: lipgloss.NewStyle().Background(panel).Foreground(green).Bold(true),
		Offline:   lipgloss.NewStyle().Background(panel).Foreground(red).Bold(true),
		Reclaimed: badge(yellow),
		Released:  badge(accent),
		Snoozed:   badge(accent),
		Replay:    badge(fg),
		Delivery:  badge(blue),
		KeepAlive: badge(green),
		ReadOnly:  badge(subtle),
		StateNew:  lipgloss.NewStyle().Foreground(blue),
		StatePend: lipgloss.NewStyle().Foreground(yellow),
		StateAck:  lipgloss.NewStyle().Foreground(green),
		StateDead: lipgloss.NewStyle().Foreground(red),
	}
}
