package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// Human output draws stream content in the user's terminal, so it passes
// the same sanitiser as the console, and writes times the console's one
// way, in the local zone (TZ). JSON keeps the web example's UTC form.

// loc is the zone human output writes times in.
var loc = time.Local

func cell(s string, width int) string { return termtext.Line(s, width) }

func (a *app) printClaimed(m *queue.Claimed) {
	w := a.stdout
	if termtext.Tampered(m.Entry) {
		fmt.Fprintln(w, termtext.Warning)
	}
	fmt.Fprintf(w, "ID         %s\n", m.ID)
	switch {
	case m.Released:
		fmt.Fprintf(w, "RELEASED   by %s %s ago\n", cell(m.ReleasedBy, 60), termtext.Ago(time.Since(m.ReleasedAt)))
	case m.Reclaimed:
		fmt.Fprintf(w, "RECLAIMED  from %s after %s idle\n", cell(m.PreviousConsumer, 60), termtext.Ago(m.Idle))
	}
	if of := m.ReplayOf(); of != "" {
		fmt.Fprintf(w, "REPLAY     of %s\n", of)
	}
	if b := m.Returned(); b != nil {
		fmt.Fprintln(w, returnedLine(b))
	}
	fmt.Fprintf(w, "Delivery   %d\n", m.Deliveries)
	if !m.IsContact() {
		fmt.Fprintf(w, "Added      %s\n", termtext.Time(m.Time(), loc))
		for _, f := range m.Fields {
			fmt.Fprintf(w, "%-10s %s\n", cell(f.Name, 40), termtext.Sanitize(f.Value))
		}
		return
	}
	fmt.Fprintf(w, "From       %s <%s>\n", cell(m.Name(), 200), cell(m.Email(), 320))
	fmt.Fprintf(w, "Sent       %s\n\n", termtext.Timestamp(m.Timestamp(), loc))
	fmt.Fprintln(w, termtext.Sanitize(m.Message()))
}

// returnedLine is the badge line of a message back from a wait: "SNOOZED
// by alice until 14:00 (was 1764…-0)", "RETRY after released by bob,
// waited until 14:02 (was 1764…-0)".
func returnedLine(b *queue.Return) string {
	if b.Kind == queue.WaitSnoozed {
		return fmt.Sprintf("SNOOZED    by %s until %s (was %s)", cell(b.By, 60), termtext.Time(b.Until, loc), b.Of)
	}
	return fmt.Sprintf("RETRY      after %s by %s, waited until %s (was %s)", b.After, cell(b.By, 60), termtext.Time(b.Until, loc), b.Of)
}

func (a *app) table(header string, rows func(tw *tabwriter.Writer)) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	tw.Flush()
}

func (a *app) printPending(p queue.PendingPage, q queue.PendingQuery, now time.Time) {
	if len(p.Waiting) > 0 {
		a.table("WAITING\tSTATE\tDELIVERIES\tPREVIEW", func(tw *tabwriter.Writer) {
			for _, w := range p.Waiting {
				entry := w.Entry
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", w.ID, termtext.WaitState(w.Wait, now, loc), w.Wait.Delivered(), termtext.Preview(&entry, 50))
			}
		})
		if more := p.WaitingTotal - int64(len(p.Waiting)); more > 0 {
			fmt.Fprintf(a.stdout, "and %s more waiting\n", termtext.Thousands(more))
		}
		fmt.Fprintln(a.stdout)
	}
	switch {
	case len(p.Entries) > 0:
		a.table("ID\tCONSUMER\tIDLE\tDELIVERIES\tPREVIEW", func(tw *tabwriter.Writer) {
			for _, e := range p.Entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", e.ID, cell(e.Consumer, 30), termtext.Ago(e.Idle), e.Deliveries, termtext.Preview(e.Entry, 50))
			}
		})
	case q.MinIdle > 0 && p.Next != "":
		fmt.Fprintf(a.stdout, "none idle %s or more so far\n", q.MinIdle)
	case q.MinIdle > 0:
		fmt.Fprintf(a.stdout, "none idle %s or more\n", q.MinIdle)
	default:
		fmt.Fprintln(a.stdout, "nothing pending")
	}
	if q.MinIdle > 0 {
		where := ""
		if q.After != "" {
			where = " after " + q.After
		}
		fmt.Fprintf(a.stdout, "scanned %s of %s pending%s\n", termtext.Thousands(p.Scanned), termtext.Thousands(p.Pending), where)
	}
	if p.Next != "" {
		more := "reviewq pending"
		if q.Consumer != "" {
			more += " --for " + shellQuote(q.Consumer)
		}
		if q.MinIdle > 0 {
			more += " --min-idle " + q.MinIdle.String()
		}
		fmt.Fprintf(a.stdout, "more: %s --after %s\n", more, p.Next)
	}
}

