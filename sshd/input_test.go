package sshd

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"charm.land/ssh"
)

// readAll drains g as if from a client that never pauses: on the guard's
// clock no time passes but its own pauses. It returns what came out and,
// for each pause, how much had come out before it.
func readAll(t *testing.T, g *inputGuard) (out []byte, pauses []int) {
	t.Helper()
	clock := time.Unix(0, 0)
	g.now = func() time.Time { return clock }
	g.pause = func(d time.Duration) {
		if d != decoderFlushGap {
			t.Errorf("paused for %s, want decoderFlushGap (%s)", d, decoderFlushGap)
		}
		clock = clock.Add(d)
		pauses = append(pauses, len(out))
	}
	buf := make([]byte, 1024)
	for {
		n, err := g.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, pauses
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// longestRun is the most bytes out held after an ESC or a byte that breaks
// UTF-8 without a pause between: what the decoder would have to keep.
func longestRun(out []byte, pauses []int) int {
	longest, run, suspect := 0, 0, false
	for i, b := range out {
		for len(pauses) > 0 && pauses[0] <= i {
			run, suspect, pauses = 0, false, pauses[1:]
		}
		if suspect {
			run++
			longest = max(longest, run)
		} else if b == 0x1b || b == 0xff {
			suspect = true
		}
	}
	return longest
}

func TestInputGuardCutsAPasteAndKeepsItsEnd(t *testing.T) {
	var cut []int
	in := "x\x1b[200~" + strings.Repeat("a", 1<<20) + "\x1b[201~y"
	// One byte a read, so the paste markers arrive in pieces.
	g := newInputGuard(iotest.OneByteReader(strings.NewReader(in)), func(n int) { cut = append(cut, n) })
	out, _ := readAll(t, g)
	want := "x\x1b[200~" + strings.Repeat("a", MaxPasteBytes) + "\x1b[201~y"
	if string(out) != want {
		t.Fatalf("got %d bytes, want %d: %q…%q", len(out), len(want), out[:min(20, len(out))], out[max(0, len(out)-20):])
	}
	if len(cut) != 1 || cut[0] != 1<<20 {
		t.Fatalf("pasteCut called with %v, want [%d]", cut, 1<<20)
	}
}

func TestInputGuardPassesWhatIsNotTooLong(t *testing.T) {
	for name, in := range map[string]string{
		"a paste at the limit": "\x1b[200~" + strings.Repeat("é", MaxPasteBytes/2) + "\x1b[201~",
		"two pastes":           "\x1b[200~one\x1b[201~ and \x1b[200~two\x1b[201~",
		"keys and sequences":   "abc\x1b[A\x1b[B\x1bOP\x1b[1;5C\x1b]11;rgb:0000/0000/0000\x1b\\\x1b",
		"an end without start": "\x1b[201~abc",
	} {
		g := newInputGuard(iotest.HalfReader(strings.NewReader(in)), func(int) { t.Errorf("%s: cut", name) })
		if out, _ := readAll(t, g); string(out) != in {
			t.Errorf("%s: got %q", name, out)
		}
	}
}

func TestInputGuardPacesWhatKeepsTheDecoderWaiting(t *testing.T) {
	for name, prefix := range map[string]string{"ESC x": "\x1bx", "not UTF-8": "\xff", "unterminated OSC": "\x1b]"} {
		in := strings.Repeat(prefix+strings.Repeat("a", 1000), 10)
		out, pauses := readAll(t, newInputGuard(strings.NewReader(in), nil))
		if string(out) != in {
			t.Fatalf("%s: %d bytes out of %d", name, len(out), len(in))
		}
		if run := longestRun(out, pauses); run > escapeBurst {
			t.Fatalf("%s: %d bytes went through without a pause", name, run)
		}
		if len(pauses) < 2 {
			t.Fatalf("%s: %d bytes with %d pauses (at %v), want at least two", name, len(in), len(pauses), pauses)
		}
	}

	// Text, whatever its script, is never paced: the decoder never waits
	// on it.
	text := strings.Repeat("héllo wörld, こんにちは ", 4096)
	out, pauses := readAll(t, newInputGuard(strings.NewReader(text), nil))
	if string(out) != text {
		t.Fatal("text was changed")
	}
	if len(pauses) != 0 {
		t.Fatalf("%d KiB of text paused %d times (after %v bytes)", len(text)/1024, len(pauses), pauses)
	}
}

// BenchmarkInputGuardText is what the guard costs on a reviewer's typing
// and pastes: text, which it passes unpaced.
func BenchmarkInputGuardText(b *testing.B) {
	text := strings.Repeat("héllo wörld, こんにちは ", 4096)
	buf := make([]byte, readSize)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		g := newInputGuard(strings.NewReader(text), nil)
		for {
			if _, err := g.Read(buf); err != nil {
				break
			}
		}
	}
}

func TestClampSize(t *testing.T) {
	for _, c := range []struct{ w, h, wantW, wantH int }{
		{100, 30, 100, 30},
		{120, 40, 120, 40},
		{5000, 5000, DefaultMaxWidth, DefaultMaxHeight},
		{DefaultMaxWidth, DefaultMaxHeight, DefaultMaxWidth, DefaultMaxHeight},
		{DefaultMaxWidth + 1, 10, DefaultMaxWidth, 10},
		{0, 0, MinWidth, MinHeight},
		{-5, -1 << 40, MinWidth, MinHeight},
		{1 << 40, 30, DefaultMaxWidth, 30},
	} {
		if w, h := clampSize(c.w, c.h, DefaultMaxSize); w != c.wantW || h != c.wantH {
			t.Errorf("clampSize(%d, %d) = %d×%d, want %d×%d", c.w, c.h, w, h, c.wantW, c.wantH)
		}
	}
	most := Size{MostMaxWidth, MostMaxHeight}
	for _, c := range []struct{ w, h, wantW, wantH int }{
		{200, 60, 200, 60},
		{5000, 5000, MostMaxWidth, MostMaxHeight},
		{0, 0, MinWidth, MinHeight},
		{1 << 40, 1 << 40, MostMaxWidth, MostMaxHeight},
	} {
		if w, h := clampSize(c.w, c.h, most); w != c.wantW || h != c.wantH {
			t.Errorf("clampSize(%d, %d, %s) = %d×%d, want %d×%d", c.w, c.h, most, w, h, c.wantW, c.wantH)
		}
	}
}

// ptySession is a session with a PTY, for clampSession.
type ptySession struct {
	ssh.Session
	pty     ssh.Pty
	changes chan ssh.Window
}

func (p *ptySession) Pty() (ssh.Pty, <-chan ssh.Window, bool) { return p.pty, p.changes, true }

func TestClampedSessionClampsAndCoalescesWindowChanges(t *testing.T) {
	src := &ptySession{pty: ssh.Pty{Term: "xterm", Window: ssh.Window{Width: 5000, Height: 5000}}, changes: make(chan ssh.Window)}
	c := clampSession(src, DefaultMaxSize)
	pty, changes, ok := c.Pty()
	if !ok || pty.Window.Width != DefaultMaxWidth || pty.Window.Height != DefaultMaxHeight || pty.Term != "xterm" {
		t.Fatalf("the PTY as the console sees it: %+v %v", pty, ok)
	}
	// 200 changes nobody reads yet: each is taken from the session at once
	// (the unbuffered send would block otherwise), and only the last waits.
	for i := range 200 {
		select {
		case src.changes <- ssh.Window{Width: 100000 + i, Height: i}:
		case <-time.After(waitTimeout):
			t.Fatalf("window-change %d was not taken from the session", i)
		}
	}
	src.changes <- ssh.Window{Width: 100, Height: 30}
	close(src.changes)
	var got []ssh.Window
	for w := range changes {
		got = append(got, w)
	}
	// The console may take the size that waited while the last one came
	// in, but never more than that one and the last.
	if len(got) == 0 || len(got) > 2 || got[len(got)-1].Width != 100 || got[len(got)-1].Height != 30 {
		t.Fatalf("the console was given %v, want at most one earlier size, then the last", got)
	}

	src = &ptySession{pty: ssh.Pty{Window: ssh.Window{Width: 80, Height: 24}}, changes: make(chan ssh.Window)}
	_, changes, _ = clampSession(src, DefaultMaxSize).Pty()
	src.changes <- ssh.Window{Width: 0, Height: 100000}
	if w := <-changes; w.Width != MinWidth || w.Height != DefaultMaxHeight {
		t.Fatalf("0×100000 became %d×%d", w.Width, w.Height)
	}
	close(src.changes)
}

// FuzzInputGuard: whatever the client sends, what is not part of a paste
// over MaxPasteBytes goes through unchanged, in order.
func FuzzInputGuard(f *testing.F) {
	for _, s := range []string{"abc", "\x1b[A\x1bOP\x1b]11;x\x07", "\x1b[200~hi\x1b[201~", "\xff\xfe\xe2\x82", "é€😀", "\x1b[20\x1b[200~\x1b[201~\x1b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > escapeBurst { // longer inputs are paced: slow, and the same states
			in = in[:escapeBurst]
		}
		cut := false
		g := newInputGuard(iotest.HalfReader(bytes.NewReader(in)), func(int) { cut = true })
		var out []byte
		buf := make([]byte, 7)
		for {
			n, err := g.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				break
			}
		}
		if !cut && !bytes.Equal(out, in) {
			t.Fatalf("in %q\nout %q", in, out)
		}
	})
}
