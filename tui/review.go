package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// reasonPresets are the dead-letter reasons x offers; the reviewer can
// still type another.
var reasonPresets = []string{"spam", "abuse", "duplicate"}

// snoozePresets are the times s offers, in the reviewer's zone; the
// reviewer can still type another ("10m", "14:00", "tomorrow 09:00").
var snoozePresets = []struct {
	label string
	until func(now time.Time, loc *time.Location) time.Time
}{
	{"15 minutes", func(now time.Time, _ *time.Location) time.Time { return now.Add(15 * time.Minute) }},
	{"1 hour", func(now time.Time, _ *time.Location) time.Time { return now.Add(time.Hour) }},
	{"tomorrow 09:00", func(now time.Time, loc *time.Location) time.Time {
		t, _ := termtext.ParseWhen("tomorrow 09:00", now, loc) // always a time to come
		return t
	}},
}

// ReviewScreen is where the console opens: claim the next message, read it
// in full, then ack, release or dead-letter it. While a message is held it
// is kept alive so a long read is not reclaimed by someone else.
type ReviewScreen struct {
	c       *Common
	actions []Action

	held *queue.Claimed
	// gen changes with every claim, so ticks and keep-alives of a message
	// held earlier are ignored even when the same ID comes back.
	gen    int
	busy   bool      // a claim, ack, release or dead-letter is in flight
	keptAt time.Time // last time the server reset the held message's idle time
	empty  bool      // the last claim found nothing
	// claimSeq numbers the claims; taking a message over from another
	// screen moves it on, so a claim still on its way comes too late and
	// its message goes back (claimedTooLate).
	claimSeq int
	// handedBack is what this session released and nobody has claimed
	// since, as far as it knows: waiting for the next claim, though the
	// header's lag does not count it.
	handedBack []string

	// reason is the dead-letter reason while it is asked, snooze the time
	// to snooze until; one at most is open.
	reason, snooze choicePrompt

	stats     queue.Stats
	haveStats bool

	vp viewport.Model
	// The entry is sanitised and wrapped once per message, width and theme,
	// not in every View, and the viewport drawn again only when it scrolled.
	renderedFor struct {
		gen   int
		width int
		theme *styles.Theme
	}
	vpView struct {
		key  vpKey
		view string
	}

	width, height int
}

// choicePrompt asks for the dead-letter reason or the snooze's time: a
// preset picked with ←/→ (or its number), or one typed.
type choicePrompt struct {
	label   string   // "dead-letter reason: ", and short where the presets do not fit
	short   string   //
	presets []string // then "other…"
	// numbered: the pick keys (digits) choose a preset. The snooze's are
	// not: a typed time starts with a digit ("10m", "14:00").
	numbered bool
	open     bool
	choice   int  // into presets, len(presets) is "other…"
	typing   bool // the reviewer types their own
	input    textinput.Model
	inputTh  *styles.Theme // the theme input was styled with, only compared
	err      string
}

func newChoicePrompt(label, short, placeholder string, presets []string, numbered bool) choicePrompt {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = placeholder
	ti.CharLimit = 500
	st := ti.Styles()
	st.Cursor.Blink = false // steady: no tick per keystroke
	ti.SetStyles(st)
	return choicePrompt{label: label, short: short, presets: presets, numbered: numbered, input: ti}
}

type vpKey struct {
	gen, width, height, y int
	theme                 *styles.Theme
}

// keepAliveTickMsg asks for a keep-alive of the message held under gen.
type keepAliveTickMsg struct {
	ID  string
	Gen int
}

// countdownTickMsg redraws the "reclaimable in" countdown once a second.
type countdownTickMsg struct{ Gen int }

const reviewID ScreenID = "review"

// NewReviewScreen builds the Review screen.
func NewReviewScreen(c *Common) Screen {
	snoozes := make([]string, len(snoozePresets))
	for i, p := range snoozePresets {
		snoozes[i] = p.label
	}
	s := &ReviewScreen{c: c, vp: viewport.New(),
		reason: newChoicePrompt("dead-letter reason: ", "reason: ", "why this message goes to dead letters", reasonPresets, true),
		snooze: newChoicePrompt("snooze until: ", "until: ", "10m, 2h, 14:00, tomorrow 09:00 or 2026-11-24 09:00", snoozes, false)}
	s.actions = s.keyTable()
	return s
}

