package sshd

import (
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/time/rate"
)

// How fast a session's input reaches its console. A reviewer types a
// dozen keys a second and key repeat sends 30 to 50; what comes faster is
// dropped before Update, so a flood of keys cannot start a flood of server
// calls. The burst lets a quick run of keys through whole.
const (
	inputEventsPerSecond = 60
	inputEventBurst      = 120
	// dropLogEvery bounds the log lines a flood of keys writes.
	dropLogEvery = 10 * time.Second
)

// inputFilter is the last gate between a session's input and its console,
// run by the program's event loop for every message before Update.
type inputFilter struct {
	s *Server
	d *deskSession

	limiter     *rate.Limiter
	dropped     atomic.Int64 // since the session started
	unlogged    int64        // dropped since the last log line
	lastDropLog time.Time
}

func newInputFilter(s *Server, d *deskSession) *inputFilter {
	return &inputFilter{s: s, d: d, limiter: rate.NewLimiter(inputEventsPerSecond, inputEventBurst)}
}

func (f *inputFilter) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	msg = f.pass(msg)
	if f.s.observe != nil && msg != nil {
		f.s.observe(f.d.user, msg)
	}
	return msg
}

// pass is what of msg reaches the console: nil for nothing.
func (f *inputFilter) pass(msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		// The SSH size is clamped already (clampedSession); this catches a
		// size the client reports in-band, as terminal input
		// (CSI 8;rows;cols t), which Bubble Tea takes as a resize.
		m.Width, m.Height = clampSize(m.Width, m.Height, f.s.cfg.MaxSize)
		return m
	case tea.SuspendMsg:
		// As wish's MakeOptions does: there is no shell to suspend to.
		return tea.ResumeMsg{}
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg:
		f.d.idle.touch()
		return f.admit(msg)
	case tea.KeyReleaseMsg, tea.MouseMsg:
		return f.admit(msg)
	}
	return msg
}

// admit lets an input event through at the session's input rate, and logs
// the ones it drops, at most once every dropLogEvery.
func (f *inputFilter) admit(msg tea.Msg) tea.Msg {
	if f.limiter.Allow() {
		return msg
	}
	f.dropped.Add(1)
	f.unlogged++
	if now := time.Now(); now.Sub(f.lastDropLog) >= dropLogEvery {
		f.s.log.Warn("dropping key presses: more than the session's input rate", append(f.d.attrs(),
			"dropped", f.unlogged, "rate_per_second", inputEventsPerSecond, "burst", inputEventBurst)...)
		f.unlogged, f.lastDropLog = 0, now
	}
	return nil
}
