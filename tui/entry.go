package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// RenderEntry draws one entry in full for reading: a contact message as
// name, email, time, ID and the message wrapped to the width; anything else
// generically, every field in order. All content passes Sanitize.
func RenderEntry(th *styles.Theme, e queue.Entry, width int) string {
	if width < 20 {
		width = 20
	}
	var b strings.Builder
	row := func(label, value string) {
		b.WriteString(th.Label.Render(label))
		b.WriteString(th.Value.Render(Truncate(SanitizeLine(value), width-10)))
		b.WriteByte('\n')
	}
	if e.IsContact() {
		row("From", e.Name())
		row("Email", e.Email())
		row("Sent", e.Timestamp())
		row("ID", e.ID)
		b.WriteByte('\n')
		b.WriteString(wrap(th, Sanitize(e.Message()), width))
		return b.String()
	}
	row("ID", e.ID)
	b.WriteString(th.Subtle.Render(fmt.Sprintf("not a contact message: %d field(s), shown as stored", len(e.Fields))))
	b.WriteString("\n\n")
	for _, f := range e.Fields {
		b.WriteString(th.Title.Render(Truncate(SanitizeLine(f.Name), width)))
		b.WriteByte('\n')
		b.WriteString(wrap(th, Sanitize(f.Value), width))
		b.WriteString("\n\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// wrap wraps sanitised text to the width; lipgloss measures wide
// characters by cells and breaks long words.
func wrap(th *styles.Theme, s string, width int) string {
	return th.Body.Width(width).Render(s)
}

// Preview is an entry's one-line summary, sanitised and cut to width.
func Preview(e *queue.Entry, width int) string {
	if e == nil {
		return "(deleted from the stream)"
	}
	p := e.Preview()
	if e.IsContact() {
		p = e.Name() + ": " + p
	}
	return Truncate(strings.Join(strings.Fields(SanitizeLine(p)), " "), width)
}

// Ago writes a duration the way a reviewer reads it: 45s, 3m12s, 2h5m, 3d.
func Ago(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// fit pads or cuts an already safe one-line string to exactly width cells.
func fit(s string, width int) string {
	s = Truncate(s, width)
	if w := lipgloss.Width(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}
