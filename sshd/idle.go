package sshd

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reviewq/reviewq/tui"
)

// idleWarningAhead is how long before the idle close a session is warned:
// a minute, or a quarter of the timeout when that is shorter.
func idleWarningAhead(timeout time.Duration) time.Duration {
	return min(time.Minute, timeout/4)
}

// idleClock is when the session's user last pressed a key. The input
// filter touches it; the session's watchIdle reads it.
type idleClock struct {
	at      atomic.Int64  // unix nanoseconds
	pressed chan struct{} // a key was pressed; holds one, never blocks the filter
}

func newIdleClock() *idleClock {
	c := &idleClock{pressed: make(chan struct{}, 1)}
	c.at.Store(time.Now().UnixNano())
	return c
}

func (c *idleClock) touch() {
	c.at.Store(time.Now().UnixNano())
	select {
	case c.pressed <- struct{}{}:
	default:
	}
}

func (c *idleClock) last() time.Time { return time.Unix(0, c.at.Load()) }

// watchIdle ends the session after IdleTimeout without a key press, and
// warns the console idleWarningAhead before (tui.IdleWarningMsg, which it
// withdraws when a key is pressed). The connection's own idle timeout
// cannot do it: the console writes every few seconds (header numbers, the
// held message's countdown), and a held message would be kept alive for as
// long as the reviewer is away.
func (s *Server) watchIdle(d *deskSession, done <-chan struct{}) {
	limit := s.cfg.IdleTimeout
	ahead := idleWarningAhead(limit)
	var warned bool
	var seen time.Time // the last key press the timer measured from
	t := time.NewTimer(limit - ahead)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-d.idle.pressed:
			if warned && d.idle.last().After(seen) {
				warned = false
				s.send(d, tui.IdleWarningMsg{})
			}
			continue // the timer, when it fires, measures from the key press
		case <-t.C:
		}
		seen = d.idle.last()
		idle := time.Since(seen)
		switch {
		case idle >= limit:
			s.log.Info("session idle", append(d.attrs(), "idle_timeout", limit.String())...)
			s.end(d, fmt.Sprintf("reviewq: no key pressed for %s; closing this session (a message you held stays pending and will be offered again)", shortDuration(limit)))
			return
		case idle >= limit-ahead:
			if !warned {
				warned = true
				s.send(d, tui.IdleWarningMsg{Left: limit - idle})
			}
			t.Reset(limit - idle)
		default:
			t.Reset(limit - ahead - idle)
		}
	}
}