// keyTable is the Review screen's keys.
func (s *ReviewScreen) keyTable() []Action {
	idle := func() bool { return !s.c.ReadOnly && s.held == nil && !s.busy }
	free := func() bool { return s.held != nil && !s.busy }
	held := func() bool { return s.held != nil }
	scroll := func() bool { return s.held != nil && s.scrollable() }
	nothingHeld := func() string {
		if s.c.ReadOnly || s.held != nil {
			return ""
		}
		return "no message held: press " + s.c.key("claim") + " to claim one first"
	}
	choosing := func() bool { p := s.prompt(); return p != nil && !p.typing && p.numbered }
	reasoning := func() bool { return s.reason.open }
	snoozing := func() bool { return s.snooze.open }
	return []Action{
		{Name: "claim", Desc: "claim", When: idle, Run: do(s.claim), Why: func() string {
			if s.held == nil {
				return ""
			}
			return fmt.Sprintf("finish %s first: %s ack · %s release · %s dead-letter", s.about(), s.c.key("ack"), s.c.key("release"), s.c.key("dead-letter"))
		}},
		{Name: "ack", Desc: "ack", When: free, Run: do(func() tea.Cmd { s.busy = true; return ackCmd(s.c, s.held.ID) }), Why: nothingHeld},
		{Name: "ack-and-claim", Desc: "ack + claim next", When: free, Why: nothingHeld, Run: do(func() tea.Cmd {
			s.busy = true
			s.claimSeq++
			return ackClaimCmd(s.c, s.held.ID, s.claimSeq)
		})},
		{Name: "release", Desc: "release", When: free, Run: do(func() tea.Cmd { s.busy = true; return releaseCmd(s.c, s.held.ID) }), Why: nothingHeld},
		{Name: "dead-letter", Desc: "dead-letter", When: free, Run: do(func() tea.Cmd { return s.open(&s.reason) }), Why: nothingHeld},
		{Name: "snooze", Desc: "snooze", When: free, Run: do(func() tea.Cmd { return s.open(&s.snooze) }), Why: nothingHeld},
		{Name: "copy-email", Desc: "copy email", When: held, Run: do(func() tea.Cmd { return copyEmailCmd(s.c, &s.held.Entry) }), Why: nothingHeld},
		{Name: "up", Desc: "scroll up", Short: "scroll", When: scroll, Run: do(func() tea.Cmd { s.vp.ScrollUp(1); return nil })},
		{Name: "down", Desc: "scroll down", Short: "scroll", When: scroll, Run: do(func() tea.Cmd { s.vp.ScrollDown(1); return nil })},
		{Name: "page-up", Desc: "page up", More: true, When: scroll, Run: do(func() tea.Cmd { s.vp.PageUp(); return nil })},
		{Name: "page-down", Desc: "page down", More: true, When: scroll, Run: do(func() tea.Cmd { s.vp.PageDown(); return nil })},
		{Name: "top", Desc: "top", More: true, When: scroll, Run: do(func() tea.Cmd { s.vp.GotoTop(); return nil })},
		{Name: "bottom", Desc: "bottom", More: true, When: scroll, Run: do(func() tea.Cmd { s.vp.GotoBottom(); return nil })},

		// The dead-letter reason, or the time to snooze until: a preset,
		// or one typed.
		{Name: "apply", Mode: ModeChoice, Desc: "dead-letter", When: reasoning, Run: do(s.applyReason)},
		{Name: "apply", Mode: ModeChoice, Desc: "snooze", When: snoozing, Run: do(s.applySnooze)},
		{Name: "prev-choice", Mode: ModeChoice, Desc: "previous reason", Short: "choose", When: reasoning, Run: do(func() tea.Cmd { s.choose(-1); return nil })},
		{Name: "next-choice", Mode: ModeChoice, Desc: "next reason", Short: "choose", When: reasoning, Run: do(func() tea.Cmd { s.choose(1); return nil })},
		{Name: "prev-choice", Mode: ModeChoice, Desc: "earlier choice", Short: "choose", When: snoozing, Run: do(func() tea.Cmd { s.choose(-1); return nil })},
		{Name: "next-choice", Mode: ModeChoice, Desc: "later choice", Short: "choose", When: snoozing, Run: do(func() tea.Cmd { s.choose(1); return nil })},
		{Name: "pick", Mode: ModeChoice, Desc: "pick", When: choosing, Run: s.pick},
		{Name: "back", Mode: ModeChoice, Desc: "cancel", Run: do(func() tea.Cmd { s.closePrompts(); return nil })},
		{Name: "apply", Mode: ModeInput, Desc: "dead-letter", When: reasoning, Run: do(s.applyReason)},
		{Name: "apply", Mode: ModeInput, Desc: "snooze", When: snoozing, Run: do(s.applySnooze)},
		{Name: "back", Mode: ModeInput, Desc: "cancel", Run: do(func() tea.Cmd { s.closePrompts(); return nil })},
	}
}