// shellQuote quotes a value for the "more:" hint when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == ':' || r == '/' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(termtext.SanitizeLine(s), "'", `'\''`) + "'"
}

// printRange prints one page of the stream, after the messages added for
// later (not in the stream yet) on the page at its newest end, and, when
// there may be more, the command that reads the next page.
func (a *app) printRange(p queue.StreamPage, now time.Time, more string) {
	if len(p.Entries) == 0 && len(p.Scheduled) == 0 {
		fmt.Fprintln(a.stdout, "no entries")
		return
	}
	a.table("ID\tTIME\tSTATE\tPREVIEW", func(tw *tabwriter.Writer) {
		for _, w := range p.Scheduled {
			entry := w.Entry
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.ID, termtext.Time(w.Wait.Until, loc), termtext.WaitState(w.Wait, now, loc), termtext.Preview(&entry, 50))
		}
		if hidden := p.ScheduledTotal - int64(len(p.Scheduled)); hidden > 0 {
			fmt.Fprintf(tw, "…\t\t%s more scheduled\t\n", termtext.Thousands(hidden))
		}
		for _, e := range p.Entries {
			entry := e.Entry
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.ID, termtext.Time(e.Time(), loc), stateCell(e, now), termtext.Preview(&entry, 50))
		}
	})
	if more != "" {
		fmt.Fprintln(a.stdout, "more:", more)
	}
}

// stateCell says where an entry stands and who handled it, as a reviewer
// reads it: "acked by alice 4m0s ago (held 2m10s)", "dead-lettered: spam
// (bob)", "pending (carol, delivery 2)", "acked" when another program
// acked it.
func stateCell(e queue.StreamEntry, now time.Time) string {
	state := e.State.String()
	switch e.State {
	case queue.StatePending:
		state = fmt.Sprintf("pending (%s, delivery %d)", cell(e.Consumer, 20), e.Deliveries)
		if r := e.Released; r != nil {
			state += fmt.Sprintf(", released %s ago", termtext.Ago(now.Sub(r.At)))
		}
	case queue.StateAcked:
		if o := e.Outcome; o != nil {
			state = fmt.Sprintf("acked by %s %s ago", cell(o.By, 20), termtext.Ago(now.Sub(o.At)))
			if o.Held >= 0 {
				state += " (held " + termtext.Ago(o.Held) + ")"
			}
		}
	case queue.StateDeadLettered:
		if o := e.Outcome; o != nil {
			state = fmt.Sprintf("dead-lettered: %s (%s)", cell(o.Reason, 40), cell(o.By, 20))
			if o.RedrivenAs != "" {
				state += ", redriven as " + o.RedrivenAs
			}
		}
	case queue.StateSnoozed, queue.StateWaiting:
		state = termtext.WaitState(*e.Wait, now, loc)
	case queue.StateReturned:
		state = fmt.Sprintf("returned as %s (%s)", e.Wait.BackAs, waitHow(e.Wait.Kind, e.Wait.After, e.Wait.By))
	}
	if of := e.ReplayOf(); of != "" {
		state += ", replay of " + of
	}
	if b := e.Returned(); b != nil {
		state += fmt.Sprintf(", back from %s (%s)", b.Of, waitHow(b.Kind, b.After, b.By))
	}
	return state
}

// waitHow says how a message came to wait: "snoozed by alice", "retry:
// released by bob", "retry: reclaimed from carol".
func waitHow(kind queue.WaitKind, after, by string) string {
	switch {
	case kind == queue.WaitSnoozed:
		return "snoozed by " + cell(by, 20)
	case after == queue.AfterReclaim:
		return "retry: reclaimed from " + cell(by, 20)
	}
	return "retry: released by " + cell(by, 20)
}

