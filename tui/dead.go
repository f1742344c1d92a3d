package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// DeadScreen is the dead-letter stream, newest first, paged like the
// Stream screen by its own IDs: open one, redrive it, delete it.
type DeadScreen struct {
	browse
	atNewest bool // a refresh reads the newest page, so new letters show
	statsKey int64
}

// NewDeadScreen builds the Dead letters screen.
func NewDeadScreen(c *Common) Screen {
	return &DeadScreen{browse: newBrowse(c,
		tableCol{title: "dead-letter ID", width: 15},
		tableCol{title: "original ID", width: 15},
		tableCol{title: "reason", width: 12},
		tableCol{title: "deliv.", width: 6},
		tableCol{title: "consumer", width: 9},
		tableCol{title: "when (UTC)", width: 16},
		tableCol{title: "preview"},
	), statsKey: -1}
}

func (s *DeadScreen) Init() tea.Cmd { return s.load(moveNewest, "") }

func (s *DeadScreen) Title() string             { return "Dead letters" }
func (s *DeadScreen) Capturing() bool           { return s.capturing() }
func (s *DeadScreen) SetSize(width, height int) { s.setSize(width, height) }

func (s *DeadScreen) load(move pageMove, from string) tea.Cmd {
	return s.loadIDs(deadPageCmd, move, from)
}

func (s *DeadScreen) reload() tea.Cmd { return s.reloadIDs(deadPageCmd, s.atNewest) }

func (s *DeadScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	cmd := s.update(msg)
	if s.resized() {
		cmd = tea.Batch(cmd, s.reload())
	}
	return s, cmd
}

