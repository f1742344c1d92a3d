package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
	"github.com/reviewq/reviewq/termtext"
)

// What became of an entry, as the Stream screen writes it: one cell in the
// list, a few lines above the opened entry.

// stateCell is an entry's state in a list: "acked · alice · 4m ago",
// "dead-lettered · spam · bob", "pending · carol", "released · zed · 12s
// ago", "snoozed · alice · until 14:00", "waiting · retry in 1m",
// "returned · 1795…-0", "skipped", "new"; plain "acked" when another
// program acked it (no record says who). Sanitised; ages are from now,
// times in loc.
func stateCell(e queue.StreamEntry, now time.Time, loc *time.Location) tableCell {
	ago := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return termtext.AgoShort(now.Sub(t)) + " ago"
	}
	join := func(parts ...string) string {
		out := parts[:0]
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, " · ")
	}
	switch e.State {
	case queue.StatePending:
		if r := e.Released; r != nil {
			// Handed back on purpose: waiting for the next claim, like new.
			return tableCell{text: join("released", termtext.Line(r.By, 24), ago(r.At)), style: cellNew}
		}
		return tableCell{text: join("pending", termtext.Line(e.Consumer, 24)), style: cellPending}
	case queue.StateAcked:
		if o := e.Outcome; o != nil {
			return tableCell{text: join("acked", termtext.Line(o.By, 24), ago(o.At)), style: cellAcked}
		}
		return tableCell{text: "acked", style: cellAcked}
	case queue.StateDeadLettered:
		text := "dead-lettered"
		if o := e.Outcome; o != nil {
			by := termtext.Line(o.By, 24)
			if o.Automatic() {
				by = "" // reviewq's doing, not the holder's: the reason says so
			}
			redriven := ""
			if o.RedrivenAs != "" {
				redriven = "redriven"
			}
			text = join(text, termtext.Line(o.Reason, 24), by, redriven)
		}
		return tableCell{text: text, style: cellDead}
	case queue.StateSkipped:
		// Before the group's start, never delivered to it.
		return tableCell{text: "skipped", style: cellSubtle}
	case queue.StateSnoozed, queue.StateWaiting:
		// Out of everyone's reach until then.
		return tableCell{text: termtext.WaitState(*e.Wait, now, loc), style: cellSubtle}
	case queue.StateReturned:
		// Its wait is over: its new entry is where it stands.
		return tableCell{text: join("returned", termtext.SanitizeLine(e.Wait.BackAs)), style: cellSubtle}
	}
	return tableCell{text: "new", style: cellNew}
}

// renderOutcome is the opened entry's state in full: who, when, how long
// it was held, why, what it was redriven as; and what it is a replay of.
func renderOutcome(th *styles.Theme, e queue.StreamEntry, now time.Time, loc *time.Location, width int) string {
	var b strings.Builder
	row := func(label, value string) {
		b.WriteString(labelled(th, label, value, width))
		b.WriteByte('\n')
	}
	when := func(t time.Time) string {
		return termtext.Time(t, loc) + " · " + termtext.Ago(now.Sub(t)) + " ago"
	}
	name := func(s string) string { return termtext.Line(s, 60) }
	o := e.Outcome
	switch e.State {
	case queue.StateNew:
		row("State", "new: not delivered to anyone yet")
	case queue.StatePending:
		if r := e.Released; r != nil {
			row("State", "released by "+name(r.By)+": the next claim gets it")
			if !r.At.IsZero() {
				row("Released", when(r.At))
			}
			break
		}
		row("State", "pending: held by "+name(e.Consumer)+", delivery "+strconv.FormatInt(e.Deliveries, 10))
	case queue.StateSkipped:
		row("State", "skipped: before the group's start, never delivered to it")
	case queue.StateSnoozed, queue.StateWaiting, queue.StateReturned:
		w := e.Wait
		if e.State == queue.StateReturned {
			row("State", "returned as "+termtext.SanitizeLine(w.BackAs)+": its wait is over, the new entry is where it stands")
		} else {
			row("State", termtext.WaitState(*w, now, loc))
		}
		how := "snoozed by " + name(w.By)
		switch {
		case w.Kind == queue.WaitBackoff && w.After == queue.AfterReclaim:
			how = "abandoned by " + name(w.By) + ", backing off before its retry"
		case w.Kind == queue.WaitBackoff:
			how = "released by " + name(w.By) + ", backing off before its retry"
		}
		label := "Waits"
		if e.State == queue.StateReturned {
			label = "Waited"
		}
		row(label, how+": out of everyone's reach until "+termtext.Time(w.Until, loc))
		if !w.At.IsZero() {
			row("Since", when(w.At))
		}

	case queue.StateAcked:
		if o == nil {
			row("State", "acked, by another program (no record of who)")
			break
		}
		row("State", "acked by "+name(o.By))
		outcomeTimes(row, when, e, o)
	case queue.StateDeadLettered:
		if o == nil {
			row("State", "dead-lettered")
			break
		}
		switch {
		case o.Automatic() && o.By != "":
			row("State", "dead-lettered by reviewq, on "+name(o.By)+"'s claim")
		case o.Automatic():
			row("State", "dead-lettered by reviewq")
		default:
			row("State", "dead-lettered by "+name(o.By))
		}
		row("Reason", termtext.Line(o.Reason, 200))
		outcomeTimes(row, when, e, o)
		if o.RedrivenAs != "" {
			redriven := "as " + termtext.SanitizeLine(o.RedrivenAs)
			if o.RedrivenBy != "" {
				redriven += " by " + name(o.RedrivenBy)
			}
			if !o.RedrivenAt.IsZero() {
				redriven += ", " + when(o.RedrivenAt)
			}
			row("Redriven", redriven)
		}
	}
	if of := e.ReplayOf(); of != "" {
		row("Replay", "of "+termtext.SanitizeLine(of)+" (a copy of an acked message)")
	}
	if r := e.Returned(); r != nil {
		row("Back", "from "+termtext.SanitizeLine(r.Of)+" ("+string(r.Kind)+" by "+name(r.By)+" until "+termtext.Time(r.Until, loc)+")")
	}
	return b.String()
}

// outcomeTimes writes when an entry was acked or dead-lettered, how long
// after it arrived, and how long its holder had it.
func outcomeTimes(row func(label, value string), when func(time.Time) string, e queue.StreamEntry, o *queue.Outcome) {
	if o.At.IsZero() {
		return
	}
	row("When", when(o.At))
	if arrived := e.Time(); !arrived.IsZero() && !o.At.Before(arrived) {
		row("Waited", termtext.Ago(o.At.Sub(arrived))+" from arrival")
	}
	if o.Held >= 0 {
		row("Held", termtext.Ago(o.Held)+" from claim")
	}
}
