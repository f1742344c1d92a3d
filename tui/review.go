package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// reasonPresets are the dead-letter reasons x offers; the reviewer can
// still type another.
var reasonPresets = []string{"spam", "abuse", "duplicate"}

// ReviewScreen is where the console opens: claim the next message, read it
// in full, then ack, release or dead-letter it. While a message is held it
// is kept alive so a long read is not reclaimed by someone else.
type ReviewScreen struct {
	c  *Common
	to replyTo

	held *queue.Claimed
	// gen changes with every claim, so ticks and keep-alives of a message
	// held earlier are ignored even when the same ID comes back.
	gen    int
	busy   bool      // a claim, ack, release or dead-letter is in flight
	keptAt time.Time // last time the server reset the held message's idle time
	empty  bool      // the last claim found nothing

	reason reasonPrompt

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

// reasonPrompt is the dead-letter reason: a preset picked with ←/→ (or its
// number), or one typed.
type reasonPrompt struct {
	open    bool
	choice  int  // into reasonPresets, len(reasonPresets) is "other…"
	typing  bool // the reviewer types their own
	input   textinput.Model
	inputTh *styles.Theme // the theme input was styled with, only compared
	err     string
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

// Keys only the Review screen's prompt uses.
var (
	reviewScroll  = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll"))
	reasonChoose  = key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose"))
	reasonConfirm = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "dead-letter"))
	reasonType    = key.NewBinding(key.WithHelp("type", "your own reason"))
	reasonCancel  = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
)

// NewReviewScreen builds the Review screen.
func NewReviewScreen(c *Common, id ScreenID) Screen {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = "why this message goes to dead letters"
	ti.CharLimit = 500
	st := ti.Styles()
	st.Cursor.Blink = false // steady: no tick per keystroke
	ti.SetStyles(st)
	return &ReviewScreen{c: c, to: replyTo{c, id}, reason: reasonPrompt{input: ti}, vp: viewport.New()}
}

func (s *ReviewScreen) Init() tea.Cmd   { return nil }
func (s *ReviewScreen) Title() string   { return "Review" }
func (s *ReviewScreen) Capturing() bool { return s.reason.open }

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
	s.render()
}

func (s *ReviewScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	switch {
	case s.c.ReadOnly:
		return nil
	case s.reason.open && s.reason.typing:
		return []key.Binding{reasonConfirm, reasonCancel}
	case s.reason.open:
		return []key.Binding{reasonChoose, reasonConfirm, reasonType, reasonCancel}
	case s.held != nil && s.scrollable():
		return []key.Binding{k.Ack, k.AckNext, k.Release, k.Dead, k.Copy, reviewScroll}
	case s.held != nil:
		return []key.Binding{k.Ack, k.AckNext, k.Release, k.Dead, k.Copy}
	}
	return []key.Binding{k.Claim}
}

// scrollable is true when the held message is longer than the screen.
func (s *ReviewScreen) scrollable() bool { return s.vp.TotalLineCount() > s.vp.Height() }

func (s *ReviewScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	switch {
	case s.c.ReadOnly:
		return nil
	case s.reason.open:
		return [][]key.Binding{s.ShortHelp()}
	case s.held != nil && s.scrollable():
		return [][]key.Binding{
			{k.Ack, k.AckNext, k.Release, k.Dead, k.Copy},
			{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		}
	case s.held != nil:
		return [][]key.Binding{{k.Ack, k.AckNext, k.Release, k.Dead, k.Copy}}
	}
	return [][]key.Binding{{k.Claim}}
}

func (s *ReviewScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return s, s.key(msg)
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
		if s.reason.open {
			s.reason.typing = true
			var cmd tea.Cmd
			s.reason.input, cmd = s.reason.input.Update(msg)
			return s, cmd
		}
	case ClaimedMsg:
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
	case keepAliveTickMsg:
		if s.held != nil && msg.Gen == s.gen && msg.ID == s.held.ID {
			return s, keepAliveCmd(s.to, msg.ID, msg.Gen)
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
		}
		if msg.Err == nil && msg.Stats.GroupRecreated && s.held != nil {
			// The group had vanished (the server restarted empty or was
			// flushed); a keep-alive now tells at once whether the held
			// message went with it, rather than at the next tick.
			return s, keepAliveCmd(s.to, s.held.ID, s.gen)
		}
	case tea.BackgroundColorMsg:
		s.render()
	}
	return s, nil
}