func (a *app) printActivity(act queue.Activity) {
	w := a.stdout
	total := func(xs []int64) (t int64) {
		for _, x := range xs {
			t += x
		}
		return t
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "last hour     per minute, %s to now\n", act.Start.Local().Format("15:04"))
	behind := ""
	if act.ArrivalsBehind {
		behind = " (still counting a burst)"
	}
	fmt.Fprintf(w, "  arrivals    │%s│ %d%s\n", termtext.Sparkline(act.Arrivals, 0), total(act.Arrivals), behind)
	fmt.Fprintf(w, "  acks        │%s│ %d\n", termtext.Sparkline(act.Acks, 0), total(act.Acks))
	fmt.Fprintf(w, "  dead        │%s│ %d\n", termtext.Sparkline(act.Dead, 0), total(act.Dead))
	fmt.Fprintf(w, "  snoozes     │%s│ %d\n", termtext.Sparkline(act.Snoozes, 0), total(act.Snoozes))
	fmt.Fprintf(w, "  retries     │%s│ %d\n", termtext.Sparkline(act.Retries, 0), total(act.Retries))
	if act.TimeToAck.Count > 0 {
		fmt.Fprintf(w, "time to ack   p50 %s · p90 %s (%s)\n", termtext.Ago(act.TimeToAck.P50), termtext.Ago(act.TimeToAck.P90), termtext.Plural(int64(act.TimeToAck.Count), "ack", "acks"))
	} else {
		fmt.Fprintln(w, "time to ack   no acks in the last hour")
	}
	if act.OldestUnclaimed >= 0 {
		fmt.Fprintf(w, "oldest unclaimed  %s\n", termtext.Ago(act.OldestUnclaimed))
	} else {
		fmt.Fprintln(w, "oldest unclaimed  none: every message has been claimed")
	}
	if len(act.Reviewers) == 0 {
		return
	}
	fmt.Fprintln(w)
	a.table("REVIEWER\tACKED\tREJECTED\tMEDIAN HELD", func(tw *tabwriter.Writer) {
		for _, r := range act.Reviewers {
			held := "?" // acks without a claim time: made before it was recorded
			switch {
			case r.Acked == 0:
				held = "–" // nothing acked, nothing to measure
			case r.MedianHeld >= 0:
				held = termtext.Ago(r.MedianHeld)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", cell(r.Name, 40), r.Acked, r.Dead, held)
		}
	})
}

func (a *app) printStats(st queue.Stats) {
	lag := "unknown"
	if st.Group.Lag >= 0 {
		lag = fmt.Sprint(st.Group.Lag)
	}
	fmt.Fprintf(a.stdout, "stream        %s (%s)\n", st.Stream, termtext.Plural(st.Length, "entry", "entries"))
	started := ""
	if st.Group.Start != "" {
		started = ", started at " + st.Group.Start
	}
	fmt.Fprintf(a.stdout, "group         %s: %d pending, lag %s, last delivered %s%s\n", st.Group.Name, st.Group.Pending, lag, st.Group.LastDelivered, started)
	lost := "unknown"
	if st.TrimmedUnread >= 0 {
		lost = termtext.Plural(st.TrimmedUnread, "entry", "entries") + " trimmed before the group read them"
	}
	fmt.Fprintf(a.stdout, "lost unread   %s\n", lost)
	fmt.Fprintf(a.stdout, "dead letters  %s (%s)\n", st.DeadStream, termtext.Plural(st.DeadLength, "entry", "entries"))
	fmt.Fprintf(a.stdout, "waiting       %d scheduled, %d snoozed, %d backing off before a retry\n", st.Scheduled, st.Snoozed, st.Waiting)
	if len(st.Consumers) == 0 {
		return
	}
	fmt.Fprintln(a.stdout)
	a.table("CONSUMER\tPENDING\tIDLE", func(tw *tabwriter.Writer) {
		for _, c := range st.Consumers {
			idle := "?" // the server cannot tell (see queue.ConsumerInfo)
			if c.Idle >= 0 {
				idle = termtext.Ago(c.Idle)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\n", cell(c.Name, 40), c.Pending, idle)
		}
	})
}

func (a *app) printDead(letters []queue.DeadLetter) {
	if len(letters) == 0 {
		fmt.Fprintln(a.stdout, "no dead letters")
		return
	}
	a.table("DEAD ID\tORIGINAL ID\tWHEN\tREASON\tDELIVERIES\tLAST CONSUMER\tPREVIEW", func(tw *tabwriter.Writer) {
		for _, d := range letters {
			orig := d.Original
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.OriginalID, termtext.Time(d.At, loc), cell(d.Reason, 40), d.Deliveries, cell(d.Consumer, 20), termtext.Preview(&orig, 40))
		}
	})
}
