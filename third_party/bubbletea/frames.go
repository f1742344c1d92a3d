package tea

// reviewq patch (frame-buffer-pool.patch): frame buffers are borrowed for
// one flush instead of kept by every program.
//
// Upstream, each program keeps a cell buffer the size of its window for the
// whole of its life, only to draw the next frame into: every flush clears
// it, draws the view into it and hands it to the terminal renderer, which
// compares it with its own copy of the screen and keeps nothing of it. On
// the SSH desk, one program per session, those buffers were a third of the
// process's live heap (0.5 MiB per session at 120×40, cells full of
// pointers the collector must scan every cycle), held by sessions that
// draw a frame now and then. Borrowed from a pool, they cost what the
// flushes running at one moment need.

import (
	"sync"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// maxFrameSizes bounds how many window sizes get a pool of their own, so a
// client sending a new size at every window change cannot grow the map;
// frames of any other size are made for their flush and left to the
// collector.
const maxFrameSizes = 64

// framePool holds spare frame buffers by size.
var framePool = &frameBuffers{pools: map[[2]int]*sync.Pool{}}

type frameBuffers struct {
	mu    sync.Mutex
	pools map[[2]int]*sync.Pool
}

func (f *frameBuffers) pool(w, h int, create bool) *sync.Pool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pools[[2]int{w, h}]
	if p == nil && create && len(f.pools) < maxFrameSizes {
		p = &sync.Pool{}
		f.pools[[2]int{w, h}] = p
	}
	return p
}

// get is a buffer of w×h cells drawn with method, its content left over
// from an earlier frame: the caller clears it.
func (f *frameBuffers) get(w, h int, method ansi.Method) uv.ScreenBuffer {
	if p := f.pool(w, h, false); p != nil {
		if b, ok := p.Get().(*uv.RenderBuffer); ok {
			return uv.ScreenBuffer{RenderBuffer: b, Method: method}
		}
	}
	b := uv.NewScreenBuffer(w, h)
	b.Method = method
	return b
}

// put hands b back once the renderer is done with it.
func (f *frameBuffers) put(b uv.ScreenBuffer) {
	if p := f.pool(b.Width(), b.Height(), true); p != nil {
		p.Put(b.RenderBuffer)
	}
}
