package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/form"
)

// fullMessage is a contact message at the size limit, with wide characters,
// a combining mark and an escape sequence for the sanitiser to remove.
func fullMessage() string {
	line := "Bonjour, je n'ai reçu aucune réponse — 注文番号 1042 \x1b[31mstill\x1b[0m nothing. e\u0301 🙂\n"
	var b strings.Builder
	for b.Len() < form.MaxMessage {
		b.WriteString(line)
	}
	return string([]rune(b.String())[:form.MaxMessage])
}

// BenchmarkView measures one frame of the root at 200×60, the cost paid
// after every message. The message is sanitised and wrapped once when it
// arrives, not here.
func BenchmarkView(b *testing.B) {
	b.Run("review", func(b *testing.B) {
		q := newFakeQueue(contact(annID, "Ann", "ann@example.com", fullMessage()))
		a := testApp(testDeps(q))
		a.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		run(b, a, a.Init())
		press(b, a, "c")
		if !strings.Contains(screenText(a), "reclaimable in") {
			b.Fatalf("no message held:\n%s", screenText(a))
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = a.View()
		}
	})
	b.Run("compose", func(b *testing.B) {
		a := New(testDeps(newFakeQueue()))
		a.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		run(b, a, a.Init())
		press(b, a, "n")
		for i, text := range []string{"Ann", "ann@example.com", fullMessage()} {
			if i > 0 {
				press(b, a, "tab")
			}
			_, cmd := a.Update(tea.PasteMsg{Content: text})
			run(b, a, cmd)
		}
		if !strings.Contains(screenText(a), "ann@example.com") {
			b.Fatalf("form not filled:\n%s", screenText(a))
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = a.View()
		}
	})
}
