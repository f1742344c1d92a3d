package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// DeadScreen is the dead-letter stream, newest first, paged like the
// Stream screen by its own IDs: open one, filter the page, redrive a
// letter, delete one; both ask first.
type DeadScreen struct {
	browse
	actions  []Action
	statsKey int64
}

const deadID ScreenID = "dead"

// NewDeadScreen builds the Dead letters screen.
func NewDeadScreen(c *Common) Screen {
	s := &DeadScreen{browse: newBrowse(c,
		tableCol{title: "dead-letter ID", max: 24},
		tableCol{title: "original ID", max: 24, drop: 3},
		tableCol{title: "reason", max: 16},
		tableCol{title: "deliv.", max: 6, drop: 1},
		tableCol{title: "consumer", max: 16, drop: 2},
		tableCol{title: "when", max: 26, drop: 4},
		tableCol{title: "preview", min: 16},
	), statsKey: -1}
	s.actions = s.keyTable()
	return s
}

// keyTable is the Dead letters screen's keys.
func (s *DeadScreen) keyTable() []Action {
	list := func() bool { return !s.detail.open }
	rows := func() bool { return list() && len(s.table.rows) > 0 }
	acts := []Action{
		{Name: "open", Desc: "open", When: func() bool { return list() && s.hasTarget() }, Run: do(func() tea.Cmd {
			r, _ := s.target()
			return getDeadCmd(s.c, s.nextOpen(), r.id)
		})},
		{Name: "redrive", Desc: "redrive", When: s.writable, Why: s.readOnlyWhy("redrive"), Run: do(s.redrive)},
		{Name: "delete", Desc: "delete", When: s.writable, Why: s.readOnlyWhy("delete"), Run: do(s.delete)},
		{Name: "filter", Desc: "filter", When: rows, Run: do(func() tea.Cmd {
			return s.openInput("filter: ", "text on this page", s.table.filter, 32)
		})},
	}
	acts = append(acts, s.copyAction(func() bool { return s.detail.open }))
	acts = append(acts, s.detailActions()...)
	acts = append(acts, s.idPageActions(deadPageCmd, list)...)
	acts = append(acts,
		Action{Name: "back", Desc: "clear filter", When: func() bool { return list() && s.table.filter != "" }, Run: do(func() tea.Cmd {
			s.table.setFilter("")
			return nil
		})},
		s.copyAction(list),
		Action{Name: "refresh", Desc: "refresh", When: list, Run: do(s.reload)},
	)
	acts = append(acts, s.selectActions(list, false)...)
	acts = append(acts,
		Action{Name: "apply", Mode: ModeInput, Desc: "keep the filter", Run: do(func() tea.Cmd { s.closeInput(); return nil })},
		Action{Name: "back", Mode: ModeInput, Desc: "clear", Run: do(func() tea.Cmd {
			s.table.setFilter("")
			s.closeInput()
			return nil
		})},
	)
	return append(acts, s.askActions()...)
}

func (s *DeadScreen) Init() tea.Cmd { return s.load(moveNewest, "") }

func (s *DeadScreen) Title() string             { return "Dead letters" }
func (s *DeadScreen) Actions() []Action         { return s.actions }
func (s *DeadScreen) SetSize(width, height int) { s.setSize(width, height) }

func (s *DeadScreen) load(move pageMove, from string) tea.Cmd {
	return s.loadIDs(deadPageCmd, move, from)
}

