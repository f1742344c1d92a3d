package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// RenderEntry draws one entry in full for reading: a contact message as
// name, email, time (in loc), ID and the message wrapped to the width;
// anything else generically, every field in order. All content passes the
// sanitiser, and an entry it had to change says so on top.
func RenderEntry(th *styles.Theme, e queue.Entry, loc *time.Location, width int) string {
	if width < 20 {
		width = 20
	}
	var b strings.Builder
	if termtext.Tampered(e) {
		b.WriteString(th.Warning.Render(termtext.Warning))
		b.WriteByte('\n')
	}
	row := func(label, value string) {
		b.WriteString(labelled(th, label, value, width))
		b.WriteByte('\n')
	}
	if e.IsContact() {
		row("From", termtext.SanitizeLine(e.Name()))
		row("Email", termtext.SanitizeLine(e.Email()))
		row("Sent", termtext.Timestamp(e.Timestamp(), loc))
		row("ID", termtext.SanitizeLine(e.ID))
		b.WriteByte('\n')
		b.WriteString(wrap(th, termtext.Sanitize(e.Message()), width))
		return b.String()
	}
	row("ID", termtext.SanitizeLine(e.ID))
	row("Added", termtext.Time(queue.IDTime(e.ID), loc))
	b.WriteString(th.Subtle.Render(fmt.Sprintf("not a contact message: %d field(s), shown as stored", len(e.Fields))))
	b.WriteString("\n\n")
	for _, f := range e.Fields {
		b.WriteString(th.Title.Render(termtext.Truncate(termtext.SanitizeLine(f.Name), width)))
		b.WriteByte('\n')
		b.WriteString(wrap(th, termtext.Sanitize(f.Value), width))
		b.WriteString("\n\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// labelled is a label and its one-line value: a value longer than the
// line wraps under itself, so what comes last (a time, a reason) is never
// cut off.
func labelled(th *styles.Theme, label, value string, width int) string {
	var b strings.Builder
	for i, line := range wordWrap(value, max(width-10, 10)) {
		if i == 0 {
			b.WriteString(th.Label.Render(label))
		} else {
			b.WriteString("\n" + th.Label.Render(""))
		}
		b.WriteString(th.Value.Render(line))
	}
	return b.String()
}

// wrap wraps sanitised text to the width; lipgloss measures wide
// characters by cells and breaks long words.
func wrap(th *styles.Theme, s string, width int) string {
	return th.Body.Width(width).Render(s)
}

// fit pads or cuts an already safe one-line string to exactly width cells.
func fit(s string, width int) string {
	s = termtext.Truncate(s, width)
	if w := termtext.Width(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}
