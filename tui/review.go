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

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// ReviewScreen is where the console opens: claim the next message, read it
// in full, then ack, release or dead-letter it. While a message is held it
// is kept alive so a long read is not reclaimed by someone else.
type ReviewScreen struct {
	c *Common

	held *queue.Claimed
	// gen changes with every claim, so ticks and keep-alives of a message
	// held earlier are ignored even when the same ID comes back.
	gen    int
	busy   bool      // a claim, ack, release or dead-letter is in flight
	keptAt time.Time // last time the server reset the held message's idle time
	empty  bool      // the last claim found nothing

	note      string
	noteStyle noteKind
	kaFailed  bool // the note is a keep-alive failure, cleared by the next success

	asking    bool // the dead-letter reason prompt is open
	reason    textinput.Model
	reasonErr string

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
	keys          reviewKeys
}

type vpKey struct {
	gen, width, height, y int
	theme                 *styles.Theme
}

type noteKind int

const (
	noteInfo noteKind = iota
	noteOK
	noteWarn
	noteErr
)

type reviewKeys struct {
	scroll        key.Binding
	confirm, back key.Binding
}

// keepAliveTickMsg asks for a keep-alive of the message held under gen.
type keepAliveTickMsg struct {
	ID  string
	Gen int
}

// countdownTickMsg redraws the "reclaimable in" countdown once a second.
type countdownTickMsg struct{ Gen int }

// NewReviewScreen builds the Review screen.
func NewReviewScreen(c *Common) Screen {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = "why this message goes to dead letters"
	ti.CharLimit = 500
	return &ReviewScreen{
		c:      c,
		reason: ti,
		vp:     viewport.New(),
		keys: reviewKeys{
			scroll:  key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")),
			confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "dead-letter")),
			back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		},
	}
}

func (s *ReviewScreen) Init() tea.Cmd   { return nil }
func (s *ReviewScreen) Title() string   { return "Review" }
func (s *ReviewScreen) Capturing() bool { return s.asking }

// Polling reports that the screen waits for new arrivals, so the root
// refreshes the numbers it shows more often (Deps.PollEvery).
func (s *ReviewScreen) Polling() bool { return !s.c.ReadOnly && s.held == nil && !s.busy }

func (s *ReviewScreen) SetSize(width, height int) {
	s.width, s.height = width, height
	s.vp.SetWidth(width)
	s.vp.SetHeight(max(height-2, 1))
	s.reason.SetWidth(max(width-30, 10))
	s.render()
}

func (s *ReviewScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	switch {
	case s.c.ReadOnly:
		return nil
	case s.asking:
		return []key.Binding{s.keys.confirm, s.keys.back}
	case s.held != nil:
		return []key.Binding{k.Ack, k.Release, k.Dead, s.keys.scroll}
	}
	return []key.Binding{k.Claim}
}

func (s *ReviewScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	switch {
	case s.c.ReadOnly:
		return nil
	case s.asking:
		return [][]key.Binding{{s.keys.confirm, s.keys.back}}
	}
	return [][]key.Binding{{k.Claim, k.Ack, k.Release, k.Dead}, {k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

func (s *ReviewScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return s, s.key(msg)
	case ClaimedMsg:
		return s, s.claimed(msg)
	case ClaimedElsewhereMsg:
		return s, s.adopt(msg.Message)
	case ReviewAckedMsg:
		return s, s.done(msg.ID, func() { s.acked(msg) })
	case ReleasedMsg:
		return s, s.done(msg.ID, func() { s.released(msg) })
	case RejectedMsg:
		return s, s.done(msg.ID, func() { s.rejected(msg) })
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
		}
	case tea.BackgroundColorMsg:
		s.render()
	default:
		if s.asking {
			var cmd tea.Cmd
			s.reason, cmd = s.reason.Update(msg)
			return s, cmd
		}
	}
	return s, nil
}

func (s *ReviewScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if s.c.ReadOnly {
		return nil
	}
	if s.asking {
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
	case key.Matches(msg, k.Claim, k.Ack, k.Release, k.Dead) && s.busy:
		return nil // one action at a time: no double claims or acks
	case key.Matches(msg, k.Claim):
		if s.held != nil {
			s.setNote(noteWarn, "finish this message first: a ack · r release · x dead-letter")
			return nil
		}
		s.busy = true
		s.setNote(noteInfo, "claiming…")
		return claimCmd(s.c)
	case s.held == nil:
		return nil
	case key.Matches(msg, k.Ack):
		s.busy = true
		return ackCmd(s.c, s.held.ID)
	case key.Matches(msg, k.Release):
		s.busy = true
		return releaseCmd(s.c, s.held.ID)
	case key.Matches(msg, k.Dead):
		s.asking, s.reasonErr = true, ""
		s.reason.Reset()
		return s.reason.Focus()
	}
	var cmd tea.Cmd
	s.vp, cmd = s.vp.Update(msg)
	return cmd
}

func (s *ReviewScreen) reasonKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, s.keys.back):
		s.asking, s.reasonErr = false, ""
		s.reason.Blur()
		return nil
	case key.Matches(msg, s.keys.confirm):
		reason := strings.TrimSpace(s.reason.Value())
		if reason == "" {
			s.reasonErr = "a reason is required (esc cancels)"
			return nil
		}
		if s.held == nil || s.busy {
			return nil
		}
		s.asking, s.reasonErr, s.busy = false, "", true
		s.reason.Blur()
		return rejectCmd(s.c, s.held.ID, reason)
	}
	var cmd tea.Cmd
	s.reason, cmd = s.reason.Update(msg)
	s.reasonErr = ""
	return cmd
}

