// Package styles is reviewq's lipgloss theme: every style and badge, built
// per session from that session's background, with no logic of its own.
package styles

import (
	"image/color"

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
	Replay    lipgloss.Style
	Delivery  lipgloss.Style
	KeepAlive lipgloss.Style
	ReadOnly  lipgloss.Style
	StateNew  lipgloss.Style
	StatePend lipgloss.Style
	StateAck  lipgloss.Style
	StateDead lipgloss.Style
}

// New builds the theme for a dark or light background.
func New(isDark bool) *Theme {
	pick := lipgloss.LightDark(isDark)
	var (
		fg      = pick(lipgloss.Color("#1F2328"), lipgloss.Color("#E6EDF3"))
		subtle  = pick(lipgloss.Color("#6E7781"), lipgloss.Color("#8B949E"))
		accent  = pick(lipgloss.Color("#6F42C1"), lipgloss.Color("#BC8CFF"))
		green   = pick(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))
		red     = pick(lipgloss.Color("#CF222E"), lipgloss.Color("#F85149"))
		yellow  = pick(lipgloss.Color("#9A6700"), lipgloss.Color("#D29922"))
		blue    = pick(lipgloss.Color("#0969DA"), lipgloss.Color("#58A6FF"))
		panel   = pick(lipgloss.Color("#EAEEF2"), lipgloss.Color("#21262D"))
		onBadge = pick(lipgloss.Color("#FFFFFF"), lipgloss.Color("#0D1117"))
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