func (s *ReviewScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if s.c.ReadOnly {
		return nil
	}
	if s.reason.open {
		return s.reasonKey(msg)
	}
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Top):
		s.vp.GotoTop()
		return nil
	case key.Matches(msg, k.Bottom):
		s.vp.GotoBottom()
		return nil
	case key.Matches(msg, k.Claim, k.Ack, k.AckNext, k.Release, k.Dead) && s.busy:
		return nil // one action at a time: no double claims or acks
	case key.Matches(msg, k.Claim):
		if s.held != nil {
			s.c.warn("finish %s first: a ack · r release · x dead-letter", s.about())
			return nil
		}
		s.busy = true
		s.c.info("claiming…")
		return claimCmd(s.to)
	case key.Matches(msg, k.Ack, k.AckNext, k.Release, k.Dead, k.Copy) && s.held == nil:
		s.c.warn("no message held: press c to claim one first")
		return nil
	case key.Matches(msg, k.Ack):
		s.busy = true
		return ackCmd(s.to, s.held.ID)
	case key.Matches(msg, k.AckNext):
		s.busy = true
		return ackClaimCmd(s.to, s.held.ID)
	case key.Matches(msg, k.Release):
		s.busy = true
		return releaseCmd(s.to, s.held.ID)
	case key.Matches(msg, k.Dead):
		s.reason.open, s.reason.typing, s.reason.choice, s.reason.err = true, false, 0, ""
		s.reason.input.Reset()
		return nil
	case key.Matches(msg, k.Copy):
		return copyEmailCmd(s.c, &s.held.Entry)
	case s.held == nil:
		return nil
	}
	var cmd tea.Cmd
	s.vp, cmd = s.vp.Update(msg)
	return cmd
}

