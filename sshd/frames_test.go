package sshd

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The desk's Bubble Tea borrows the cell buffer a frame is drawn into for
// the length of one flush (third_party/bubbletea, frame-buffer-pool.patch).
// These tests hold it to what the desk relies on.

// fillModel draws a whole alt-screen of one character, or with only a
// mark, that mark at the top left and nothing else.
type fillModel struct {
	fill          string
	mark          string
	width, height int
}

func (m fillModel) Init() tea.Cmd                       { return nil }
func (m fillModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (m fillModel) View() tea.View {
	if m.mark != "" {
		v := tea.NewView(m.mark)
		v.AltScreen = true
		return v
	}
	line := strings.Repeat(m.fill, m.width)
	lines := make([]string, m.height)
	for i := range lines {
		lines[i] = line
	}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	return v
}

// lockedBuffer is an output a test may read while the program writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// startFill runs a fillModel program, its output in out, and returns a
// function that stops it.
func startFill(t *testing.T, m fillModel, out *lockedBuffer) func() {
	t.Helper()
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(out),
		tea.WithWindowSize(m.width, m.height), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() { _, _ = p.Run(); close(done) }()
	return func() { p.Kill(); <-done }
}

// waitDrawn waits until out holds want, and then for the output to stop.
func waitDrawn(t *testing.T, out *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output within 10s", want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	last, since := len(out.String()), time.Now()
	for time.Since(since) < 200*time.Millisecond {
		time.Sleep(20 * time.Millisecond)
		if n := len(out.String()); n != last {
			last, since = n, time.Now()
		}
	}
}

// A program that has drawn its frame and sits idle holds one screen of
// cells (what the terminal shows, which the renderer diffs against), not
// two: the buffer the frame was drawn into went back to the pool.
func TestIdleProgramHoldsOneScreenOfCells(t *testing.T) {
	const programs, width, height = 20, DefaultMaxWidth, DefaultMaxHeight
	const cellBytes = 112 // unsafe.Sizeof(uv.Cell{}) on 64-bit platforms
	screen := int64(width * height * cellBytes)
	before := heapAllocOf()
	var stops []func()
	for range programs {
		var out lockedBuffer
		stops = append(stops, startFill(t, fillModel{fill: "x", width: width, height: height}, &out))
		waitDrawn(t, &out, strings.Repeat("x", 20))
	}
	perProgram := heapGrowth(before) / programs
	for _, stop := range stops {
		stop()
	}
	t.Logf("%d KiB live per idle program at %d×%d (one screen of cells: %d KiB)", perProgram/1024, width, height, screen/1024)
	// Two screens (the frame buffer kept, as upstream does) would be over
	// this bound on their own.
	if perProgram > screen*3/2 {
		t.Fatalf("an idle program holds %d KiB, more than 1.5 screens of cells (%d KiB): is the frame buffer kept between flushes?", perProgram/1024, screen*3/2/1024)
	}
}

// A buffer another program drew into is cleared before it is drawn into
// again (the renderer clears it, and uv's StyledString.Draw clears the
// area it draws in as well): one session's frame never shows on another's
// screen.
func TestBorrowedFrameShowsNothingOfAnother(t *testing.T) {
	const width, height = 100, 30
	var secret lockedBuffer
	stop := startFill(t, fillModel{fill: "S", width: width, height: height}, &secret)
	waitDrawn(t, &secret, strings.Repeat("S", 20))
	stop()

	// Same size, so the same pool: a frame of one mark, the rest of it
	// blank.
	var out lockedBuffer
	stop = startFill(t, fillModel{mark: "o", width: width, height: height}, &out)
	defer stop()
	waitDrawn(t, &out, "o")
	if strings.Contains(out.String(), "S") {
		t.Fatalf("another program's frame leaked onto this screen:\n%q", out.String())
	}
}
