package sshd

import (
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/tui"
)

func TestIdleWarningAhead(t *testing.T) {
	for timeout, want := range map[time.Duration]time.Duration{
		30 * time.Minute:       time.Minute,
		4 * time.Minute:        time.Minute,
		2 * time.Minute:        30 * time.Second,
		700 * time.Millisecond: 175 * time.Millisecond,
	} {
		if got := idleWarningAhead(timeout); got != want {
			t.Errorf("idleWarningAhead(%s) = %s, want %s", timeout, got, want)
		}
	}
}

func (r *recorder) warnings(user string) []tui.IdleWarningMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tui.IdleWarningMsg(nil), r.warning[user]...)
}

// TestIdleWarningComesAheadAndAKeyWithdrawsIt: with a 3 s timeout the
// warning comes a quarter ahead, 750 ms before the close; a key press
// withdraws it and starts the countdown again.
func TestIdleWarningComesAheadAndAKeyWithdrawsIt(t *testing.T) {
	const timeout = 3 * time.Second
	ahead := idleWarningAhead(timeout)
	d, rec, mallory, _ := hostileDesk(t, Config{IdleTimeout: timeout})
	start := time.Now() // before the session, so before its idle clock starts
	tm := openTerm(t, d.addr, "mallory", keyAuth(mallory))
	tm.waitFor("q quit")

	eventually(t, "the idle warning", func() bool { return len(rec.warnings("mallory")) == 1 })
	warnedAfter := time.Since(start)
	w := rec.warnings("mallory")[0]
	if w.Left <= 0 || w.Left > ahead || warnedAfter < timeout-ahead {
		t.Fatalf("warned %s after the session opened with %s left; want %s ahead of %s", warnedAfter, w.Left, ahead, timeout)
	}
	tm.press("z") // any key
	pressed := time.Now()
	eventually(t, "the warning withdrawn", func() bool { return len(rec.warnings("mallory")) == 2 })
	if w := rec.warnings("mallory")[1]; w != (tui.IdleWarningMsg{}) {
		t.Fatalf("after a key the console got %+v, want the zero IdleWarningMsg", w)
	}

	// The key started the countdown again: a second warning comes, a whole
	// warning period after the key. Had it not, the session would have
	// closed at the first deadline with no second warning.
	eventually(t, "the second warning", func() bool { return len(rec.warnings("mallory")) == 3 })
	if w := rec.warnings("mallory")[2]; w.Left <= 0 || w.Left > ahead {
		t.Fatalf("the second warning says %s left, want at most %s", w.Left, ahead)
	}
	tm.waitFor("no key pressed for 3s; closing this session")
	tm.waitEnded()
	if took := time.Since(pressed); took < timeout {
		t.Fatalf("closed %s after the last key, before the %s timeout", took, timeout)
	}
	if !strings.Contains(d.log.String(), `msg="session idle" user=mallory`) {
		t.Fatalf("no idle line in the log:\n%s", d.log.String())
	}
}
