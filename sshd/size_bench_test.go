package sshd

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/tui"
)

// The heap a session costs by terminal size, for the clamp table in docs/ssh-desk.md:
//
//	go test -run '^$' -bench HeapBySize -benchtime 1x ./sshd
//
// Each size is measured on its own, after everything of the one before has
// ended, as the growth of the live heap with ten sessions open.
const sessionsPerSize = 10

// BenchmarkSessionHeapBySize opens SSH sessions on a desk: the cost on the
// server (and the test's SSH client half) of a terminal of each size,
// clamped to the desk's maximum (--max-size), beside the session's budget
// at that maximum.
func BenchmarkSessionHeapBySize(b *testing.B) {
	key := newKey(b)
	users := make([]string, sessionsPerSize)
	for i := range users {
		users[i] = fmt.Sprintf("u%d", i)
	}
	most := Size{MostMaxWidth, MostMaxHeight}
	for _, c := range []struct{ asked, max Size }{
		{Size{80, 24}, DefaultMaxSize}, {Size{100, 30}, DefaultMaxSize}, {DefaultMaxSize, DefaultMaxSize},
		{Size{200, 60}, DefaultMaxSize}, {Size{5000, 5000}, DefaultMaxSize},
		{Size{200, 60}, Size{200, 60}}, {Size{5000, 5000}, Size{200, 60}},
		{most, most}, {Size{5000, 5000}, most},
	} {
		b.Run(fmt.Sprintf("asked=%s/max=%s", c.asked, c.max), func(b *testing.B) {
			for range b.N {
				d := startDesk(b, Config{MaxSize: c.max}, as(key, users...))
				before := settledHeap(b)
				terms := make([]*term, len(users))
				for i, u := range users {
					terms[i] = openSized(b, d.addr, u, c.asked.Width, c.asked.Height, keyAuth(key))
					terms[i].waitFor("q quit")
				}
				for _, tm := range terms {
					quiet(b, tm, 300*time.Millisecond) // every console has drawn at its size
					tm.out.Reset()
				}
				b.ReportMetric(float64(int64(heapAllocOf())-int64(before))/sessionsPerSize/(1<<20), "MiB/session")
				b.ReportMetric(float64(SessionMemoryAt(c.max))/(1<<20), "MiB-budget")
				d.stop(b)
			}
		})
	}
}

// BenchmarkConsoleHeapBySize runs the console alone, output discarded, at
// sizes above the default maximum, up to the most --max-size allows: the
// console's part of what a session costs there.
func BenchmarkConsoleHeapBySize(b *testing.B) {
	c := queueClient(b, "reviewq")
	for _, size := range [][2]int{{DefaultMaxWidth, DefaultMaxHeight}, {160, 50}, {200, 60}, {240, 80}, {400, 200}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			for range b.N {
				before := settledHeap(b)
				programs := make([]*tea.Program, sessionsPerSize)
				outs := make([]countingWriter, len(programs))
				ended := make(chan struct{}, len(programs))
				for i := range programs {
					cfg := c.Config()
					programs[i] = tea.NewProgram(tui.New(tui.Deps{Queue: c, Stream: cfg.Stream, Group: cfg.Group, Consumer: "reviewq", Timeout: cfg.Timeout}),
						tea.WithInput(nil), tea.WithOutput(&outs[i]), tea.WithWindowSize(size[0], size[1]), tea.WithoutSignalHandler())
					go func() { _, _ = programs[i].Run(); ended <- struct{}{} }()
				}
				for i := range outs { // every console has drawn at its size, and stopped
					last, since := outs[i].n.Load(), time.Now()
					for last == 0 || time.Since(since) < 300*time.Millisecond {
						time.Sleep(20 * time.Millisecond)
						if n := outs[i].n.Load(); n != last {
							last, since = n, time.Now()
						}
					}
				}
				b.ReportMetric(float64(int64(heapAllocOf())-int64(before))/sessionsPerSize/(1<<20), "MiB/session")
				for _, p := range programs {
					p.Kill()
				}
				for range programs {
					<-ended
				}
			}
		})
	}
}

// countingWriter counts what a console wrote and keeps none of it.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// settledHeap waits for the goroutines of what ended before to finish and
// returns the live heap.
func settledHeap(b *testing.B) uint64 {
	b.Helper()
	last := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == last {
			break
		}
		last = n
	}
	return heapAllocOf()
}