func (s *ReviewScreen) claimed(msg ClaimedMsg) tea.Cmd {
	s.busy = false
	if msg.Err != nil {
		s.setNote(noteErr, "claim failed: "+errReason(msg.Err))
		return nil
	}
	cmds := []tea.Cmd{statsCmd(s.c)}
	if cleared := clearedNote(msg.Result); cleared != "" {
		cmds = append(cmds, statusCmd(cleared, false))
	}
	m := msg.Result.Message
	if m == nil {
		s.empty = true
		s.setNote(noteInfo, "")
		return tea.Batch(cmds...)
	}
	s.held, s.empty = m, false
	s.gen++
	s.keptAt = s.c.Now() // the claim itself reset the idle time
	s.setNote(noteInfo, "")
	s.vp.GotoTop()
	s.render()
	return tea.Batch(append(cmds, s.keepAliveTick(), s.countdownTick())...)
}

// adopt takes over a message claimed on another screen (Pending's "claim
// this one"), so it is read, kept alive and acked here. A message held
// before is handed back rather than left to go idle.
func (s *ReviewScreen) adopt(m *queue.Claimed) tea.Cmd {
	if m == nil || s.c.ReadOnly {
		return nil
	}
	var cmds []tea.Cmd
	if s.held != nil && s.held.ID != m.ID {
		cmds = append(cmds, releaseCmd(s.c, s.held.ID),
			statusCmd("handed "+s.held.ID+" back to the queue to review "+m.ID, false))
	}
	return tea.Batch(append(cmds, s.claimed(ClaimedMsg{Result: queue.ClaimResult{Message: m}}))...)
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

func (s *ReviewScreen) acked(msg ReviewAckedMsg) {
	switch {
	case msg.Err != nil:
		s.setNote(noteErr, "ack failed: "+errReason(msg.Err)+" — the message stays here, try again")
	case msg.N == 0:
		s.drop(noteWarn, safeID(msg.ID)+" was no longer pending, likely reclaimed by someone else: nothing acked")
	default:
		s.drop(noteOK, "acked "+safeID(msg.ID))
	}
}

func (s *ReviewScreen) released(msg ReleasedMsg) {
	if msg.Err == nil {
		s.drop(noteOK, "released "+safeID(msg.ID)+": back in the queue for the next claim")
		return
	}
	if !s.lost(msg.Err) {
		s.setNote(noteErr, "release failed: "+errReason(msg.Err)+" — the message stays here, try again")
	}
}

func (s *ReviewScreen) rejected(msg RejectedMsg) {
	if msg.Err == nil {
		s.drop(noteOK, "moved "+safeID(msg.ID)+" to dead letters as "+safeID(msg.DeadID))
		return
	}
	if !s.lost(msg.Err) {
		s.setNote(noteErr, "dead-letter failed: "+errReason(msg.Err)+" — the message stays here, try again")
	}
}

func (s *ReviewScreen) keptAlive(msg KeptAliveMsg) tea.Cmd {
	if s.held == nil || msg.Gen != s.gen || msg.ID != s.held.ID {
		return nil
	}
	if msg.Err == nil {
		s.keptAt = s.c.Now()
		if s.kaFailed {
			s.setNote(noteInfo, "")
		}
		return s.keepAliveTick()
	}
	if s.lost(msg.Err) {
		return nil
	}
	s.setNote(noteErr, "keep-alive failed: "+errReason(msg.Err)+" — the message stays here; ack it once the server is back")
	s.kaFailed = true
	return s.keepAliveTick()
}

// lost drops the held message when err says it is no longer ours, and
// reports whether it did.
func (s *ReviewScreen) lost(err error) bool {
	var held *queue.HeldError
	switch {
	case errors.As(err, &held) && held.Owner != "":
		s.drop(noteErr, "another reviewer ("+safeID(held.Owner)+") took this message")
	case errors.Is(err, queue.ErrNotHeld):
		s.drop(noteErr, "another reviewer took this message")
	case errors.Is(err, queue.ErrNotPending):
		s.drop(noteWarn, "this message is no longer pending: acked or dead-lettered elsewhere")
	default:
		return false
	}
	return true
}

func (s *ReviewScreen) drop(kind noteKind, note string) {
	s.held, s.busy, s.asking = nil, false, false
	s.reason.Blur()
	s.vp.SetContent("")
	s.setNote(kind, note)
}

func (s *ReviewScreen) setNote(kind noteKind, note string) {
	s.note, s.noteStyle, s.kaFailed = note, kind, false
}

func (s *ReviewScreen) keepAliveTick() tea.Cmd {
	id, gen := s.held.ID, s.gen
	every := max(s.c.ReclaimAfter/3, 10*time.Millisecond)
	return tea.Tick(every, func(time.Time) tea.Msg { return keepAliveTickMsg{ID: id, Gen: gen} })
}

func (s *ReviewScreen) countdownTick() tea.Cmd {
	gen := s.gen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return countdownTickMsg{Gen: gen} })
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
	s.vp.SetContent(RenderEntry(s.c.Theme, s.held.Entry, s.width))
}

