package sshd

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/statsfeed"
	"github.com/reviewq/reviewq/tui"
)

// messageLog counts what each user's console received, by kind.
type messageLog struct {
	mu    sync.Mutex
	stats map[string][]tui.StatsLoadedMsg
	all   map[string]int
}

func newMessageLog() *messageLog {
	return &messageLog{stats: map[string][]tui.StatsLoadedMsg{}, all: map[string]int{}}
}

func (l *messageLog) observe(user string, msg tea.Msg) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all[user]++
	if m, ok := msg.(tui.StatsLoadedMsg); ok {
		l.stats[user] = append(l.stats[user], m)
	}
}

func (l *messageLog) lastLength(user string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats[user]
	if len(s) == 0 {
		return -1
	}
	return s[len(s)-1].Stats.Length
}

func (l *messageLog) count(user string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all[user]
}

// The desk reads the queue's numbers once for all its sessions: the reads
// do not grow with the sessions, and every session still gets each change.
func TestOnePollerServesEverySession(t *testing.T) {
	const n = 20
	key := newKey(t)
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("r%02d", i)
	}
	log := newMessageLog()
	d := startDeskWith(t, Config{}, func(s *Server) { s.observe = log.observe }, as(key, users...))
	terms := make([]*term, n)
	for i, u := range users {
		terms[i] = openTerm(t, d.addr, u, keyAuth(key))
	}
	for _, tm := range terms {
		tm.waitFor("connected") // the header has its numbers
	}

	before := d.srv.stats.Reads()
	const watch = 5 * time.Second
	time.Sleep(watch)
	reads := d.srv.stats.Reads() - before
	// One read every statsfeed.DefaultEvery for the desk; one poll per
	// session would be n times that.
	if most := uint64(watch/statsfeed.DefaultEvery) + 2; reads > most {
		t.Fatalf("%d stats reads in %s with %d sessions open, want at most %d: the sessions poll on their own", reads, watch, n, most)
	}

	d.add(t, "news")
	for i, u := range users {
		eventually(t, u+"'s console getting the new length", func() bool { return log.lastLength(u) == 1 })
		terms[i].waitFor("waiting") // the Review screen: "1 new message waiting"
	}

	if got := d.srv.stats.Subscribers(); got != n {
		t.Fatalf("%d subscribers with %d sessions open", got, n)
	}
	for _, tm := range terms {
		tm.close()
	}
	eventually(t, "every session's subscription closed", func() bool { return d.srv.stats.Subscribers() == 0 })
}

// A session nobody touches, on a desk where nothing changes, gets nothing
// and writes nothing, however often the desk reads the numbers.
func TestAnIdleSessionWritesNothing(t *testing.T) {
	alice := newKey(t)
	log := newMessageLog()
	c := queueClient(t, "reviewq")
	poller := statsfeed.New(c, statsfeed.Options{Every: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	go poller.Run(ctx)
	t.Cleanup(cancel)
	d := startDeskWith(t, Config{Client: c, Stats: poller}, func(s *Server) { s.observe = log.observe }, as(alice, "alice"))
	d.add(t, "waiting-one") // something on screen: "1 new message waiting"

	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("waiting")
	quiet(t, tm, time.Second) // the first frames are out

	// The poller's reads are the marker: each one that told the session
	// something would reach its console before the next read is counted.
	const reads = 40
	got, written := log.count("alice"), len(tm.out.String())
	readsBefore := poller.Reads()
	eventually(t, fmt.Sprintf("%d more reads", reads), func() bool { return poller.Reads() >= readsBefore+reads })
	if n := len(tm.out.String()) - written; n != 0 {
		t.Fatalf("an idle session wrote %d bytes while the desk read %d times: %q", n, reads, tm.out.String()[written:])
	}
	if n := log.count("alice") - got; n != 0 {
		t.Fatalf("an idle session's console got %d messages while the desk read %d times", n, reads)
	}
}

// quiet waits until the session has written nothing for d.
func quiet(t testing.TB, tm *term, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	last, since := len(tm.out.String()), time.Now()
	for time.Since(since) < d {
		if time.Now().After(deadline) {
			t.Fatalf("the session did not go quiet; it showed:\n%s", tm.screen())
		}
		time.Sleep(50 * time.Millisecond)
		if n := len(tm.out.String()); n != last {
			last, since = n, time.Now()
		}
	}
}

// The countdown of a held message redraws the session that holds it, and
// only the characters that changed; the other sessions stay silent.
func TestOnlyTheHolderRedrawsItsCountdown(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	c := queueClient(t, "reviewq")
	poller := statsfeed.New(c, statsfeed.Options{Every: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	go poller.Run(ctx)
	t.Cleanup(cancel)
	d := startDesk(t, Config{Client: c, Stats: poller}, as(alice, "alice"), as(bob, "bob"))
	d.add(t, "held-message")

	holder := openTerm(t, d.addr, "alice", keyAuth(alice))
	other := openTerm(t, d.addr, "bob", keyAuth(bob))
	holder.waitFor("q quit")
	other.waitFor("q quit")
	holder.press("c")
	holder.waitFor("held-message")
	quiet(t, other, time.Second) // the new numbers are drawn

	// The holder's countdown ticks are the marker: three times its output
	// grows, a second apart, while the other session would tick alongside.
	heldFrom, otherFrom := len(holder.out.String()), len(other.out.String())
	const ticks = 3
	grew, seen := 0, heldFrom
	eventually(t, "three ticks of the holder's countdown", func() bool {
		if n := len(holder.out.String()); n != seen {
			grew, seen = grew+1, n
		}
		return grew >= ticks
	})
	if n := len(other.out.String()) - otherFrom; n != 0 {
		t.Fatalf("a session holding nothing wrote %d bytes while another's countdown ran", n)
	}
	// A tick rewrites the seconds of "reclaimable in 0:57", a few dozen
	// bytes with the cursor moves; a whole 120×40 frame is kilobytes.
	wrote := seen - heldFrom
	if perTick := wrote / ticks; perTick > 200 {
		t.Fatalf("the countdown wrote %d bytes a tick: %q", perTick, holder.out.String()[heldFrom:seen])
	}
	t.Logf("the countdown wrote %d bytes in %d ticks", wrote, ticks)
}
