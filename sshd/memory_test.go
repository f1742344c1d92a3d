package sshd

import (
	"fmt"
	"math"
	"runtime/debug"
	"testing"
	"time"
)

// A session costs the desk at most its budget (SessionMemoryAt the
// maximum size) whatever its client asks for: ten sessions that ask for
// 5000×5000 terminals grow the live heap by less than their budget each,
// the test's own SSH client half and what the consoles wrote included
// (the RSS, with the collector's headroom, is make bench-ssh's to
// measure); at the default maximum that is 2 MiB, at 200×60 4.5 MiB.
func TestSessionsAtTheClampStayWithinTheirBudget(t *testing.T) {
	for _, most := range []Size{DefaultMaxSize, {200, 60}} {
		t.Run(most.String(), func(t *testing.T) {
			const n = 10
			key := newKey(t)
			users := make([]string, n)
			for i := range users {
				users[i] = fmt.Sprintf("big%d", i)
			}
			rec := newRecorder()
			d := startDeskWith(t, Config{MaxSize: most}, func(s *Server) { s.observe = rec.observe }, as(key, users...))
			before := heapAllocOf()
			terms := make([]*term, n)
			for i, u := range users {
				terms[i] = openSized(t, d.addr, u, 5000, 5000, keyAuth(key))
			}
			for i, tm := range terms {
				tm.waitFor("q quit")
				quiet(t, tm, 300*time.Millisecond)
				if s, _ := rec.lastSize(users[i]); s.Width != most.Width || s.Height != most.Height {
					t.Fatalf("a 5000×5000 session renders at %d×%d, want %s", s.Width, s.Height, most)
				}
			}
			perSession := heapGrowth(before) / n
			budget := SessionMemoryAt(most)
			t.Logf("%d KiB of live heap per session at the clamp (%s), of a budget of %d KiB", perSession/1024, most, budget/1024)
			if perSession > budget {
				t.Fatalf("a session at the clamp holds %d KiB, more than its budget of %d KiB", perSession/1024, budget/1024)
			}
		})
	}
}

// With a budget per session, the desk keeps the process's memory limit
// at what it held when it began plus the budget of each open session, and
// gives the limit back when it stops.
func TestTheMemoryLimitFollowsTheSessions(t *testing.T) {
	const per = 64 << 20 // large enough to stand out from the test process's own memory
	alice := newKey(t)
	outside := debug.SetMemoryLimit(-1)
	d := startDesk(t, Config{MemoryPerSession: per}, as(alice, "alice"))
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	eventually(t, "a limit while serving", func() bool { return limit() != outside })
	idle := limit()

	one := openTerm(t, d.addr, "alice", keyAuth(alice))
	one.waitFor("q quit")
	if got := limit(); got < idle+per {
		t.Fatalf("with a session open the limit is %d MiB, want at least %d MiB", got>>20, (idle+per)>>20)
	}
	one.press("q")
	one.waitEnded()
	one.close() // the connection too, or the shutdown waits for it
	eventually(t, "the limit back without the session", func() bool { return limit() < idle+per })

	d.stop(t)
	if got := limit(); got != outside {
		t.Fatalf("after the desk stopped the limit is %d, want %d as before", got, outside)
	}
	if outside != math.MaxInt64 {
		t.Logf("the process had a memory limit of its own: %d", outside)
	}
}