func (s *ReviewScreen) View() string {
	th := s.c.Theme
	if s.c.ReadOnly {
		return th.ReadOnly.Render("READ-ONLY") + " " +
			th.Subtle.Render("Reviewing is not available in this session (browsing only): no claim, ack, release or dead-letter.") +
			"\n\n" + th.Subtle.Render("Browse with 3 Pending, 4 Stream and 5 Dead letters.")
	}
	if s.held == nil {
		return s.emptyView()
	}
	return s.badges() + "\n" + s.noteLine() + "\n" + s.viewport()
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
	var b strings.Builder
	waiting := s.waiting()
	switch {
	case s.busy:
		b.WriteString(th.Subtle.Render("Claiming the next message…"))
	case waiting != "":
		b.WriteString(th.Title.Render(waiting))
	case s.empty:
		b.WriteString(th.Title.Render("No messages waiting. New ones show up here by themselves."))
	default:
		b.WriteString(th.Title.Render("Nothing claimed. Press c to claim the next message."))
	}
	if s.note != "" && !s.busy {
		b.WriteString("\n\n" + s.noteLine())
	}
	return b.String()
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

func (s *ReviewScreen) noteLine() string {
	th := s.c.Theme
	if s.asking {
		line := th.Prompt.Render("dead-letter reason: ")
		if s.reasonErr != "" {
			line += th.Error.Render(s.reasonErr) + " "
		}
		return line + s.reason.View()
	}
	note := Truncate(s.note, max(s.width, 1))
	switch s.noteStyle {
	case noteOK:
		return th.Success.Render(note)
	case noteWarn:
		return th.Warning.Render(note)
	case noteErr:
		return th.Error.Render(note)
	}
	return th.Subtle.Render(note)
}

func (s *ReviewScreen) badges() string {
	th, m := s.c.Theme, s.held
	var parts []string
	if m.Reclaimed {
		from := ""
		if m.PreviousConsumer != "" {
			from = " from " + safeID(m.PreviousConsumer)
		}
		parts = append(parts, th.Reclaimed.Render("RECLAIMED")+" "+th.Subtle.Render("idle "+Ago(m.Idle)+from))
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
	return strings.Join(parts, "  ")
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