func (s *DeadScreen) reload() tea.Cmd { return s.reloadIDs(deadPageCmd) }

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
			s.c.fail("open", "opening the dead letter", msg.Err)
			return nil
		}
		s.c.succeeded("open")
		d, loc := msg.Letter, s.c.Location
		s.showDetail(d.ID, "Dead letter "+termtext.SanitizeLine(d.ID), func(th *styles.Theme, w int) string { return renderDead(th, d, loc, w) })
	case RedrivenMsg:
		r := s.table.row(msg.ID)
		switch {
		case errors.Is(msg.Err, queue.ErrEmpty):
			s.c.failf("redrive", false, "cannot redrive %s: its content was lost, so there is nothing to put back; delete it with %s", about(msg.ID, r.entry), s.c.key("delete"))
			return nil
		case msg.Err != nil:
			s.c.fail("redrive", "redriving "+about(msg.ID, r.entry), msg.Err)
			return nil
		}
		s.c.succeeded("redrive")
		s.c.ok("redrove %s: back on the stream as %s", about(msg.ID, r.entry), safeID(msg.NewID))
		return s.done(msg.ID)
	case DeadDeletedMsg:
		r := s.table.row(msg.ID)
		switch {
		case msg.Err != nil:
			s.c.fail("delete", "deleting "+about(msg.ID, r.entry), msg.Err)
			return nil
		case msg.N == 0:
			s.c.succeeded("delete")
			s.c.info("%s was already gone", about(msg.ID, r.entry))
		default:
			s.c.succeeded("delete")
			s.c.ok("deleted %s for good", about(msg.ID, r.entry))
		}
		return s.done(msg.ID)
	case StatsLoadedMsg:
		if msg.Err != nil {
			return nil
		}
		changed := s.statsKey >= 0 && msg.Stats.DeadLength != s.statsKey
		if changed && s.busy() {
			break // kept for the first stats after it, as on Stream
		}
		s.statsKey = msg.Stats.DeadLength
		if changed {
			return s.refresh(s.reload)
		}
	case VisibleMsg:
		return s.setVisible(msg.Visible, s.reload)
	case tea.KeyPressMsg:
		if s.inputOn {
			cmd := s.updateInput(msg)
			s.table.setFilter(s.input.Value())
			return cmd
		}
	case tea.MouseMsg:
		s.mouse(msg)
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
		s.c.fail("dead page", "loading the dead letters", msg.Err)
		return
	}
	s.c.succeeded("dead page")
	if len(msg.Letters) == 0 && s.loaded && msg.Move == moveOlder {
		s.atOldest = true
		s.c.info("no older dead letters: this is the oldest page")
		return
	}
	s.loaded = true
	rows := make([]tableRow, len(msg.Letters))
	for i, d := range msg.Letters {
		orig := d.Original
		preview := termtext.Preview(&orig, 1<<10)
		reason := termtext.SanitizeLine(d.Reason)
		rows[i] = tableRow{id: d.ID, entry: &orig, cells: []tableCell{
			{text: termtext.SanitizeLine(d.ID)},
			{text: termtext.SanitizeLine(d.OriginalID)},
			{text: reason},
			{text: strconv.FormatInt(d.Deliveries, 10)},
			{text: termtext.SanitizeLine(d.Consumer)},
			{text: termtext.Time(d.At, s.c.Location)},
			{text: preview, style: warnIfMarked(preview)},
		}, search: searchText(d.ID, reason+"\x1f"+d.OriginalID+"\x1f"+d.Consumer, orig.Fields)}
	}
	s.table.setRows(rows, s.keepOnArrival(msg.Move))
	s.arrived(msg.Move, msg.Newest, len(s.table.rows))
}

// renderDead draws a dead letter: why and when it died, then the original.
func renderDead(th *styles.Theme, d queue.DeadLetter, loc *time.Location, w int) string {
	var b strings.Builder
	row := func(label, value string) {
		b.WriteString(labelled(th, label, termtext.SanitizeLine(value), w))
		b.WriteByte('\n')
	}
	row("Original", d.OriginalID)
	row("Reason", d.Reason)
	row("Delivered", plural(d.Deliveries, "time"))
	row("Consumer", d.Consumer)
	if !d.At.IsZero() {
		row("When", termtext.Time(d.At, loc))
	}
	if d.Cut {
		b.WriteString(th.Subtle.Render("(values cut for the page; this is the full entry)") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(RenderEntry(th, d.Original, loc, w))
	return b.String()
}

func (s *DeadScreen) redrive() tea.Cmd {
	r, _ := s.target()
	s.confirm(fmt.Sprintf("put %s back on the stream as a new message? y/n", about(r.id, r.entry)), func() tea.Cmd {
		s.c.info("redriving %s…", about(r.id, r.entry))
		return redriveCmd(s.c, r.id)
	})
	return nil
}

func (s *DeadScreen) delete() tea.Cmd {
	r, _ := s.target()
	s.confirm(fmt.Sprintf("delete %s for good? y/n", about(r.id, r.entry)), func() tea.Cmd { return deleteDeadCmd(s.c, r.id) })
	return nil
}

func (s *DeadScreen) View() string {
	about := s.pageAbout("Dead letters")
	var bottom string
	count := fmt.Sprintf("(%d of %d on this page)", len(s.table.shown), len(s.table.rows))
	switch {
	case s.inputOn:
		bottom = count
	case s.table.filter != "":
		bottom = "filter: " + termtext.SanitizeLine(s.table.filter) + " " + count + " · " + s.c.key("back") + " clears"
	}
	empty := "No dead letters."
	if s.table.filter != "" {
		empty = "Nothing on this page matches the filter."
	}
	return s.view("Dead letters", about, bottom, empty)
}
