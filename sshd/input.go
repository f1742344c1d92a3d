package sshd

import (
	"io"
	"time"
	"unicode/utf8"
)

// What a session's input can make the desk hold.
const (
	// MaxPasteBytes is how much of one bracketed paste reaches the console.
	// Compose refuses a message over 10,000 characters; 64 KiB is more
	// than that in any script, so an over-long paste still arrives over-long
	// and Compose says so, while a 1 GiB paste costs the desk 64 KiB.
	MaxPasteBytes = 64 << 10

	// escapeBurst and decoderFlushGap bound the bytes Bubble Tea's input
	// decoder holds. The decoder waits, up to 50 ms after the last byte
	// read, for the rest of an escape sequence (ESC x could become
	// ESC x…) and after a byte that is not UTF-8, and it keeps everything
	// read after that point until it stops waiting: a client that sends
	// ESC x or a stray 0xff and then never pauses grows that buffer without
	// end, and the session sees none of it. Plain text never makes it wait.
	// So once an ESC or a byte that breaks UTF-8 has gone through, at most
	// escapeBurst more bytes follow before the input pauses for
	// decoderFlushGap, long enough for the decoder to give up waiting and
	// empty its buffer. A reviewer's keys (arrow keys held down included)
	// come with pauses of their own long before that.
	escapeBurst     = 4 << 10
	decoderFlushGap = 120 * time.Millisecond

	// readSize is what one read takes from the session, as Bubble Tea's
	// reader does.
	readSize = 4 << 10
)

var (
	pasteStart = []byte("\x1b[200~")
	pasteEnd   = []byte("\x1b[201~")
)

// inputGuard is the session's input on its way to the console. It passes
// every byte through, except the part of a bracketed paste beyond
// MaxPasteBytes, and paces input that could keep Bubble Tea's decoder
// waiting (see escapeBurst). Read is called from one goroutine only (the
// program's input reader).
type inputGuard struct {
	r io.Reader
	// pasteCut is told, at the end of a paste that was cut, how many bytes
	// the client pasted.
	pasteCut func(pasted int)

	in  [readSize]byte
	out []byte // filtered, not yet handed to the console
	err error  // from the session, returned once out is drained

	// The escape-sequence state, just enough to find the paste markers.
	state   scanState
	csi     [8]byte // a CSI's bytes after ESC [, the first 8
	csiLen  int
	pasting bool
	pasted  int  // bytes of the current paste, cut or not
	cutting bool // pasted passed MaxPasteBytes: drop until the paste ends

	// Pacing, on a clock tests can replace so they count pauses rather
	// than time them.
	now      func() time.Time
	pause    func(time.Duration)
	suspect  bool // an ESC or a byte that breaks UTF-8 went through since the last pause
	sinceSus int  // bytes handed out since then
	lastOut  time.Time
	rune     [utf8.UTFMax]byte // a character handed out in part
	runeLen  int
}

type scanState uint8

const (
	scanGround scanState = iota
	scanEsc              // after ESC
	scanCSI              // after ESC [
)

func newInputGuard(r io.Reader, pasteCut func(pasted int)) *inputGuard {
	return &inputGuard{r: r, pasteCut: pasteCut, out: make([]byte, 0, readSize+len(pasteEnd)), now: time.Now, pause: time.Sleep}
}

func (g *inputGuard) Read(p []byte) (int, error) {
	for len(g.out) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		n, err := g.r.Read(g.in[:])
		if g.now().Sub(g.lastOut) >= decoderFlushGap {
			// The client paused by itself: the decoder has emptied its buffer.
			g.suspect, g.sinceSus = false, 0
		}
		g.out = g.scan(g.in[:n], g.out[:0])
		g.err = err
	}
	if g.suspect && g.sinceSus >= escapeBurst {
		g.pause(decoderFlushGap)
		g.suspect, g.sinceSus = false, 0
	}
	n := 0
	for ; n < len(p) && n < len(g.out); n++ {
		b := g.out[n]
		if g.suspect {
			if g.sinceSus >= escapeBurst {
				break // the rest after a pause, at the next Read
			}
			g.sinceSus++
		} else {
			g.suspect = g.breaksText(b)
		}
		p[n] = b
	}
	g.out = g.out[n:]
	g.lastOut = g.now()
	return n, nil
}

// breaksText reports whether b, after the bytes before it, is one the
// decoder waits on: an ESC, or a byte that is not part of well-formed UTF-8.
func (g *inputGuard) breaksText(b byte) bool {
	if b < utf8.RuneSelf {
		broken := g.runeLen > 0 // a character cut short
		g.runeLen = 0
		return broken || b == 0x1b
	}
	g.rune[g.runeLen] = b
	g.runeLen++
	if !utf8.FullRune(g.rune[:g.runeLen]) {
		return false
	}
	r, _ := utf8.DecodeRune(g.rune[:g.runeLen])
	g.runeLen = 0
	return r == utf8.RuneError
}

// scan appends to out what of in goes through.
func (g *inputGuard) scan(in, out []byte) []byte {
	for _, b := range in {
		end := g.step(b)
		switch {
		case g.cutting && end:
			out = append(out, pasteEnd...)
		case !g.cutting:
			out = append(out, b)
		}
		if end {
			// The marker itself may have started the cut: then nothing of
			// the paste was lost.
			if content := g.pasted - len(pasteEnd); content > MaxPasteBytes && g.pasteCut != nil {
				g.pasteCut(content)
			}
			g.pasting, g.cutting, g.pasted = false, false, 0
		}
	}
	return out
}

// step moves the scanner over b and reports whether b ended a paste. It
// counts the paste and decides when to cut it.
func (g *inputGuard) step(b byte) (pasteEnded bool) {
	if g.pasting {
		g.pasted++
		// Cut between sequences, so the console never holds half of one
		// when the end marker comes; a sequence too long to be a real one
		// is cut in the middle.
		if g.pasted > MaxPasteBytes && (g.state == scanGround || g.csiLen > len(g.csi)) {
			g.cutting = true
		}
	}
	switch g.state {
	case scanGround:
		if b == 0x1b {
			g.state = scanEsc
		}
	case scanEsc:
		switch b {
		case '[':
			g.state, g.csiLen = scanCSI, 0
		case 0x1b:
		default:
			g.state = scanGround
		}
	case scanCSI:
		switch {
		case b >= 0x20 && b <= 0x3f: // parameter and intermediate bytes
			if g.csiLen < len(g.csi) {
				g.csi[g.csiLen] = b
			}
			g.csiLen++
		case b >= 0x40 && b <= 0x7e: // final byte
			g.state = scanGround
			seq := string(g.csi[:min(g.csiLen, len(g.csi))]) + string(b)
			switch {
			case g.csiLen > 3:
			case !g.pasting && seq == string(pasteStart[2:]):
				g.pasting, g.pasted = true, 0
			case g.pasting && seq == string(pasteEnd[2:]):
				return true
			}
		case b == 0x1b:
			g.state = scanEsc
		default: // not a CSI after all
			g.state = scanGround
		}
	}
	return false
}