// reasonKey handles a key while the dead-letter reason is asked: ←/→ or a
// number pick a preset, enter confirms it, any other text starts a reason
// of the reviewer's own, esc cancels.
func (s *ReviewScreen) reasonKey(msg tea.KeyPressMsg) tea.Cmd {
	r := &s.reason
	other := len(reasonPresets)
	switch msg.String() {
	case "esc":
		s.closeReason()
		return nil
	case "enter":
		reason := ""
		switch {
		case r.typing:
			reason = strings.TrimSpace(r.input.Value())
			if reason == "" {
				r.err = "type a reason, or esc to cancel"
				return nil
			}
		case r.choice == other:
			r.typing = true
			return r.input.Focus()
		default:
			reason = reasonPresets[r.choice]
		}
		if s.held == nil || s.busy {
			return nil
		}
		s.closeReason()
		s.busy = true
		return rejectCmd(s.to, s.held.ID, reason)
	}
	if !r.typing {
		switch msg.String() {
		case "left", "shift+tab", "up":
			r.choice = (r.choice + other) % (other + 1)
			return nil
		case "right", "tab", "down":
			r.choice = (r.choice + 1) % (other + 1)
			return nil
		}
		if n := msg.String(); len(n) == 1 && n[0] >= '1' && int(n[0]-'1') <= other {
			r.choice = int(n[0] - '1')
			if r.choice == other {
				r.typing = true
				return r.input.Focus()
			}
			return nil
		}
		if msg.Text == "" {
			return nil // a key that types nothing
		}
		r.typing = true
		cmd := r.input.Focus()
		var typed tea.Cmd
		r.input, typed = r.input.Update(msg)
		return tea.Batch(cmd, typed)
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	r.err = ""
	return cmd
}

func (s *ReviewScreen) closeReason() {
	s.reason.open, s.reason.typing, s.reason.err = false, false, ""
	s.reason.input.Blur()
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
	s.c.succeeded("held") // a new message: what happened to the last is old news
	cmds := []tea.Cmd{statsCmd(s.c)}
	m := res.Message
	var note []string
	if done != "" {
		note = append(note, done)
	}
	if m == nil {
		s.empty = true
		if done != "" {
			note = append(note, "no more messages waiting")
		}
	} else {
		s.held, s.empty = m, false
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
	case s.c.status.level != levelErr:
		s.c.setStatus(status{}) // "claiming…" is over
	}
	return tea.Batch(cmds...)
}

// Adopt takes over a message claimed on another screen (Pending's "claim
// this one"), so it is read, kept alive and acked here. A message held
// before is handed back rather than left to go idle.
func (s *ReviewScreen) Adopt(m *queue.Claimed) tea.Cmd {
	if m == nil || s.c.ReadOnly {
		return nil
	}
	if s.held != nil && s.held.ID == m.ID {
		return nil
	}
	var release tea.Cmd
	before := ""
	if s.held != nil {
		release, before = releaseCmd(s.to, s.held.ID), s.about()
	}
	s.busy = false
	cmd := s.claimed(queue.ClaimResult{Message: m}, nil, "")
	if before != "" {
		s.c.ok("handed %s back to the queue to review %s", before, s.about())
	}
	return tea.Batch(release, cmd)
}

// Forget lets go of the held message id, finished on another screen.
func (s *ReviewScreen) Forget(id string) {
	if s.held != nil && s.held.ID == id {
		s.drop()
	}
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
			s.c.fail("ack", "acking "+name, msg.Err)
			s.c.status.text += " — it stays here, try again"
		}
	case msg.N == 0:
		s.drop()
		s.c.failf("held", false, "%s was already taken over or acked elsewhere: nothing acked", name)
	default:
		s.c.succeeded("ack")
		s.drop()
		s.c.ok("acked %s", name)
	}
}