func (s *ReviewScreen) Init() tea.Cmd     { return nil }
func (s *ReviewScreen) writes()           {}
func (s *ReviewScreen) Title() string     { return "Review" }
func (s *ReviewScreen) Actions() []Action { return s.actions }

// Mode is the dead-letter reason or the snooze's time while it is asked:
// presets to choose from, then the reviewer's own text once they type.
func (s *ReviewScreen) Mode() Mode {
	p := s.prompt()
	switch {
	case p == nil:
		return ModeNormal
	case p.typing:
		return ModeInput
	}
	return ModeChoice
}

// prompt is the question open, nil when none is.
func (s *ReviewScreen) prompt() *choicePrompt {
	switch {
	case s.reason.open:
		return &s.reason
	case s.snooze.open:
		return &s.snooze
	}
	return nil
}

// Held is the message on screen, nil when none.
func (s *ReviewScreen) Held() *queue.Claimed { return s.held }

// Polling reports that the screen waits for new arrivals, so the root
// refreshes the numbers it shows more often (Deps.PollEvery).
func (s *ReviewScreen) Polling() bool { return !s.c.ReadOnly && s.held == nil && !s.busy }

func (s *ReviewScreen) SetSize(width, height int) {
	s.width, s.height = width, height
	s.vp.SetWidth(width)
	s.vp.SetHeight(max(height-2, 1))
	s.reason.input.SetWidth(max(width-24, 10))
	s.snooze.input.SetWidth(max(width-20, 10))
	s.render()
}

// scrollable is true when the held message is longer than the screen.
func (s *ReviewScreen) scrollable() bool { return s.vp.TotalLineCount() > s.vp.Height() }

func (s *ReviewScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return s, s.typed(msg)
	case tea.MouseWheelMsg:
		if s.held != nil {
			switch msg.Button {
			case tea.MouseWheelUp:
				s.vp.ScrollUp(3)
			case tea.MouseWheelDown:
				s.vp.ScrollDown(3)
			}
		}
	case tea.PasteMsg:
		if p := s.prompt(); p != nil {
			p.typing = true
			var cmd tea.Cmd
			p.input, cmd = p.input.Update(msg)
			return s, cmd
		}
	case ClaimedMsg:
		if msg.Seq != s.claimSeq {
			return s, s.claimedTooLate(msg.Result.Message, "")
		}
		s.busy = false
		return s, s.claimed(msg.Result, msg.Err, "")
	case AckedMsg:
		return s, s.done(msg.ID, func() { s.acked(msg) })
	case AckClaimedMsg:
		return s, s.ackClaimed(msg)
	case ReleasedMsg:
		if s.held == nil || msg.ID != s.held.ID {
			s.releasedBefore(msg)
			return s, nil
		}
		return s, s.done(msg.ID, func() { s.released(msg) })
	case RejectedMsg:
		return s, s.done(msg.ID, func() { s.rejected(msg) })
	case SnoozedMsg:
		return s, s.done(msg.ID, func() { s.snoozed(msg) })
	case HandOverMsg:
		return s, s.adopt(msg.Message)
	case HeldDoneMsg:
		if s.held != nil && s.held.ID == msg.ID {
			s.drop()
		}
	case keepAliveTickMsg:
		if s.held != nil && msg.Gen == s.gen && msg.ID == s.held.ID {
			return s, keepAliveCmd(s.c, msg.ID, msg.Gen)
		}
	case KeptAliveMsg:
		return s, s.keptAlive(msg)
	case countdownTickMsg:
		if s.held != nil && msg.Gen == s.gen {
			return s, s.countdownTick()
		}
	case StatsLoadedMsg:
		if msg.Err == nil {
			s.stats, s.haveStats = msg.Stats, true
			if msg.Stats.Group.Pending == 0 {
				s.handedBack = nil // nothing is pending, so nothing released waits
			}
		}
		if msg.Err == nil && msg.Stats.GroupRecreated && s.held != nil {
			// The group had vanished (the server restarted empty or was
			// flushed); a keep-alive now tells at once whether the held
			// message went with it, rather than at the next tick.
			return s, keepAliveCmd(s.c, s.held.ID, s.gen)
		}
	case tea.BackgroundColorMsg:
		s.render()
	}
	return s, nil
}

