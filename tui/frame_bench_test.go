package tui

import (
	"io"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
)

// BenchmarkScreenSwitch is what one key costs a session on the SSH desk:
// a screen key (3, 4, 5, 1 in turn, as make bench-ssh presses them) at
// 120×40, then the frame through the renderer Bubble Tea uses (drawn into
// a cell buffer, diffed against the last, written out). "view" is the
// console's part alone.
func BenchmarkScreenSwitch(b *testing.B) {
	const w, h = 120, 40
	build := func(b *testing.B) *App {
		q := newFakeQueue(benchEntries(300)...)
		for i := range 20 {
			q.dead = append(q.dead, queue.DeadLetter{ID: q.entries[i].ID, OriginalID: q.entries[i].ID, Original: q.entries[i], Reason: "spam", Deliveries: 1, Consumer: "bob"})
		}
		a := testApp(testDeps(q))
		a.Update(tea.WindowSizeMsg{Width: w, Height: h})
		run(b, a, a.Init())
		for _, id := range []ScreenID{pendingID, streamID, deadID, reviewID} { // every page loaded once
			press(b, a, keyOf(a, id))
		}
		if !strings.Contains(screenText(a), "300 new messages waiting") {
			b.Fatalf("not on Review:\n%s", screenText(a))
		}
		return a
	}
	switching := func(a *App) []tea.KeyPressMsg {
		var keys []tea.KeyPressMsg
		for _, id := range []ScreenID{pendingID, streamID, deadID, reviewID} {
			keys = append(keys, keyMsg(keyOf(a, id)))
		}
		return keys
	}
	b.Run("view", func(b *testing.B) {
		a := build(b)
		keys := switching(a)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			a.Update(keys[i%len(keys)])
			_ = a.View()
			i++
		}
	})
	b.Run("view+render", func(b *testing.B) {
		a := build(b)
		keys := switching(a)
		r := newFrameRenderer(w, h)
		r.render(a.View().Content)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			a.Update(keys[i%len(keys)])
			r.render(a.View().Content)
			i++
		}
	})
}

// frameRenderer does with a frame what Bubble Tea v2's renderer does when
// it flushes a frame that changed (cursedRenderer.flush).
type frameRenderer struct {
	buf uv.ScreenBuffer
	scr *uv.TerminalRenderer
}

func newFrameRenderer(w, h int) *frameRenderer {
	r := &frameRenderer{buf: uv.NewScreenBuffer(w, h), scr: uv.NewTerminalRenderer(io.Discard, []string{"TERM=xterm-256color"})}
	r.buf.Method = ansi.WcWidth
	r.scr.SetFullscreen(true)
	r.scr.SetRelativeCursor(false)
	r.scr.SetScrollOptim(true)
	r.scr.Resize(w, h)
	return r
}

func (r *frameRenderer) render(frame string) {
	r.buf.Clear()
	uv.NewStyledString(frame).Draw(r.buf, r.buf.Bounds())
	r.scr.Render(r.buf.RenderBuffer)
	_ = r.scr.Flush()
}