// ackClaimed takes the result of A: the ack, then the next claim.
func (s *ReviewScreen) ackClaimed(msg AckClaimedMsg) tea.Cmd {
	if s.held == nil || msg.ID != s.held.ID {
		return nil
	}
	s.busy = false
	name := s.about()
	if msg.Err != nil {
		if !s.lost(msg.Err) {
			s.c.fail("ack", "acking "+name+" and claiming the next", msg.Err)
			s.c.status.text += " — it stays here, try again"
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
	if msg.Err == nil {
		s.drop()
		s.c.ok("released %s: back in the queue for the next claim", name)
		return
	}
	if !s.lost(msg.Err) {
		s.c.fail("release", "releasing "+name, msg.Err)
		s.c.status.text += " — it stays here, try again"
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

func (s *ReviewScreen) rejected(msg RejectedMsg) {
	name := s.about()
	if msg.Err == nil {
		s.drop()
		s.c.ok("moved %s to dead letters as %s", name, safeID(msg.DeadID))
		return
	}
	if !s.lost(msg.Err) {
		s.c.fail("dead-letter", "dead-lettering "+name, msg.Err)
		s.c.status.text += " — it stays here, try again"
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
// which message and why, and reports whether it did. The note stays until
// the next claim.
func (s *ReviewScreen) lost(err error) bool {
	name := s.about()
	var held *queue.HeldError
	switch {
	case errors.As(err, &held) && held.Owner != "":
		s.c.failf("held", false, "%s took %s: it is no longer yours, nothing was acked", safeID(held.Owner), name)
	case errors.Is(err, queue.ErrNotHeld):
		s.c.failf("held", false, "another reviewer took %s: it is no longer yours, nothing was acked", name)
	case errors.Is(err, queue.ErrNotPending):
		s.c.failf("held", false, "%s is no longer pending: acked or dead-lettered elsewhere", name)
	case errors.Is(err, queue.ErrLost):
		s.c.failf("held", false, "%s", lostNote(name, s.held.ID))
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
	s.closeReason()
	s.vp.SetContent("")
}

func (s *ReviewScreen) keepAliveTick() tea.Cmd {
	every := max(s.c.ReclaimAfter/3, 10*time.Millisecond)
	return s.to.after(every, keepAliveTickMsg{ID: s.held.ID, Gen: s.gen})
}

func (s *ReviewScreen) countdownTick() tea.Cmd {
	return s.to.after(time.Second, countdownTickMsg{Gen: s.gen})
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
				th.Subtle.Render("Reviewing is not available in this session (browsing only): no claim, ack, release or dead-letter. Browse with 3 Pending, 4 Stream, 5 Dead letters and 6 Activity."))
	}
	if s.held == nil {
		return s.emptyView()
	}
	s.render() // the theme may have changed since the message arrived
	return s.badges() + "\n" + s.promptLine() + "\n" + s.viewport()
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
	return th.Title.Render("Nothing claimed. Press c to claim the next message.")
}

// waiting reads new arrivals off the latest header numbers; polling Claim
// instead would claim messages nobody asked for.
func (s *ReviewScreen) waiting() string {
	if !s.haveStats {
		return ""
	}
	g := s.stats.Group
	switch {
	case g.Lag > 0:
		return fmt.Sprintf("%s waiting — press c to claim", plural(g.Lag, "new message"))
	case g.Lag < 0 && s.stats.Length > g.Pending:
		return fmt.Sprintf("New messages may be waiting (%d in the stream) — press c to claim", s.stats.Length)
	}
	return ""
}

// promptLine is the dead-letter reason while it is asked, else the
// REPLAY badge of a replayed message, else empty.
func (s *ReviewScreen) promptLine() string {
	th, r := s.c.Theme, &s.reason
	if !r.open {
		if of := s.held.ReplayOf(); of != "" {
			return th.Replay.Render("REPLAY of "+safeID(of)) + " " + th.Subtle.Render("acked before, put back for another look")
		}
		return ""
	}
	line := th.Prompt.Render("dead-letter reason: ")
	if r.inputTh != th {
		r.inputTh = th
		st := textinput.DefaultStyles(th.IsDark)
		st.Cursor.Blink = false // steady: no tick per keystroke
		r.input.SetStyles(st)
	}
	if r.typing {
		if r.err != "" {
			line += th.Error.Render(r.err) + " "
		}
		return line + r.input.View()
	}
	for i, p := range append(reasonPresets, "other…") {
		label := fmt.Sprintf("%d %s", i+1, p)
		if i == r.choice {
			line += th.Selected.Render("[" + label + "]")
		} else {
			line += th.Subtle.Render(" " + label + " ")
		}
		line += " "
	}
	return line + th.Subtle.Render("or type one")
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
	parts = append(parts, th.Delivery.Render(fmt.Sprintf("delivery %d", max(m.Deliveries, 1))))
	left := s.keptAt.Add(s.c.ReclaimAfter).Sub(s.c.Now())
	if left > 0 {
		parts = append(parts, th.KeepAlive.Render("reclaimable in "+clock(left)))
	} else {
		parts = append(parts, th.Reclaimed.Render("reclaimable now"))
	}
	if s.busy {
		parts = append(parts, th.Subtle.Render("working…"))
	}
	line := strings.Join(parts, "  ")
	if where := scrollPosition(s.vp); where != "" {
		line = spreadPlain(line, th.Subtle.Render(where), s.width)
	}
	return line
}

// spreadPlain puts right at the end of a line of width cells after left,
// when both fit; else left alone.
func spreadPlain(left, right string, width int) string {
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 2 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
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