// claim claims the next message.
func (s *ReviewScreen) claim() tea.Cmd {
	s.busy = true
	s.claimSeq++
	s.c.info("claiming…")
	return claimCmd(s.c, s.claimSeq)
}

// open asks p: why the held message goes to dead letters, or until when
// it is snoozed.
func (s *ReviewScreen) open(p *choicePrompt) tea.Cmd {
	s.closePrompts()
	p.open, p.typing, p.choice, p.err = true, false, 0, ""
	p.input.Reset()
	return nil
}

// choose moves the open prompt's choice by d, round the presets and
// "other…".
func (s *ReviewScreen) choose(d int) {
	if p := s.prompt(); p != nil {
		n := len(p.presets) + 1
		p.choice = (p.choice + d + n) % n
	}
}

// pick chooses the preset of the key's place among pick's keys: the
// first key the first preset, the last "other…", which starts typing.
func (s *ReviewScreen) pick(msg tea.KeyPressMsg) tea.Cmd {
	p := s.prompt()
	i := slices.Index(s.c.keys.keys("pick", ModeChoice), msg.String())
	if p == nil || i < 0 || i > len(p.presets) {
		return nil
	}
	p.choice = i
	if i == len(p.presets) {
		p.typing = true
		return p.input.Focus()
	}
	return nil
}

// applyReason dead-letters the held message with the chosen or typed
// reason; "other…" starts typing one.
func (s *ReviewScreen) applyReason() tea.Cmd {
	r := &s.reason
	reason := ""
	switch {
	case r.typing:
		reason = strings.TrimSpace(r.input.Value())
		if reason == "" {
			r.err = "type a reason, or " + s.c.key("back") + " to cancel"
			return nil
		}
	case r.choice == len(reasonPresets):
		r.typing = true
		return r.input.Focus()
	default:
		reason = reasonPresets[r.choice]
	}
	if s.held == nil || s.busy {
		return nil
	}
	s.closePrompts()
	s.busy = true
	return rejectCmd(s.c, s.held.ID, reason)
}

// applySnooze snoozes the held message until the chosen or typed time, in
// the reviewer's zone; "other…" starts typing one. A typed time that is
// not one, or not to come, stays to be corrected.
func (s *ReviewScreen) applySnooze() tea.Cmd {
	p, now := &s.snooze, s.c.Now()
	var until time.Time
	switch {
	case p.typing:
		t, err := termtext.ParseWhen(p.input.Value(), now, s.c.Location)
		if err != nil {
			p.err = err.Error()
			return nil
		}
		until = t
	case p.choice == len(snoozePresets):
		p.typing = true
		return p.input.Focus()
	default:
		until = snoozePresets[p.choice].until(now, s.c.Location)
	}
	if s.held == nil || s.busy {
		return nil
	}
	s.closePrompts()
	s.busy = true
	return snoozeCmd(s.c, s.held.ID, until)
}

