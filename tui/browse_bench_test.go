package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// The browsing screens redraw on every message; rows are sanitised once
// when a page arrives and drawn once per width, so a View is a join.

const benchW, benchH = 200, 60

func benchEntries(n int) []queue.Entry {
	es := make([]queue.Entry, n)
	for i := range es {
		msg := strings.Repeat(fmt.Sprintf("message %d with some text, 日本語 and \x1b[31mcolour\x1b[0m. ", i), 8)
		es[i] = contact(fmt.Sprintf("%d-0", 1795424400000+int64(i)*1000), fmt.Sprintf("Sender %d", i), "s@example.com", msg)
	}
	return es
}

func benchScreen(b *testing.B, build func(*Common) Screen, f *fakeQueue) Screen {
	b.Helper()
	s, _ := started(b, build, f, benchW, benchH)
	if n := strings.Count(plainView(s), "\n") + 1; n != benchH {
		b.Fatalf("%d lines", n)
	}
	skeys(b, s, "j")
	b.ReportAllocs()
	return s
}

func BenchmarkViewPending(b *testing.B) {
	f := newFakeQueue(benchEntries(benchH)...)
	allPending(f, "bob")
	s := benchScreen(b, NewPendingScreen, f)
	if n := len(s.(*PendingScreen).table.rows); n != benchH-3 {
		b.Fatalf("%d rows, want a full page", n)
	}
	for b.Loop() {
		_ = s.View()
	}
}

func BenchmarkViewStream(b *testing.B) {
	f := newFakeQueue(benchEntries(benchH)...)
	for i, e := range f.entries {
		switch i % 3 {
		case 0:
			f.acked[e.ID] = true
		case 1:
			f.pending[e.ID] = queue.PendingEntry{ID: e.ID, Consumer: "bob", Deliveries: 1}
		}
	}
	s := benchScreen(b, NewStreamScreen, f)
	if n := len(s.(*StreamScreen).table.rows); n != benchH-3 {
		b.Fatalf("%d rows, want a full page", n)
	}
	for b.Loop() {
		_ = s.View()
	}
}

func BenchmarkViewDead(b *testing.B) {
	f := newFakeQueue()
	for i, e := range benchEntries(benchH - 3) {
		f.dead = append(f.dead, queue.DeadLetter{
			ID: fmt.Sprintf("%d-0", 1795425400000+int64(i)*1000), OriginalID: e.ID, Reason: "too many deliveries",
			Deliveries: 5, Consumer: "bob", At: time.UnixMilli(1795425400000 + int64(i)*1000).UTC(), Original: e,
		})
	}
	s := benchScreen(b, NewDeadScreen, f)
	if n := len(s.(*DeadScreen).table.rows); n != benchH-3 {
		b.Fatalf("%d rows, want a full page", n)
	}
	for b.Loop() {
		_ = s.View()
	}
}
