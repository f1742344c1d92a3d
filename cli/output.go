package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/tui"
)

// Human output draws stream content in the user's terminal, so it passes
// the same sanitiser as the console.

func cell(s string, width int) string {
	return tui.Truncate(strings.Join(strings.Fields(tui.SanitizeLine(s)), " "), width)
}

func (a *app) printClaimed(m *queue.Claimed) {
	w := a.stdout
	fmt.Fprintf(w, "ID         %s\n", m.ID)
	if m.Reclaimed {
		fmt.Fprintf(w, "RECLAIMED  from %s after %s idle\n", cell(m.PreviousConsumer, 60), tui.Ago(m.Idle))
	}
	fmt.Fprintf(w, "Delivery   %d\n", m.Deliveries)
	if !m.IsContact() {
		for _, f := range m.Fields {
			fmt.Fprintf(w, "%-10s %s\n", cell(f.Name, 40), tui.Sanitize(f.Value))
		}
		return
	}
	fmt.Fprintf(w, "From       %s <%s>\n", cell(m.Name(), 200), cell(m.Email(), 320))
	fmt.Fprintf(w, "Sent       %s\n\n", cell(m.Timestamp(), 40))
	fmt.Fprintln(w, tui.Sanitize(m.Message()))
}

func (a *app) table(header string, rows func(tw *tabwriter.Writer)) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	tw.Flush()
}

func (a *app) printPending(p queue.PendingPage, q queue.PendingQuery) {
	switch {
	case len(p.Entries) > 0:
		a.table("ID\tCONSUMER\tIDLE\tDELIVERIES\tPREVIEW", func(tw *tabwriter.Writer) {
			for _, e := range p.Entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", e.ID, cell(e.Consumer, 30), tui.Ago(e.Idle), e.Deliveries, tui.Preview(e.Entry, 50))
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
		fmt.Fprintf(a.stdout, "scanned %s of %s pending%s\n", thousands(p.Scanned), thousands(p.Pending), where)
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

// thousands writes n with comma separators: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// shellQuote quotes a value for the "more:" hint when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == ':' || r == '/' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(tui.SanitizeLine(s), "'", `'\''`) + "'"
}

func (a *app) printRange(p queue.StreamPage) {
	if len(p.Entries) == 0 {
		fmt.Fprintln(a.stdout, "no entries")
		return
	}
	a.table("ID\tTIME\tSTATE\tPREVIEW", func(tw *tabwriter.Writer) {
		for _, e := range p.Entries {
			state := e.State.String()
			if e.State == queue.StatePending {
				state += " (" + cell(e.Consumer, 20) + ")"
			}
			entry := e.Entry
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.ID, e.Time().Format(time.DateTime), state, tui.Preview(&entry, 50))
		}
	})
}

func (a *app) printStats(st queue.Stats) {
	lag := "unknown"
	if st.Group.Lag >= 0 {
		lag = fmt.Sprint(st.Group.Lag)
	}
	fmt.Fprintf(a.stdout, "stream        %s (%d entries)\n", st.Stream, st.Length)
	started := ""
	if st.Group.Start != "" {
		started = ", started at " + st.Group.Start
	}
	fmt.Fprintf(a.stdout, "group         %s: %d pending, lag %s, last delivered %s%s\n", st.Group.Name, st.Group.Pending, lag, st.Group.LastDelivered, started)
	fmt.Fprintf(a.stdout, "dead letters  %s (%d entries)\n", st.DeadStream, st.DeadLength)
	if len(st.Consumers) == 0 {
		return
	}
	fmt.Fprintln(a.stdout)
	a.table("CONSUMER\tPENDING\tIDLE", func(tw *tabwriter.Writer) {
		for _, c := range st.Consumers {
			idle := "?" // the server cannot tell (see queue.ConsumerInfo)
			if c.Idle >= 0 {
				idle = tui.Ago(c.Idle)
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
	a.table("DEAD ID\tORIGINAL ID\tREASON\tDELIVERIES\tLAST CONSUMER\tPREVIEW", func(tw *tabwriter.Writer) {
		for _, d := range letters {
			orig := d.Original
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.OriginalID, cell(d.Reason, 40), d.Deliveries, cell(d.Consumer, 20), tui.Preview(&orig, 40))
		}
	})
}