// typed takes a key no action took while the reason or the time is
// asked: text for it, which a character starts while the presets are
// shown.
func (s *ReviewScreen) typed(msg tea.KeyPressMsg) tea.Cmd {
	r := s.prompt()
	if r == nil {
		return nil
	}
	if !r.typing {
		if msg.Text == "" {
			return nil // a key that types nothing
		}
		r.typing = true
		focus := r.input.Focus()
		var typed tea.Cmd
		r.input, typed = r.input.Update(msg)
		return tea.Batch(focus, typed)
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	r.err = ""
	return cmd
}

func (s *ReviewScreen) closePrompts() {
	for _, p := range []*choicePrompt{&s.reason, &s.snooze} {
		p.open, p.typing, p.err = false, false, ""
		p.input.Blur()
	}
}

// about names the held message for a note.
func (s *ReviewScreen) about() string {
	if s.held == nil {
		return "the message"
	}
	return about(s.held.ID, &s.held.Entry)
}

// claimed takes the result of a claim (c, A, or a hand-over): the message
// to hold, or nothing left. done is what the action before it did, to say
// in the same note.
func (s *ReviewScreen) claimed(res queue.ClaimResult, err error, done string) tea.Cmd {
	if err != nil {
		s.c.fail("claim", "claiming the next message", err)
		return nil
	}
	s.c.succeeded("claim")
	cmds := []tea.Cmd{statsCmd(s.c)}
	m := res.Message
	var note []string
	if done != "" {
		note = append(note, done)
	}
	if m == nil {
		s.empty, s.handedBack = true, nil
		if done != "" {
			note = append(note, "no more messages waiting")
		}
	} else {
		s.held, s.empty = m, false
		s.forgetReleased(m.ID)
		s.gen++
		s.keptAt = s.c.Now() // the claim itself reset the idle time
		s.vp.GotoTop()
		s.render()
		if done != "" {
			note = append(note, "next: "+s.about())
		}
		cmds = append(cmds, s.keepAliveTick(), s.countdownTick())
	}
	if cleared := clearedNote(res); cleared != "" {
		note = append(note, cleared)
	}
	switch {
	case len(note) > 0:
		s.c.ok("%s", strings.Join(note, "; "))
	case s.c.status().level != levelErr:
		s.c.setStatus(status{}) // "claiming…" is over
	}
	return tea.Batch(cmds...)
}

// adopt takes over a message claimed on another screen (Pending's "claim
// this one"), so it is read, kept alive and acked here. A message held
// before is handed back rather than left to go idle, unless an action on
// it is under way (its reply settles it); a claim on its way comes too
// late and hands its message back when it arrives.
func (s *ReviewScreen) adopt(m *queue.Claimed) tea.Cmd {
	if m == nil || s.c.ReadOnly {
		return nil
	}
	if s.held != nil && s.held.ID == m.ID {
		return nil
	}
	var release tea.Cmd
	before := ""
	if s.held != nil && !s.busy {
		release, before = releaseCmd(s.c, s.held.ID), s.about()
	}
	s.claimSeq++
	s.busy = false
	cmd := s.claimed(queue.ClaimResult{Message: m}, nil, "")
	if before != "" {
		s.c.ok("handed %s back to the queue to review %s", before, s.about())
	}
	return tea.Batch(release, cmd)
}

// claimedTooLate hands back m, the message of a claim that arrived after
// the screen took another one over: nothing is held twice, nothing left
// to go idle. done is what the same reply did before it (an ack).
func (s *ReviewScreen) claimedTooLate(m *queue.Claimed, done string) tea.Cmd {
	if m == nil {
		if done != "" {
			s.c.ok("%s", done)
		}
		return statsCmd(s.c)
	}
	note := fmt.Sprintf("handed %s back to the queue: you took %s meanwhile", about(m.ID, &m.Entry), s.about())
	if done != "" {
		note = done + "; " + note
	}
	s.c.info("%s", note)
	return tea.Batch(releaseCmd(s.c, m.ID), statsCmd(s.c))
}

// forgetReleased drops id from what this session released: claimed
// again. Released messages come first, so a claim that got another one
// means none of ours still waits.
func (s *ReviewScreen) forgetReleased(id string) {
	if slices.Contains(s.handedBack, id) {
		s.handedBack = slices.DeleteFunc(s.handedBack, func(r string) bool { return r == id })
		return
	}
	s.handedBack = nil
}

// clearedNote reports what a claim cleared away on its way.
func clearedNote(r queue.ClaimResult) string {
	var parts []string
	if n := int64(len(r.Dropped)); n > 0 {
		parts = append(parts, plural(n, "message")+" had been deleted while pending; recorded in dead letters")
	}
	if n := int64(len(r.DeadLettered)); n > 0 {
		parts = append(parts, fmt.Sprintf("%s past the delivery limit moved to dead letters", plural(n, "message")))
	}
	switch n := len(r.Waiting); {
	case n == 1:
		parts = append(parts, "1 abandoned message now waits before its retry")
	case n > 1:
		parts = append(parts, fmt.Sprintf("%d abandoned messages now wait before their retry", n))
	}
	return strings.Join(parts, "; ")
}

// done applies the result of an action on the held message, and refreshes
// the header's numbers, which the action changed.
func (s *ReviewScreen) done(id string, apply func()) tea.Cmd {
	if s.held == nil || id != s.held.ID {
		return nil
	}
	s.busy = false
	apply()
	return statsCmd(s.c)
}

func (s *ReviewScreen) acked(msg AckedMsg) {
	name := s.about()
	switch {
	case msg.Err != nil:
		if !s.lost(msg.Err) {
			s.c.fail("ack", "acking "+name, msg.Err, "it stays here, try again")
		}
	case msg.N == 0:
		s.drop()
		s.c.warn("%s was already taken over or acked elsewhere: nothing acked", name)
	default:
		s.c.succeeded("ack")
		s.drop()
		s.c.ok("acked %s", name)
	}
}

// ackClaimed takes the result of A: the ack, then the next claim.
func (s *ReviewScreen) ackClaimed(msg AckClaimedMsg) tea.Cmd {
	if msg.Seq != s.claimSeq {
		// The screen took another message over meanwhile: the ack stands,
		// the next message goes back.
		done := ""
		if msg.Err == nil && msg.N > 0 {
			done = "acked " + safeID(msg.ID)
		}
		return s.claimedTooLate(msg.Result.Message, done)
	}
	if s.held == nil || msg.ID != s.held.ID {
		return nil
	}
	s.busy = false
	name := s.about()
	if msg.Err != nil {
		if !s.lost(msg.Err) {
			s.c.fail("ack", "acking "+name+" and claiming the next", msg.Err, "it stays here, try again")
		}
		return statsCmd(s.c)
	}
	s.c.succeeded("ack")
	id := s.held.ID
	s.drop()
	done := "acked " + name
	switch {
	case msg.N == 0 && msg.Result.GroupRecreated:
		done = lostNote(name, id)
	case msg.N == 0:
		done = name + " was no longer pending: nothing acked"
	}
	return s.claimed(msg.Result, nil, done)
}

func (s *ReviewScreen) released(msg ReleasedMsg) {
	name := s.about()
	if msg.Err == nil && !msg.Due.IsZero() {
		// The retry backoff: out of everyone's reach until then.
		s.drop()
		s.c.ok("released %s: it waits, and is offered again at %s (in %s)", name,
			termtext.Clock(msg.Due, s.c.Now(), s.c.Location), termtext.Span(msg.Due.Sub(s.c.Now())))
		return
	}
	if msg.Err == nil {
		s.handedBack = append(s.handedBack, msg.ID)
		s.drop()
		s.c.ok("released %s: back in the queue for the next claim", name)
		return
	}
	if !s.lost(msg.Err) {
		s.c.fail("release", "releasing "+name, msg.Err, "it stays here, try again")
	}
}

// releasedBefore reports a failed hand-back of a message held before the
// one on screen; it is still ours and goes back once idle.
func (s *ReviewScreen) releasedBefore(msg ReleasedMsg) {
	if msg.Err != nil && !errors.Is(msg.Err, queue.ErrNotPending) && !errors.Is(msg.Err, queue.ErrNotHeld) {
		s.c.warn("could not hand %s back (%s): it returns to the queue once idle for %s",
			safeID(msg.ID), errReason(msg.Err), termtext.Ago(s.c.ReclaimAfter))
	}
}

func (s *ReviewScreen) snoozed(msg SnoozedMsg) {
	name := s.about()
	if msg.Err == nil {
		s.drop()
		s.c.ok("snoozed %s until %s: nobody gets it before, then it comes back", name, termtext.Clock(msg.Until, s.c.Now(), s.c.Location))
		return
	}
	if !s.lost(msg.Err) {
		s.c.fail("snooze", "snoozing "+name, msg.Err, "it stays here, try again")
	}
}

func (s *ReviewScreen) rejected(msg RejectedMsg) {
	name := s.about()
	if msg.Err == nil {
		s.drop()
		s.c.ok("moved %s to dead letters as %s", name, safeID(msg.DeadID))
		return
	}
	if !s.lost(msg.Err) {
		s.c.fail("dead-letter", "dead-lettering "+name, msg.Err, "it stays here, try again")
	}
}

func (s *ReviewScreen) keptAlive(msg KeptAliveMsg) tea.Cmd {
	if s.held == nil || msg.Gen != s.gen || msg.ID != s.held.ID {
		return nil
	}
	if msg.Err == nil {
		s.keptAt = s.c.Now()
		s.c.succeeded("keep-alive")
		return s.keepAliveTick()
	}
	if s.lost(msg.Err) {
		return nil
	}
	s.c.fail("keep-alive", "keep-alive of "+s.about(), msg.Err) // the next tick tries again
	return s.keepAliveTick()
}

// lost drops the held message when err says it is no longer ours, says
// which message and why, and reports whether it did. It happened and is
// over: the note fades like any other.
func (s *ReviewScreen) lost(err error) bool {
	name := s.about()
	var held *queue.HeldError
	switch {
	case errors.As(err, &held) && held.Owner != "":
		s.c.warn("%s took %s: it is no longer yours, nothing was acked", safeID(held.Owner), name)
	case errors.Is(err, queue.ErrNotHeld):
		s.c.warn("another reviewer took %s: it is no longer yours, nothing was acked", name)
	case errors.Is(err, queue.ErrNotPending):
		s.c.warn("%s is no longer pending: acked or dead-lettered elsewhere", name)
	case errors.Is(err, queue.ErrLost):
		s.c.warn("%s", lostNote(name, s.held.ID))
	default:
		return false
	}
	s.drop()
	return true
}

// lostNote says that the server itself lost a held message (it restarted
// empty or was flushed), naming it by sender and ID: nobody else took it,
// and there is nothing left to ack.
func lostNote(name, id string) string {
	if name != safeID(id) {
		name += " (" + safeID(id) + ")"
	}
	return "the server lost " + name + ": it restarted empty or was flushed"
}

func (s *ReviewScreen) drop() {
	s.held, s.busy = nil, false
	s.closePrompts()
	s.vp.SetContent("")
}

func (s *ReviewScreen) keepAliveTick() tea.Cmd {
	every := max(s.c.ReclaimAfter/3, 10*time.Millisecond)
	return s.c.after(every, keepAliveTickMsg{ID: s.held.ID, Gen: s.gen})
}

func (s *ReviewScreen) countdownTick() tea.Cmd {
	return s.c.after(time.Second, countdownTickMsg{Gen: s.gen})
}

// render sanitises and wraps the held message into the viewport, when the
// message, width or theme changed.
func (s *ReviewScreen) render() {
	if s.held == nil || s.width <= 0 {
		return
	}
	r := &s.renderedFor
	if r.gen == s.gen && r.width == s.width && r.theme == s.c.Theme {
		return
	}
	r.gen, r.width, r.theme = s.gen, s.width, s.c.Theme
	s.vp.SetContent(RenderEntry(s.c.Theme, s.held.Entry, s.c.Location, s.width))
}

func (s *ReviewScreen) View() string {
	th := s.c.Theme
	if s.c.ReadOnly {
		return lipgloss.NewStyle().Width(max(s.width, 20)).Render(
			th.ReadOnly.Render("READ-ONLY") + " " +
				th.Subtle.Render("Reviewing is not available in this session (browsing only): no claim, ack, release or dead-letter. Browse with "+
					s.c.browsing()+"."))
	}
	if s.held == nil {
		return s.emptyView()
	}
	s.render() // the theme may have changed since the message arrived
	prompt, body := s.promptLine(), s.viewport()
	// A typed answer's error goes under the prompt, where the reviewer
	// looks, in lines the message gives up at its bottom.
	if n := strings.Count(prompt, "\n"); n > 0 {
		body = exactLines(body, max(s.vp.Height()-n, 1))
	}
	return s.badges() + "\n" + prompt + "\n" + body
}

func (s *ReviewScreen) viewport() string {
	k := vpKey{gen: s.gen, width: s.vp.Width(), height: s.vp.Height(), y: s.vp.YOffset(), theme: s.c.Theme}
	if s.vpView.key != k || s.vpView.view == "" {
		s.vpView.key, s.vpView.view = k, s.vp.View()
	}
	return s.vpView.view
}

func (s *ReviewScreen) emptyView() string {
	th := s.c.Theme
	waiting := s.waiting()
	switch {
	case s.busy:
		return th.Subtle.Render("Claiming the next message…")
	case waiting != "":
		return th.Title.Render(waiting)
	case s.empty:
		return th.Title.Render("No messages waiting. New ones show up here by themselves.")
	}
	return th.Title.Render("Nothing claimed. Press " + s.c.key("claim") + " to claim the next message.")
}

// waiting reads new arrivals off the latest header numbers; polling Claim
// instead would claim messages nobody asked for.
func (s *ReviewScreen) waiting() string {
	if !s.haveStats {
		return ""
	}
	g, press := s.stats.Group, " — press "+s.c.key("claim")+" to claim"
	released := int64(len(s.handedBack))
	switch {
	case g.Lag > 0 && released > 0:
		return fmt.Sprintf("%s waiting (%d new, %d you released)%s", plural(g.Lag+released, "message"), g.Lag, released, press)
	case g.Lag > 0:
		return plural(g.Lag, "new message") + " waiting" + press
	case released == 1:
		return "1 message waiting: the one you released" + press
	case released > 1:
		return fmt.Sprintf("%d messages waiting: the ones you released%s", released, press)
	case g.Lag < 0 && s.stats.Length > g.Pending:
		return fmt.Sprintf("New messages may be waiting (%d in the stream)%s", s.stats.Length, press)
	}
	return ""
}

// promptLine is the dead-letter reason or the snooze's time while it is
// asked (and under it, on up to two lines of its own, why a typed one was
// refused), else the REPLAY badge of a replayed message, else empty.
func (s *ReviewScreen) promptLine() string {
	th, r := s.c.Theme, s.prompt()
	if r == nil {
		if of := s.held.ReplayOf(); of != "" {
			return th.Replay.Render("REPLAY of "+safeID(of)) + " " + th.Subtle.Render("acked before, put back for another look")
		}
		return ""
	}
	line := th.Prompt.Render(r.label)
	if r.inputTh != th {
		r.inputTh = th
		st := textinput.DefaultStyles(th.IsDark)
		st.Cursor.Blink = false // steady: no tick per keystroke
		r.input.SetStyles(st)
	}
	if r.typing {
		line += r.input.View()
		for _, l := range wrapLine(r.err, max(s.width, 1), 2) {
			if l != "" {
				line += "\n" + th.Error.Render(l)
			}
		}
		return line
	}
	var picks []string
	if r.numbered {
		picks = s.c.keys.keys("pick", ModeChoice)
	}
	var choices string
	for i, p := range append(slices.Clone(r.presets), "other…") {
		label := p
		if i < len(picks) {
			label = picks[i] + " " + p
		}
		if i == r.choice {
			choices += th.Selected.Render("[" + label + "]")
		} else {
			choices += th.Subtle.Render(" " + label + " ")
		}
		choices += " "
	}
	if full := line + choices + th.Subtle.Render("or type one"); lipgloss.Width(full) <= s.width {
		return full
	}
	return th.Prompt.Render(r.short) + choices // a narrow terminal: the choices stay whole
}

func (s *ReviewScreen) badges() string {
	th, m := s.c.Theme, s.held
	var parts []string
	switch {
	case m.Released:
		// Handed back on purpose: no idle time to speak of, and the
		// delivery count is the queue's, not one more for the release.
		var when []string
		if m.ReleasedBy != "" {
			when = append(when, "by "+safeID(m.ReleasedBy))
		}
		if !m.ReleasedAt.IsZero() {
			when = append(when, termtext.AgoShort(s.c.Now().Sub(m.ReleasedAt))+" ago")
		}
		parts = append(parts, th.Released.Render("RELEASED")+" "+th.Subtle.Render(strings.Join(when, " · ")))
	case m.Reclaimed:
		from := ""
		if m.PreviousConsumer != "" {
			from = " from " + safeID(m.PreviousConsumer)
		}
		parts = append(parts, th.Reclaimed.Render("RECLAIMED")+" "+th.Subtle.Render("idle "+termtext.Ago(m.Idle)+from))
	}
	if b := m.Returned(); b != nil {
		// Back from a wait, as a new entry: say who put it away and until
		// when, in the reviewer's zone.
		until := termtext.Clock(b.Until, s.c.Now(), s.c.Location)
		switch {
		case b.Kind == queue.WaitSnoozed:
			parts = append(parts, th.Snoozed.Render("SNOOZED")+" "+th.Subtle.Render("snoozed by "+safeID(b.By)+" until "+until))
		case b.After == queue.AfterReclaim:
			parts = append(parts, th.Reclaimed.Render("RETRY")+" "+th.Subtle.Render("abandoned by "+safeID(b.By)))
		default:
			parts = append(parts, th.Released.Render("RETRY")+" "+th.Subtle.Render("released by "+safeID(b.By)))
		}
	}
	// The delivery count and the countdown always show whole: on a narrow
	// terminal the badges' own words give way to them.
	var count []string
	count = append(count, th.Delivery.Render(fmt.Sprintf("delivery %d", max(m.Deliveries, 1))))
	left := s.keptAt.Add(s.c.ReclaimAfter).Sub(s.c.Now())
	if left > 0 {
		count = append(count, th.KeepAlive.Render("reclaimable in "+clock(left)))
	} else {
		count = append(count, th.Reclaimed.Render("reclaimable now"))
	}
	if s.busy {
		count = append(count, th.Subtle.Render("working…"))
	}
	line := strings.Join(count, "  ")
	if len(parts) > 0 {
		head := strings.Join(parts, "  ")
		if room := s.width - lipgloss.Width(line) - 2; lipgloss.Width(head) > room {
			head = ansi.Truncate(head, max(room, 0), "…")
		}
		line = head + "  " + line
	}
	// Where the text is scrolled to, at the right end when there is
	// room: the badges never give way to it.
	if where := scrollPosition(s.vp); where != "" && lipgloss.Width(line)+2+lipgloss.Width(where) <= s.width {
		line = spread(lipgloss.NewStyle(), line, th.Subtle.Render(where), s.width)
	}
	return line
}

// clock writes a countdown as m:ss, or h:mm:ss past an hour, rounding up so
// it reaches 0:00 only when the time is over.
func clock(d time.Duration) string {
	sec := int((d + time.Second - 1) / time.Second)
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}