func (s *DeadScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case DeadLoadedMsg:
		if msg.Seq == s.seq {
			s.pageArrived(msg)
		}
	case DeadOpenedMsg:
		if msg.Seq != s.openSeq {
			return nil
		}
		if msg.Err != nil {
			s.fail("open", msg.Err)
			return nil
		}
		th, d := s.c.Theme, msg.Letter
		s.detail.show(d.ID, "Dead letter "+SanitizeLine(d.ID), func(w int) string { return renderDead(th, d, w) }, s.width, s.height-2)
	case DeadRedrivenMsg:
		switch {
		case errors.Is(msg.Err, queue.ErrEmpty):
			s.fail("redrive", errors.New("its content was lost, so there is nothing to put back; delete it with d"))
			return nil
		case msg.Err != nil:
			s.fail("redrive", msg.Err)
			return nil
		}
		s.ok("redriven as %s", SanitizeLine(msg.NewID))
		return s.done(msg.ID)
	case DeadDeletedMsg:
		switch {
		case msg.Err != nil:
			s.fail("delete", msg.Err)
			return nil
		case msg.N == 0:
			s.say("%s was already gone", msg.ID)
		default:
			s.ok("deleted %s", msg.ID)
		}
		return s.done(msg.ID)
	case StatsLoadedMsg:
		changed := s.statsKey >= 0 && msg.Stats.DeadLength != s.statsKey
		if msg.Err == nil {
			s.statsKey = msg.Stats.DeadLength
		}
		if msg.Err == nil && changed && !s.busy() {
			return s.refresh(s.reload)
		}
	case VisibleMsg:
		return s.setVisible(msg.Visible, s.reload)
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

// done closes the letter that was just redriven or deleted and reloads.
func (s *DeadScreen) done(id string) tea.Cmd {
	if s.detail.id == id {
		s.detail.close()
	}
	return s.reload()
}

func (s *DeadScreen) pageArrived(msg DeadLoadedMsg) {
	if msg.Err != nil {
		s.fail("dead letters", msg.Err)
		return
	}
	if len(msg.Letters) == 0 && s.loaded && msg.Move == moveOlder {
		s.say("no older dead letters: this is the oldest page")
		return
	}
	s.loaded = true
	rows := make([]tableRow, len(msg.Letters))
	for i, d := range msg.Letters {
		when := ""
		if !d.At.IsZero() {
			when = d.At.UTC().Format("2006-01-02 15:04")
		}
		rows[i] = tableRow{id: d.ID, cells: []tableCell{
			{text: SanitizeLine(d.ID)},
			{text: SanitizeLine(d.OriginalID)},
			{text: SanitizeLine(d.Reason)},
			{text: strconv.FormatInt(d.Deliveries, 10)},
			{text: SanitizeLine(d.Consumer)},
			{text: when},
			{text: Preview(&d.Original, 1<<10)},
		}}
	}
	keep, _ := s.table.selected()
	if msg.Move != moveReload && msg.Move != moveLatest {
		keep.id = ""
		s.table.top()
	}
	s.table.setRows(rows, keep.id)
	s.atNewest = msg.Move == moveNewest || msg.Move == moveLatest
}

// renderDead draws a dead letter: why and when it died, then the original.
func renderDead(th *styles.Theme, d queue.DeadLetter, w int) string {
	var b strings.Builder
	row := func(label, value string) {
		b.WriteString(th.Label.Render(label))
		b.WriteString(th.Value.Render(Truncate(SanitizeLine(value), max(w-10, 10))))
		b.WriteByte('\n')
	}
	row("Original", d.OriginalID)
	row("Reason", d.Reason)
	row("Delivered", strconv.FormatInt(d.Deliveries, 10)+" times")
	row("Consumer", d.Consumer)
	if !d.At.IsZero() {
		row("When", d.At.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if d.Cut {
		b.WriteString(th.Subtle.Render("(values cut for the page; this is the full entry)") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(RenderEntry(th, d.Original, w))
	return b.String()
}

func (s *DeadScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.ask != nil {
		return s.answer(msg)
	}
	switch {
	case key.Matches(msg, k.Redrive):
		return s.redrive()
	case key.Matches(msg, k.Delete):
		return s.delete()
	case key.Matches(msg, k.Refresh):
		return s.reload()
	}
	if s.detailKeys(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Top):
		return s.load(moveNewest, "")
	case key.Matches(msg, k.Bottom):
		return s.load(moveOldest, "")
	case s.moveKeys(msg):
	case key.Matches(msg, k.PageDown):
		from, ok := queue.Before(s.table.last())
		if !ok {
			s.say("this is the oldest page")
			return nil
		}
		return s.load(moveOlder, from)
	case key.Matches(msg, k.PageUp):
		from, ok := queue.After(s.table.first())
		if !ok {
			return s.load(moveNewest, "")
		}
		return s.load(moveNewer, from)
	case key.Matches(msg, k.Open):
		if id := s.target(); id != "" {
			return getDeadCmd(s.c, s.nextOpen(), id)
		}
	}
	return nil
}

func (s *DeadScreen) redrive() tea.Cmd {
	id := s.target()
	switch {
	case s.c.ReadOnly:
		s.say("read-only session: redrive is off")
		return nil
	case id == "":
		return nil
	}
	s.say("redriving %s…", id)
	return redriveCmd(s.c, id)
}

func (s *DeadScreen) delete() tea.Cmd {
	id := s.target()
	switch {
	case s.c.ReadOnly:
		s.say("read-only session: delete is off")
		return nil
	case id == "":
		return nil
	}
	s.note = statusLine{}
	s.ask = &question{text: fmt.Sprintf("delete %s for good? y/n", id), yes: deleteDeadCmd(s.c, id)}
	return nil
}

func (s *DeadScreen) View() string {
	about := ""
	if first, last := s.table.first(), s.table.last(); first != "" {
		about = fmt.Sprintf("%s … %s · newest first", SanitizeLine(first), SanitizeLine(last))
	}
	return s.view("Dead letters", about, "", "No dead letters.")
}

func (s *DeadScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	newest, oldest := pageEnds(k)
	return s.helpFor([]key.Binding{k.Open, k.Redrive, k.Delete, k.PageDown, k.PageUp, newest, oldest})
}

func (s *DeadScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{s.ShortHelp(), {k.Up, k.Down, k.Refresh, k.Back}}
}
