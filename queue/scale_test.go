package queue

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// fillScript adds n contact messages to a stream and, when a consumer is
// given, delivers all of them to it: a pending list of n fresh entries,
// built on the server so a million take seconds, not minutes.
//
// With a density (ARGV[4], entries a millisecond), the IDs are given: that
// many to each millisecond, ending about now and after the stream's last
// ID. Without, the server makes them ("*"): Valkey 8 freezes the clock
// for a script's run, so all of them share one millisecond, while Redis
// 7.0 gives them as many milliseconds as the run takes, which a busy
// machine stretches.
var fillScript = valkey.NewLuaScript(`
local n, consumer, group, density = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4] or '0')
local ms = 0
if density > 0 then
  local t = redis.call('TIME')
  ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - math.ceil(n / density)
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #last > 0 then
    local lms = tonumber(string.match(last[1][1], '^(%d+)'))
    if lms >= ms then ms = lms + 1 end
  end
end
for i = 1, n do
  local id = '*'
  if density > 0 then
    id = string.format('%d-%d', ms + math.floor((i - 1) / density), (i - 1) % density)
  end
  redis.call('XADD', KEYS[1], id, 'name', 'Reviewer test', 'email', 'load@example.org',
    'message', 'message ' .. i, 'timestamp', '2024-11-24T18:35:14.890Z')
end
if consumer == '' then return n end
local read = 0
while read < n do
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 10000, 'STREAMS', KEYS[1], '>')
  if not r or #r == 0 or #r[1][2] == 0 then break end
  read = read + #r[1][2]
end
return read
`)

// fillPending adds n entries in chunks (one script call blocks the server
// for its whole run) and delivers them to consumer ("" leaves them new).
func fillPending(tb testing.TB, c *Client, n int, consumer string) {
	tb.Helper()
	fillPendingDense(tb, c, n, consumer, 0)
}

// fillPendingDense is fillPending with density entries to a millisecond
// (0: as the server makes IDs).
func fillPendingDense(tb testing.TB, c *Client, n int, consumer string, density int) {
	tb.Helper()
	const chunk = 50_000
	for done := 0; done < n; done += chunk {
		k := min(chunk, n-done)
		err := fillScript.Exec(context.Background(), c.vk, []string{c.cfg.Stream},
			[]string{strconv.Itoa(k), consumer, c.cfg.Group, strconv.Itoa(density)}).Error()
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// lastID is the newest entry of the client's stream.
func lastID(tb testing.TB, c *Client) string {
	tb.Helper()
	r, err := do(tb, c, "XREVRANGE", c.cfg.Stream, "+", "-", "COUNT", "1").ToArray()
	if err != nil || len(r) != 1 {
		tb.Fatalf("XREVRANGE: %v %v", r, err)
	}
	e, _ := r[0].ToArray()
	id, _ := e[0].ToString()
	return id
}

// The fewest entries one claim's sweep looks at: rows only, where every
// entry has a millisecond of its own, 64 to a call (30 steps a call, 14 a
// row), less the two-row first probe.
const sweepFloor = claimSweepSteps*64/(30+64*14) - 4

// maxClaimsToSweep is the documented bound: an entry idle anywhere in a
// list of n pending entries is claimed within one sweep.
func maxClaimsToSweep(n int) int { return (n+sweepFloor-1)/sweepFloor + 1 }

// claimUntil claims (nothing new is waiting) until a message comes back,
// checking that every claim kept to its budget, and returns how many it
// took.
func claimUntil(t *testing.T, c *Client, limit int) (*Claimed, int) {
	t.Helper()
	for i := 1; i <= limit; i++ {
		r, err := c.Claim(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		assertBounded(t, r.scan)
		if r.Message != nil {
			return r.Message, i
		}
	}
	t.Fatalf("nothing claimed in %d claims", limit)
	return nil, 0
}

func assertBounded(t *testing.T, s claimScan) {
	t.Helper()
	if s.steps > claimSweepSteps || s.rows > claimHeadRows+claimSweepSteps/14 || s.windows > claimSweepSteps/(30+claimWindow) {
		t.Fatalf("a claim went past its budget: %+v", s)
	}
}

// A million fresh pending entries must not make a claim walk the list:
// with nothing idle, each claim looks at a bounded stretch and moves on.
func TestClaimWithNothingIdleDoesBoundedWork(t *testing.T) {
	c := newClient(t, Config{})
	fillPending(t, c, 20_000, "web")
	r, err := c.Claim(ctx(t))
	if err != nil || r.Message != nil {
		t.Fatalf("claim: %+v %v", r.Message, err)
	}
	assertBounded(t, r.scan)
	if r.scan.steps < claimSweepSteps*9/10 {
		t.Fatalf("the sweep stopped early: %+v", r.scan)
	}
	// It went on from where it stopped, not from the head again.
	cursor, err := do(t, c, "GET", claimCursorKey(c.cfg.Stream, c.cfg.Group)).ToString()
	if err != nil {
		t.Fatalf("no sweep cursor: %v", err)
	}
	r2, _ := c.Claim(ctx(t))
	next, _ := do(t, c, "GET", claimCursorKey(c.cfg.Stream, c.cfg.Group)).ToString()
	a, _ := ParseID(cursor)
	b, _ := ParseID(next)
	if !a.Less(b) || r2.Message != nil {
		t.Fatalf("second claim did not move the sweep on: %s then %s", cursor, next)
	}
}

// An idle entry deep in a long pending list (released, or reclaimed and
// abandoned again) is found within one sweep, in lists whose entries share
// milliseconds (bulk adds) and in lists whose entries do not.
func TestClaimFindsDeepIdleEntryWithinOneSweep(t *testing.T) {
	t.Run("dense", func(t *testing.T) {
		const n = 60_000
		c := newClient(t, Config{})
		// A thousand a millisecond, as a bulk add on a quiet machine gives
		// them: the claims counted do not depend on the server's clock.
		fillPendingDense(t, c, n, "web", 1000)
		deep := lastID(t, c)
		makeIdle(t, c, "web", deep, 2*time.Minute, 1)
		m, claims := claimUntil(t, c, maxClaimsToSweep(n))
		t.Logf("found after %d claims", claims)
		if m.ID != deep || !m.Reclaimed || m.PreviousConsumer != "web" || m.Deliveries != 2 {
			t.Fatalf("claimed %+v, want %s reclaimed from web", m, deep)
		}
		// Where many entries share a millisecond the sweep walks them at
		// step cost: about a thousand entries per claim, not two hundred.
		if claims > n/800 {
			t.Fatalf("%d claims to sweep %d bulk-added entries, want at most %d", claims, n, n/800)
		}
	})
	t.Run("sparse", func(t *testing.T) {
		const n = 6_000
		c := newClient(t, Config{})
		base := time.Now().Add(-time.Hour).UnixMilli()
		cmds := make([]string, 0, n)
		for i := 0; i < n; i++ {
			cmds = append(cmds, strconv.FormatInt(base+int64(i)*7, 10)+"-0")
		}
		for _, id := range cmds {
			if err := do(t, c, "XADD", c.cfg.Stream, id, "message", "m").Error(); err != nil {
				t.Fatal(err)
			}
		}
		if err := do(t, c, "XREADGROUP", "GROUP", c.cfg.Group, "web", "COUNT", strconv.Itoa(n), "STREAMS", c.cfg.Stream, ">").Error(); err != nil {
			t.Fatal(err)
		}
		deep := cmds[n-2]
		makeIdle(t, c, "web", deep, 2*time.Minute, 1)
		m, _ := claimUntil(t, c, maxClaimsToSweep(n))
		if m.ID != deep {
			t.Fatalf("claimed %s, want %s", m.ID, deep)
		}
	})
}

// On a long list the head still comes first: the oldest idle entry among
// the first ten, wherever the sweep stands.
func TestClaimLongListHeadFirst(t *testing.T) {
	c := newClient(t, Config{})
	fillPending(t, c, 5_000, "web")
	// Move the sweep away from the head.
	r, err := c.Claim(ctx(t))
	if err != nil || r.Message != nil {
		t.Fatalf("claim: %+v %v", r.Message, err)
	}
	p, err := c.PendingPage(ctx(t), PendingQuery{Count: 5})
	if err != nil {
		t.Fatal(err)
	}
	makeIdle(t, c, "web", p.Entries[4].ID, 3*time.Minute, 1)
	makeIdle(t, c, "web", p.Entries[2].ID, 2*time.Minute, 1)
	if m := mustClaim(t, c); m.ID != p.Entries[2].ID {
		t.Fatalf("claimed %s, want the first idle entry of the head %s", m.ID, p.Entries[2].ID)
	}
	if m := mustClaim(t, c); m.ID != p.Entries[4].ID {
		t.Fatalf("claimed %s, want %s", m.ID, p.Entries[4].ID)
	}
}

// Unusable entries the sweep comes to are cleared away and reported just
// as the head's are.
func TestClaimSweepClearsUnusableEntries(t *testing.T) {
	c := newClient(t, Config{})
	fillPending(t, c, 5_000, "web")
	all, err := do(t, c, "XREVRANGE", c.cfg.Stream, "+", "-", "COUNT", "3").ToArray()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range all {
		kv, _ := e.ToArray()
		id, _ := kv[0].ToString()
		ids = append(ids, id)
	}
	poison, gone, good := ids[2], ids[1], ids[0]
	makeIdle(t, c, "web", poison, 2*time.Minute, 5)
	makeIdle(t, c, "web", gone, 2*time.Minute, 1)
	makeIdle(t, c, "web", good, 2*time.Minute, 1)
	if err := do(t, c, "XDEL", c.cfg.Stream, gone).Error(); err != nil {
		t.Fatal(err)
	}
	// Each claim reports what it cleared on its way; a sweep may spread
	// them over several claims.
	var got ClaimResult
	for i := 0; i < maxClaimsToSweep(5_000) && got.Message == nil; i++ {
		res, err := c.Claim(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		got.Message = res.Message
		got.Dropped = append(got.Dropped, res.Dropped...)
		got.DeadLettered = append(got.DeadLettered, res.DeadLettered...)
	}
	if got.Message == nil || got.Message.ID != good || !reflect.DeepEqual(got.DeadLettered, []string{poison}) ||
		!reflect.DeepEqual(got.Dropped, []string{gone}) {
		t.Fatalf("claims %+v, want %s claimed, %s dead-lettered, %s dropped", got, good, poison, gone)
	}
}

// The idle filter of pending pages scans in bounded steps, says how far
// it got, and goes on from its cursor; no server call walks the list.
func TestPendingIdleFilterScansInBoundedSteps(t *testing.T) {
	s := startServer(t)
	c := newClientOn(t, dial(t, s.Addr), Config{})
	const n = 50_000
	fillPending(t, c, n, "web")
	all, err := c.PendingPage(ctx(t), PendingQuery{Count: n})
	if err != nil || len(all.Entries) != n {
		t.Fatalf("pending: %d %v", len(all.Entries), err)
	}
	idle := []string{all.Entries[5].ID, all.Entries[25_000].ID, all.Entries[n-1].ID}
	for _, id := range idle {
		makeIdle(t, c, "web", id, 5*time.Minute, 1)
	}
	for _, args := range [][]string{{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, {"CONFIG", "SET", "slowlog-max-len", "1000"}, {"SLOWLOG", "RESET"}} {
		if _, err := s.Command(args...); err != nil {
			t.Fatal(err)
		}
	}

	var found []string
	var scanned int64
	after := ""
	for calls := 1; ; calls++ {
		p, err := c.PendingPage(ctx(t), PendingQuery{MinIdle: time.Minute, Count: 10, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if p.Pending != n || p.Scanned > DefaultPendingScan {
			t.Fatalf("call %d: scanned %d of %d, want at most %d of %d", calls, p.Scanned, p.Pending, DefaultPendingScan, n)
		}
		scanned += p.Scanned
		for _, e := range p.Entries {
			if e.Idle < time.Minute || e.Entry == nil {
				t.Fatalf("row %+v", e)
			}
			found = append(found, e.ID)
		}
		if p.Next == "" {
			break
		}
		if calls > 3 {
			t.Fatal("the scan does not end")
		}
		after = p.Next
	}
	if !reflect.DeepEqual(found, idle) || scanned != n {
		t.Fatalf("found %v after scanning %d, want %v and %d", found, scanned, idle, n)
	}

	// No server call walked more than a step.
	log, err := do(t, c, "SLOWLOG", "GET", "1000").ToArray()
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, e := range log {
		f, _ := e.ToArray()
		args, _ := f[3].AsStrSlice()
		if len(args) == 0 || !strings.EqualFold(args[0], "XPENDING") || len(args) < 6 {
			continue
		}
		steps++
		count, _ := strconv.Atoi(args[5])
		if strings.EqualFold(args[3], "IDLE") || count > pendingScanStep {
			t.Fatalf("an unbounded scan: %q", args)
		}
	}
	if steps < n/pendingScanStep {
		t.Fatalf("%d XPENDING steps for %d entries", steps, n)
	}

	// A full page ends the scan at its last row.
	p, err := c.PendingPage(ctx(t), PendingQuery{MinIdle: time.Minute, Count: 1})
	if err != nil || len(p.Entries) != 1 || p.Next != idle[0] || p.Scanned != 6 {
		t.Fatalf("one-row page: %+v %v", p, err)
	}
	// ScanLimit bounds the call.
	p, err = c.PendingPage(ctx(t), PendingQuery{MinIdle: time.Minute, After: idle[0], ScanLimit: 100})
	if err != nil || len(p.Entries) != 0 || p.Scanned != 100 || p.Next != all.Entries[105].ID {
		t.Fatalf("scan limit: %+v %v", p, err)
	}
	// A consumer's count is its own.
	p, err = c.PendingPage(ctx(t), PendingQuery{MinIdle: time.Minute, Consumer: "nobody"})
	if err != nil || p.Pending != 0 || p.Scanned != 0 || p.Next != "" {
		t.Fatalf("nobody's idle: %+v %v", p, err)
	}
}
