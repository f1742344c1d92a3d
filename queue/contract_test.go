package queue

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/valkey-io/valkey-go"

	"github.com/reviewq/reviewq/internal/testserver"
)

// The contract suite: every case runs, step by step, against each real
// server reviewq is tested on (valkey-server and redis-server, see
// testserver.Kinds: in CI both, elsewhere those installed) and against the
// embedded server (miniredis, connected as
// the console connects to it). Each case asserts what a reviewer must see,
// and records what it observed in a transcript, with IDs named by order of
// appearance (m1, m2 … for the stream, d1 … for dead letters) and times
// rounded to what matters; the two transcripts must be identical, so a
// number the case does not assert still cannot differ between the servers.
// The cases use the public API only, plus raw commands for what another
// program or an accident does (XDEL, FLUSHALL, a group made with $), so
// they cover whatever implementation the queue has.

type contractCase struct {
	name string
	// ownServer gives the real server's side of the case a server of its
	// own, for cases that flush it.
	ownServer bool
	run       func(r *contractRun)
}

func TestContract(t *testing.T) {
	sides := append(slices.Clone(testserver.Kinds), "embedded")
	for _, cc := range contractCases {
		t.Run(cc.name, func(t *testing.T) {
			transcripts := map[string][]string{}
			for _, server := range sides {
				t.Run(server, func(t *testing.T) {
					r := newContractRun(t, server, cc)
					cc.run(r)
					transcripts[server] = r.lines
				})
			}
			if t.Failed() {
				return
			}
			// Every server that ran tells the same story as the embedded one.
			for _, server := range testserver.Kinds {
				if lines, ran := transcripts[server]; ran && !reflect.DeepEqual(lines, transcripts["embedded"]) {
					t.Fatalf("%s and the embedded server disagree:\n%s", server, diffLines(lines, transcripts["embedded"]))
				}
			}
		})
	}
}

// contractServers are the shared real servers of the contract suite, one
// per kind, started on first use; the package's own server serves its kind.
var contractServers struct {
	sync.Mutex
	byBin map[string]*testserver.Server
}

func contractServer(t *testing.T, bin string) *testserver.Server {
	t.Helper()
	if same, err := filepath.EvalSymlinks(srv.Bin); err == nil {
		if want, err := filepath.EvalSymlinks(bin); err == nil && same == want {
			return srv
		}
	}
	contractServers.Lock()
	defer contractServers.Unlock()
	if s := contractServers.byBin[bin]; s != nil {
		return s
	}
	s, err := testserver.StartWith(bin)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	if contractServers.byBin == nil {
		contractServers.byBin = map[string]*testserver.Server{}
	}
	contractServers.byBin[bin] = s
	return s
}

// stopContractServers stops the servers contractServer started.
func stopContractServers() {
	contractServers.Lock()
	defer contractServers.Unlock()
	for _, s := range contractServers.byBin {
		s.Stop()
	}
}

var contractCases = []contractCase{
	{name: "claim and ack", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 3)
		m := r.claim(c, "claim", "m1 new delivery 1")
		r.ack(c, 1, m.ID)
		r.ack(c, 0, m.ID) // not pending any more: counted, not an error
		r.claim(c, "claim", "m2 new delivery 1")
		// Review says "1 new message waiting" from this lag.
		r.stats(c, "length=3 pending=1 lag=1 entriesRead=2 last=m2 dead=0 start=0-0 consumers=[alice:1]")
	}},

	{name: "reclaim", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 2)
		r.claim(c.WithConsumer("bob"), "bob claims", "m1 new delivery 1")
		r.age(2 * time.Minute)
		m := r.claim(c, "alice claims", "m1 reclaimed from bob delivery 2")
		if m.Idle < 2*time.Minute {
			r.t.Errorf("reclaimed idle %s, want the two minutes it sat", m.Idle)
		}
		r.claim(c.WithConsumer("carol"), "carol claims", "m2 new delivery 1")
		r.stats(c, "length=2 pending=2 lag=0 entriesRead=2 last=m2 dead=0 start=0-0 consumers=[alice:1 bob:0 carol:1]")
	}},

	// The Done-when of issue 8: a message held for ten seconds at
	// --reclaim-after 3s, kept alive every second as the console does,
	// keeps its true delivery count, and nobody else can claim it.
	{name: "keep-alive holds a message without counting deliveries", run: func(r *contractRun) {
		c := r.client(Config{ReclaimAfter: 3 * time.Second})
		r.add(c, 2)
		m := r.claim(c, "claim", "m1 new delivery 1")
		for range 10 {
			r.age(time.Second)
			r.expect("keep-alive", c.KeepAlive(r.ctx(), m.ID), nil)
		}
		r.pending(c, PendingQuery{}, "m1 alice delivery 1 idle<3s preview")
		r.claim(c.WithConsumer("bob"), "bob claims", "m2 new delivery 1")
		r.stats(c, "length=2 pending=2 lag=0 entriesRead=2 last=m2 dead=0 start=0-0 consumers=[alice:1 bob:1]")
		// Released after all that, it is not anywhere near the max
		// deliveries: the next claimer sees it handed back, still at its
		// first delivery.
		r.expect("release", c.Release(r.ctx(), m.ID), nil)
		r.claim(c.WithConsumer("carol"), "carol claims", "m1 released by alice delivery 1")
		r.stats(c, "length=2 pending=2 lag=0 entriesRead=2 last=m2 dead=0 start=0-0 consumers=[alice:0 bob:1 carol:1]")
		r.expect("keep-alive after carol took it", c.KeepAlive(r.ctx(), m.ID), ErrNotHeld)
		r.ack(c.WithConsumer("carol"), 1, m.ID)
		r.expect("keep-alive after carol acked", c.KeepAlive(r.ctx(), m.ID), ErrNotPending)
	}},

	{name: "claim clears away an entry deleted while pending", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 2)
		r.claim(c.WithConsumer("bob"), "bob claims", "m1 new delivery 1")
		r.age(2 * time.Minute) // first: ageing on the real server is an XCLAIM, which drops deleted entries
		r.raw("XDEL", c.cfg.Stream, r.idOf("m1"))
		res, err := c.Claim(r.ctx())
		r.expect("claim", err, nil)
		r.see("dropped %v, then %s", r.ids(res.Dropped), r.claimed(res.Message))
		if len(res.Dropped) != 1 || res.Message == nil {
			r.t.Fatalf("claim %+v, want m1 dropped and m2 claimed", res)
		}
		r.dead(c, "m1 "+ReasonDeleted+" delivery 1 bob")
		r.stats(c, "length=1 pending=1 lag=0 entriesRead=1 last=m2 dead=1 start=0-0 consumers=[alice:1 bob:0]")
	}},

	// A release is not a failure: the next claimer sees who handed it back
	// (not RECLAIMED with an idle time), at the same delivery count, and
	// takes it at once whatever its own --reclaim-after.
	{name: "release", run: func(r *contractRun) {
		c := r.client(Config{ReclaimAfter: time.Second})
		r.add(c, 2)
		m := r.claim(c, "claim", "m1 new delivery 1")
		r.expect("bob releases alice's", c.WithConsumer("bob").Release(r.ctx(), m.ID), ErrNotHeld)
		r.expect("release", c.Release(r.ctx(), m.ID), nil)
		r.pending(c, PendingQuery{}, "m1 alice delivery 1 idle<3s preview")
		r.page(c, StreamQuery{}, "m2 new", "m1 pending alice 1 released by alice")
		patient := c.WithConsumer("bob")
		patient.cfg.ReclaimAfter = time.Hour
		got := r.claim(patient, "bob (reclaim-after 1h) claims at once", "m1 released by alice delivery 1")
		if got.Idle != 0 || got.ReleasedAt.IsZero() {
			r.t.Errorf("released claim %+v: want no idle time, and when it was released", got)
		}
		r.page(c, StreamQuery{}, "m2 new", "m1 pending bob 1")
		// Released again and again, it stays at its first delivery; only
		// an abandoned claim counts one more.
		r.expect("bob releases", patient.Release(r.ctx(), m.ID), nil)
		r.claim(c, "alice claims", "m1 released by bob delivery 1")
		r.age(2 * time.Second)
		r.claim(c.WithConsumer("carol"), "carol claims the abandoned one", "m1 reclaimed from alice delivery 2")
		r.claim(c, "alice claims", "m2 new delivery 1")
	}},

	// Someone took or acked a released entry another way: the claim drops
	// it from the released ones and goes on.
	{name: "released entry taken elsewhere", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 3)
		m1 := r.claim(c, "claim", "m1 new delivery 1")
		m2 := r.claim(c, "claim", "m2 new delivery 1")
		r.expect("release", c.Release(r.ctx(), m1.ID), nil)
		r.expect("release", c.Release(r.ctx(), m2.ID), nil)
		r.raw("XACK", c.cfg.Stream, c.cfg.Group, m1.ID) // the web example's DELETE
		r.raw("XCLAIM", c.cfg.Stream, c.cfg.Group, "web", "0", m2.ID, "RETRYCOUNT", "1", "JUSTID")
		r.claim(c.WithConsumer("bob"), "bob claims", "m3 new delivery 1")
		r.page(c, StreamQuery{}, "m3 pending bob 1", "m2 pending web 1", "m1 acked by ''")
	}},

	// The symptom: r then c dead-lettered a message "delivered 9 times"
	// that nobody had rejected. Deliveries count abandoned claims, not
	// keep-alives, not releases.
	{name: "max deliveries counts abandoned claims only", run: func(r *contractRun) {
		c := r.client(Config{MaxDeliveries: 3})
		r.add(c, 2)
		m := r.claim(c, "claim", "m1 new delivery 1")
		for range 3 {
			r.expect("keep-alive", c.KeepAlive(r.ctx(), m.ID), nil)
			r.expect("keep-alive", c.KeepAlive(r.ctx(), m.ID), nil)
			r.expect("release", c.Release(r.ctx(), m.ID), nil)
			r.claim(c, "claim", "m1 released by alice delivery 1")
		}
		for i := 2; i <= 3; i++ {
			r.age(2 * time.Minute)
			r.claim(c, "claim", fmt.Sprintf("m1 reclaimed from alice delivery %d", i))
		}
		r.age(2 * time.Minute)
		res, err := c.Claim(r.ctx())
		r.expect("fourth claim", err, nil)
		r.see("dead-lettered %v, then %s", r.ids(res.DeadLettered), r.claimed(res.Message))
		if len(res.DeadLettered) != 1 || res.Message == nil {
			r.t.Fatalf("fourth claim %+v, want m1 dead-lettered and m2 claimed", res)
		}
		r.dead(c, "m1 max deliveries exceeded delivery 3 alice")
	}},

	{name: "reject and redrive", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 1)
		m := r.claim(c, "claim", "m1 new delivery 1")
		did, err := c.Reject(r.ctx(), m.ID, "spam")
		r.expect("reject", err, nil)
		r.see("dead letter %s", r.name(did, "d"))
		r.expect("reject again", mustErr(c.Reject(r.ctx(), m.ID, "again")), ErrNotPending)
		r.dead(c, "m1 spam delivery 1 alice")
		r.pending(c, PendingQuery{})
		nid, err := c.Redrive(r.ctx(), did)
		r.expect("redrive", err, nil)
		r.see("redriven as %s", r.rename(nid, "m"))
		r.dead(c)
		got := r.claim(c, "claim", "m2 new delivery 1")
		if !reflect.DeepEqual(got.Fields, m.Fields) {
			r.t.Errorf("redriven fields %v, want %v", got.Fields, m.Fields)
		}
		r.stats(c, "length=2 pending=1 lag=0 entriesRead=2 last=m2 dead=0 start=0-0 consumers=[alice:1]")
	}},

	{name: "pending page", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 5)
		for i := range 5 {
			who := c
			if i%2 == 1 {
				who = c.WithConsumer("bob")
			}
			r.claim(who, "claim", fmt.Sprintf("m%d new delivery 1", i+1))
		}
		r.age(5 * time.Minute)
		r.expect("keep-alive", c.KeepAlive(r.ctx(), r.idOf("m3")), nil)
		r.pending(c, PendingQuery{Count: 2}, "m1 alice delivery 1 idle≥1m preview", "m2 bob delivery 1 idle≥1m preview")
		r.pending(c, PendingQuery{After: r.idOf("m2"), Count: 2}, "m3 alice delivery 1 idle<3s preview", "m4 bob delivery 1 idle≥1m preview")
		r.pending(c, PendingQuery{Consumer: "bob"}, "m2 bob delivery 1 idle≥1m preview", "m4 bob delivery 1 idle≥1m preview")
		r.pending(c, PendingQuery{MinIdle: time.Minute, Consumer: "alice"}, "m1 alice delivery 1 idle≥1m preview", "m5 alice delivery 1 idle≥1m preview")
		r.raw("XDEL", c.cfg.Stream, r.idOf("m1"))
		r.pending(c, PendingQuery{Count: 1}, "m1 alice delivery 1 idle≥1m deleted")
	}},

	// The symptom: the Stream screen showed the reviewer's own held
	// message as acked on the embedded server.
	{name: "stream page states", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 8)
		for i := range 5 {
			m := r.claim(c, "claim", fmt.Sprintf("m%d new delivery 1", i+1))
			if i < 2 || i == 3 {
				r.ack(c, 1, m.ID)
			}
		}
		r.page(c, StreamQuery{}, "m8 new", "m7 new", "m6 new", "m5 pending alice 1", "m4 acked by alice", "m3 pending alice 1", "m2 acked by alice", "m1 acked by alice")
		r.page(c, StreamQuery{Forward: true, Count: 3}, "m1 acked by alice", "m2 acked by alice", "m3 pending alice 1")
		before, _ := Before(r.idOf("m5"))
		r.page(c, StreamQuery{From: before, Count: 2}, "m4 acked by alice", "m3 pending alice 1")
	}},

	// The symptoms: the header's lag always equal to the stream length,
	// and "12 new messages waiting" after acks.
	{name: "stats after acks and deletions", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 6)
		r.stats(c, "length=6 pending=0 lag=6 entriesRead=0 last=0-0 dead=0 start=0-0 consumers=[]")
		for range 3 {
			m := r.claim(c, "claim", "")
			r.ack(c, 1, m.ID)
		}
		r.stats(c, "length=6 pending=0 lag=3 entriesRead=3 last=m3 dead=0 start=0-0 consumers=[alice:0]")
		held := r.claim(c, "claim", "m4 new delivery 1")
		// Another program deletes an entry nobody has read: a real server
		// can no longer tell the lag from its counters.
		r.raw("XDEL", c.cfg.Stream, r.idOf("m6"))
		r.stats(c, "length=5 pending=1 lag=1 entriesRead=4 last=m4 dead=0 start=0-0 consumers=[alice:1]")
		// …and deletes the one alice holds: it is still pending.
		r.raw("XDEL", c.cfg.Stream, held.ID)
		r.stats(c, "length=4 pending=1 lag=1 entriesRead=3 last=m4 dead=0 start=0-0 consumers=[alice:1]")
		r.expect("keep-alive of a deleted entry", c.KeepAlive(r.ctx(), held.ID), ErrLost)
		r.ack(c, 1, held.ID) // acking it still clears it from the pending list
		r.stats(c, "length=4 pending=0 lag=1 entriesRead=3 last=m4 dead=0 start=0-0 consumers=[alice:0]")
	}},

	// Where no server can say and counting would cost too much, the lag
	// is unknown: shown as such, never as the stream's length.
	// The count goes from both sides of the group's position, so only a
	// group with more than the limit on each side is past it.
	{name: "lag past the count limit", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		addMany := func() {
			batch := make([][]Field, unreadCountLimit+1)
			for i := range batch {
				batch[i] = []Field{{"n", fmt.Sprint(i)}}
			}
			for _, res := range c.AddMany(r.ctx(), batch) {
				if res.Err != nil {
					r.t.Fatal(res.Err)
				}
			}
		}
		addMany()
		r.add(c, 1)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, r.idOf("m1"))
		addMany()
		r.stats(c, fmt.Sprintf("length=%d pending=0 lag=-1 entriesRead=-1 last=m1 dead=0 start=m1 consumers=[]", 2*unreadCountLimit+3))
		// Once the trimming overtakes the group, every entry is waiting,
		// however many there are.
		r.raw("XTRIM", c.cfg.Stream, "MAXLEN", fmt.Sprint(unreadCountLimit+1))
		r.stats(c, fmt.Sprintf("length=%d pending=0 lag=%[1]d entriesRead=0 last=m1 dead=0 start=m1 consumers=[]", unreadCountLimit+1))
		// So for a group created at 0 that has read nothing yet.
		fresh, err := New(r.vk, Config{Stream: r.stream, Group: "fresh", Consumer: "alice"})
		if err != nil {
			r.t.Fatal(err)
		}
		r.raw("HDEL", fresh.startKey, "fresh")
		r.expect("create a second group", fresh.EnsureGroup(r.ctx()), nil)
		r.stats(fresh, fmt.Sprintf("length=%d pending=0 lag=%[1]d entriesRead=0 last=0-0 dead=0 start=0-0 consumers=[]", unreadCountLimit+1))
	}},

	// The web example creates its group with XGROUP CREATE … $: entries
	// before that were never delivered to it, and are skipped, not acked.
	{name: "group created at $ by another program", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, 3)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, "$")
		r.expect("meet the group", c.EnsureGroup(r.ctx()), nil)
		r.add(c, 2)
		r.stats(c, "length=5 pending=0 lag=2 entriesRead=3 last=m3 dead=0 start=m3 consumers=[]")
		m := r.claim(c, "claim", "m4 new delivery 1")
		r.page(c, StreamQuery{}, "m5 new", "m4 pending alice 1", "m3 skipped", "m2 skipped", "m1 skipped")
		r.ack(c, 1, m.ID)
		r.page(c, StreamQuery{Count: 3}, "m5 new", "m4 acked by alice", "m3 skipped")
		r.stats(c, "length=5 pending=0 lag=1 entriesRead=4 last=m4 dead=0 start=m3 consumers=[alice:0]")
	}},

	{name: "group created mid-stream by another program", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, 4)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, r.idOf("m2"))
		// Stats meets the group first here.
		r.stats(c, "length=4 pending=0 lag=2 entriesRead=2 last=m2 dead=0 start=m2 consumers=[]")
		r.claim(c, "claim", "m3 new delivery 1")
		r.page(c, StreamQuery{}, "m4 new", "m3 pending alice 1", "m2 skipped", "m1 skipped")
	}},

	// The limit of recording starts: a group another program created and
	// read from before reviewq first met it has an unknown start, and its
	// older entries show as acked, as they always did.
	{name: "group already used when first met", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, 2)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, "$")
		r.add(c, 2)
		r.raw("XREADGROUP", "GROUP", c.cfg.Group, "web-processor", "COUNT", "1", "STREAMS", c.cfg.Stream, ">")
		r.raw("XACK", c.cfg.Stream, c.cfg.Group, r.idOf("m3"))
		r.expect("meet the group", c.EnsureGroup(r.ctx()), nil)
		r.stats(c, "length=4 pending=0 lag=1 entriesRead=3 last=m3 dead=0 start= consumers=[web-processor:0]")
		r.page(c, StreamQuery{}, "m4 new", "m3 acked by ''", "m2 acked by ''", "m1 acked by ''")
	}},

	// A claim needs no call before it (one command per `reviewq claim`):
	// when it is the first to meet a group another program created, the
	// claim script records the group's start before it delivers.
	{name: "group created at $ first met by a claim", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, 3)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, "$")
		r.add(c, 2)
		r.claim(c, "claim", "m4 new delivery 1")
		r.page(c, StreamQuery{}, "m5 new", "m4 pending alice 1", "m3 skipped", "m2 skipped", "m1 skipped")
		r.stats(c, "length=5 pending=1 lag=1 entriesRead=4 last=m4 dead=0 start=m3 consumers=[alice:1]")
	}},

	// A group already used when a claim first meets it: its start stays
	// unknown, and is recorded so, so that no later call looks again.
	{name: "group already used when a claim first meets it", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, 2)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, "$")
		r.add(c, 2)
		r.raw("XREADGROUP", "GROUP", c.cfg.Group, "web-processor", "COUNT", "1", "STREAMS", c.cfg.Stream, ">")
		r.claim(c, "claim", "m4 new delivery 1")
		start, err := c.vk.Do(r.ctx(), c.vk.B().Hget().Key(c.startKey).Field(c.cfg.Group).Build()).ToString()
		r.see("start recorded: %q", start)
		if err != nil || start != groupStartUnknown {
			r.t.Fatalf("start recorded: %q %v, want %q", start, err, groupStartUnknown)
		}
		r.page(c, StreamQuery{}, "m4 pending alice 1", "m3 pending web-processor 1", "m2 acked by ''", "m1 acked by ''")
		r.stats(c, "length=4 pending=2 lag=0 entriesRead=4 last=m4 dead=0 start= consumers=[alice:1 web-processor:1]")
	}},

	// A stream without the group (a new stream, a server restarted
	// empty): the claim creates the group, says so, and claims.
	{name: "claim on a stream without its group", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, 2)
		res, err := c.Claim(r.ctx())
		r.expect("claim", err, nil)
		r.see("claim recreated the group: %v, message %s", res.GroupRecreated, r.claimed(res.Message))
		if !res.GroupRecreated || r.claimed(res.Message) != "m1 new delivery 1" {
			r.t.Fatalf("claim without the group: %+v", res)
		}
		r.stats(c, "length=2 pending=1 lag=1 entriesRead=1 last=m1 dead=0 start=0-0 consumers=[alice:1]")
	}},

	// The review loop's ack-and-claim: the acked entry is found among the
	// rows of the pending list's head the claim reads, at their extra row,
	// or beyond them, and recorded; a group first met by an ack-and-claim
	// and in use keeps an unknown start; a missing group is created again
	// and the ack then finds nothing pending.
	{name: "ack and claim", run: func(r *contractRun) {
		c := r.clientWithoutGroup(Config{})
		r.add(c, claimHeadRows+5)
		r.raw("XGROUP", "CREATE", c.cfg.Stream, c.cfg.Group, "0")
		r.raw("XREADGROUP", "GROUP", c.cfg.Group, "web", "COUNT", strconv.Itoa(claimHeadRows+2), "STREAMS", c.cfg.Stream, ">")
		ackAndClaim := func(step, id string, want int64, next string) *Claimed {
			n, res, err := c.AckAndClaim(r.ctx(), id)
			r.see("%s: acked %d, then %s %s", step, n, r.claimed(res.Message), sentinel(err))
			if err != nil || n != want || r.claimed(res.Message) != next {
				r.t.Fatalf("%s: %d %s %v, want %d and %s", step, n, r.claimed(res.Message), err, want, next)
			}
			return res.Message
		}
		m := ackAndClaim("acks web's m2 in the head", r.idOf("m2"), 1, "m13 new delivery 1")
		start, err := c.vk.Do(r.ctx(), c.vk.B().Hget().Key(c.startKey).Field(c.cfg.Group).Build()).ToString()
		r.see("start after it: %q %v", start, valkey.IsValkeyNil(err))
		if !valkey.IsValkeyNil(err) {
			r.t.Fatalf("start recorded by an ack-and-claim of a group in use: %q %v", start, err)
		}
		ackAndClaim("acks its own m13, beyond the head's rows", m.ID, 1, "m14 new delivery 1")
		ackAndClaim("acks web's m12, the head's extra row", r.idOf("m12"), 1, "m15 new delivery 1")
		ackAndClaim("acks m13 again", m.ID, 0, "nothing")
		r.page(c, StreamQuery{Count: 5}, "m15 pending alice 1", "m14 pending alice 1", "m13 acked by alice",
			"m12 acked by alice", "m11 pending web 1")
		r.raw("XGROUP", "DESTROY", c.cfg.Stream, c.cfg.Group)
		n, res, err := c.AckAndClaim(r.ctx(), r.idOf("m15"))
		r.see("without the group: acked %d, recreated %v, then %s %s", n, res.GroupRecreated, r.claimed(res.Message), sentinel(err))
		if err != nil || n != 0 || !res.GroupRecreated || r.claimed(res.Message) != "m1 new delivery 1" {
			r.t.Fatalf("ack and claim without the group: %d %+v %v", n, res, err)
		}
	}},

	// Who handled what: every ack, reject, automatic dead letter and
	// redrive says who and when on the stream page; an ack by another
	// program says acked, without a name.
	{name: "outcomes on the stream page", run: func(r *contractRun) {
		clock := newTestClock()
		c := r.client(Config{MaxDeliveries: 1, Now: clock.Now})
		r.add(c, 6)
		alice, bob, carol := c, c.WithConsumer("bob"), c.WithConsumer("carol")
		m1 := r.claim(alice, "alice claims", "m1 new delivery 1")
		r.pass(clock, 2*time.Minute+10*time.Second)
		r.ack(alice, 1, m1.ID)
		m2 := r.claim(bob, "bob claims", "m2 new delivery 1")
		r.pass(clock, 30*time.Second)
		_, err := bob.Reject(r.ctx(), m2.ID, "spam")
		r.expect("bob rejects", err, nil)
		r.claim(carol, "carol claims", "m3 new delivery 1")
		// The web example's processing page: XREADGROUP, then XACK.
		r.raw("XREADGROUP", "GROUP", c.cfg.Group, "web", "COUNT", "1", "STREAMS", c.cfg.Stream, ">")
		r.raw("XACK", c.cfg.Stream, c.cfg.Group, r.idOf("m4"))
		r.pass(clock, 2*time.Minute)
		res, err := alice.Claim(r.ctx())
		r.expect("carol walked away; alice claims", err, nil)
		r.see("dead-lettered %v, then %s", r.ids(res.DeadLettered), r.claimed(res.Message))
		r.page(c, StreamQuery{}, "m6 new", "m5 pending alice 1", "m4 acked by ''",
			"m3 dead-lettered by alice: "+ReasonMaxDeliveries, "m2 dead-lettered by bob: spam", "m1 acked by alice")
		p, err := c.StreamPage(r.ctx(), StreamQuery{From: m1.ID, Count: 1})
		r.expect("page of m1", err, nil)
		o := p.Entries[0].Outcome
		r.see("m1 held %s, acked at +%s", o.Held.Round(time.Second), o.At.Sub(clock.start))
		if o.Held.Round(time.Second) != 2*time.Minute+10*time.Second || o.At.Sub(clock.start) != 2*time.Minute+10*time.Second {
			r.t.Errorf("m1's outcome %+v: want held 2m10s, acked 2m10s after the start", o)
		}
		dead := r.deadLetters(c)
		nid, err := carol.Redrive(r.ctx(), dead[r.idOf("m2")])
		r.expect("carol redrives m2", err, nil)
		r.see("redriven as %s", r.rename(nid, "m"))
		r.page(c, StreamQuery{Count: 6}, "m7 new", "m6 new", "m5 pending alice 1", "m4 acked by ''",
			"m3 dead-lettered by alice: "+ReasonMaxDeliveries, "m2 dead-lettered by bob: spam, redriven as m7 by carol")
	}},

	// The last hour, minute by minute: arrivals from the stream itself
	// (whoever added them), acks and dead letters as reviewq made them,
	// time-to-ack from the entry's time, per reviewer, and the oldest
	// message nobody has claimed.
	{name: "activity", run: func(r *contractRun) {
		clock := newTestClock()
		c := r.client(Config{Now: clock.Now})
		t0 := clock.Now()
		for _, ago := range []time.Duration{90 * time.Minute, 50 * time.Minute, 20 * time.Minute, 10 * time.Minute, 10 * time.Minute, 5 * time.Minute} {
			r.addAt(c, t0.Add(-ago))
		}
		alice, bob, carol := c, c.WithConsumer("bob"), c.WithConsumer("carol")
		m1 := r.claim(alice, "alice claims", "m1 new delivery 1")
		m2 := r.claim(bob, "bob claims", "m2 new delivery 1")
		m3 := r.claim(carol, "carol claims", "m3 new delivery 1")
		r.pass(clock, 2*time.Minute)
		r.ack(alice, 1, m1.ID)
		r.pass(clock, 30*time.Second)
		_, err := bob.Reject(r.ctx(), m2.ID, "spam")
		r.expect("bob rejects", err, nil)
		r.pass(clock, 30*time.Second)
		r.ack(carol, 1, m3.ID)
		m4 := r.claim(alice, "alice claims", "m4 new delivery 1")
		// A keep-alive half way: the hold still counts from the claim.
		r.pass(clock, 30*time.Second)
		r.expect("keep-alive", alice.KeepAlive(r.ctx(), m4.ID), nil)
		r.pass(clock, 30*time.Second)
		r.ack(alice, 1, m4.ID)
		// Another program reads and acks one: not counted among the acks.
		r.raw("XREADGROUP", "GROUP", c.cfg.Group, "web", "COUNT", "1", "STREAMS", c.cfg.Stream, ">")
		r.raw("XACK", c.cfg.Stream, c.cfg.Group, r.idOf("m5"))
		// Four minutes on, the hour starts 55 minutes before the minute the
		// clock started in: m1 (90 minutes before) is outside it, m2 falls
		// in bucket 5, and so on; the acks in the last three buckets.
		// Times read from histograms are their bucket's middle (within
		// 6.25%): time-to-ack 14m, 23m and 92m give p50 22m56s and p90
		// 1h31m45s; alice held 2m and 1m (median: the lower, 59s), carol 3m.
		r.activity(c, "start=-59m0s arrivals=[5:1 35:1 45:2 50:1] acks=[57:1 58:1 59:1] dead=[58:1] behind=false "+
			"timeToAck=3×(p50 22m56s p90 1h31m45s) oldestUnclaimed=9m0s "+
			"reviewers=[alice acked 2 dead 0 held 59s, carol acked 1 dead 0 held 2m52s, bob acked 0 dead 1 held -]")
		st, err := c.Stats(r.ctx())
		r.expect("stats", err, nil)
		r.see("stats oldest unclaimed %s", st.OldestUnclaimed.Round(time.Second))
		if st.OldestUnclaimed != 9*time.Minute {
			r.t.Errorf("stats oldest unclaimed %s, want 9m (m6, added 5m before the clock started, 4m ago)", st.OldestUnclaimed)
		}
	}},

	// Acked entries of a range come back as new entries carrying
	// replay.of; the originals and everything not acked stay as they are.
	{name: "replay", run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 6)
		for i := 1; i <= 4; i++ {
			m := r.claim(c, "claim", fmt.Sprintf("m%d new delivery 1", i))
			switch i {
			case 1, 2:
				r.ack(c, 1, m.ID)
			case 3:
				_, err := c.Reject(r.ctx(), m.ID, "spam")
				r.expect("reject", err, nil)
			}
		}
		plan, err := c.PlanReplay(r.ctx(), ReplayRange{}, nil)
		r.expect("plan", err, nil)
		r.see("plan: %d from %s to %s", plan.Count, r.name(plan.Range.From, "m"), r.name(plan.Range.To, "m"))
		if plan.Count != 2 || plan.Range.To != r.idOf("m6") {
			r.t.Fatalf("plan %+v, want the 2 acked of m1…m6", plan)
		}
		res, err := c.Replay(r.ctx(), plan.Range, nil)
		r.expect("replay", err, nil)
		r.see("replayed %d: %s … %s", res.Replayed, r.rename(res.First, "m"), r.rename(res.Last, "m"))
		r.page(c, StreamQuery{}, "m8 new", "m7 new", "m6 new", "m5 new", "m4 pending alice 1",
			"m3 dead-lettered by alice: spam", "m2 acked by alice", "m1 acked by alice")
		for _, name := range []string{"m7", "m8"} {
			e, err := c.Get(r.ctx(), r.idOf(name))
			r.expect("get "+name, err, nil)
			r.see("%s is a contact message: %v, a replay of %s", name, e.IsContact(), r.name(e.ReplayOf(), "m"))
		}
		// A range of one entry, by ID; a replay of a replay names the one
		// it copies.
		m7 := r.claim(c, "claim", "m5 new delivery 1")
		r.ack(c, 1, m7.ID)
		got := r.claim(c, "claim", "m6 new delivery 1")
		r.ack(c, 1, got.ID)
		replay := r.claim(c, "claim", "m7 new delivery 1")
		r.ack(c, 1, replay.ID)
		res, err = c.Replay(r.ctx(), ReplayRange{From: replay.ID, To: replay.ID}, nil)
		r.expect("replay one", err, nil)
		r.see("replayed %d as %s", res.Replayed, r.rename(res.First, "m"))
		e, err := c.Get(r.ctx(), res.First)
		r.expect("get", err, nil)
		if e.ReplayOf() != replay.ID || !e.IsContact() || len(e.Fields) != 5 {
			r.t.Errorf("a replay of a replay: %+v, want replay.of %s once", e, replay.ID)
		}
		// Nothing acked in a range: nothing to copy.
		plan, err = c.PlanReplay(r.ctx(), ReplayRange{From: r.idOf("m8")}, nil)
		r.expect("plan", err, nil)
		r.see("plan from m8: %d", plan.Count)
	}},

	// The same idempotency key adds once, and answers with the first entry.
	{name: "idempotent add", run: func(r *contractRun) {
		c := r.client(Config{})
		first, err := c.AddContactOnce(r.ctx(), "draft-1", "Ada", "ada@example.org", "hello")
		r.expect("add", err, nil)
		r.see("added %s duplicate=%v", r.rename(first.ID, "m"), first.Duplicate)
		again, err := c.AddContactOnce(r.ctx(), "draft-1", "Ada", "ada@example.org", "hello again")
		r.expect("add again", err, nil)
		r.see("added %s duplicate=%v same timestamp=%v", r.name(again.ID, "m"), again.Duplicate, again.Timestamp == first.Timestamp)
		if again.ID != first.ID || !again.Duplicate || again.Timestamp != first.Timestamp {
			r.t.Fatalf("second add %+v, want %+v as a duplicate", again, first)
		}
		other, err := c.AddContactOnce(r.ctx(), "draft-2", "Ada", "ada@example.org", "hello")
		r.expect("another key", err, nil)
		r.see("added %s duplicate=%v", r.rename(other.ID, "m"), other.Duplicate)
		n, err := c.AddContacts(r.ctx(), []NewContact{
			{Name: "B", Email: "b@example.org", Message: "bulk", IdempotencyKey: "draft-2"},
			{Name: "C", Email: "c@example.org", Message: "bulk"},
			{Name: "D", Email: "d@example.org", Message: "bulk", IdempotencyKey: "line-4"},
			{Name: "D", Email: "d@example.org", Message: "bulk", IdempotencyKey: "line-4"},
		}, func(batch []Added) {
			for _, a := range batch {
				r.see("bulk: %s duplicate=%v", r.name(a.ID, "m"), a.Duplicate)
			}
		})
		r.expect("bulk", err, nil)
		r.see("bulk answered %d", n)
		r.stats(c, "length=4 pending=0 lag=4 entriesRead=0 last=0-0 dead=0 start=0-0 consumers=[]")
		if _, err := c.AddContactOnce(r.ctx(), "", "Ada", "ada@example.org", "x"); !errors.Is(err, ErrConfig) {
			r.t.Errorf("empty key: %v", err)
		}
	}},

	// Search looks at the whole stream in bounded chunks, newest first,
	// case-insensitively, and says how to go on.
	{name: "search", run: func(r *contractRun) {
		c := r.client(Config{})
		var batch []NewContact
		for i := range SearchChunk + 200 {
			batch = append(batch, NewContact{Name: "Filler", Email: "f@example.org", Message: fmt.Sprint("nothing here ", i)})
		}
		batch[3] = NewContact{Name: "Ada Lovelace", Email: "ada@example.org", Message: "About the ENGINE"}
		batch[600] = NewContact{Name: "Lucas", Email: "lucas@example.fr", Message: "Crème brûlée becomes CR?ME"}
		batch[601] = NewContact{Name: "Grace", Email: "grace@example.org", Message: "CRÈME BRÛLÉE, again"}
		batch[650] = NewContact{Name: "Zed", Email: "zed@engine.example", Message: "hi"}
		if _, err := c.AddContacts(r.ctx(), batch, func(b []Added) {
			for _, a := range b {
				r.rename(a.ID, "m")
			}
		}); err != nil {
			r.t.Fatal(err)
		}
		r.search(c, SearchQuery{Text: "engine"}, "m651 new", "m4 new", "scanned 700, next ")
		r.search(c, SearchQuery{Text: "Crème"}, "m602 new", "m601 new", "scanned 700, next ")
		r.search(c, SearchQuery{Text: "brûlée"}, "m602 new", "m601 new", "scanned 700, next ")
		r.search(c, SearchQuery{Text: "ENGINE", Limit: 1}, "m651 new", "scanned 500, next m201")
		r.search(c, SearchQuery{Text: "engine", Before: r.idOf("m651")}, "m4 new", "scanned 650, next ")
		page, err := c.SearchOnce(r.ctx(), SearchQuery{Text: "engine"})
		r.expect("one chunk", err, nil)
		r.see("one chunk: %d found, scanned %d, next %s", len(page.Entries), page.Scanned, r.name(page.Next, "m"))
		if page.Scanned != SearchChunk || page.Next != r.idOf("m201") {
			r.t.Errorf("one chunk %+v: want %d looked at, to go on after m201", page, SearchChunk)
		}
		m := r.claim(c, "claim", "m1 new delivery 1")
		r.ack(c, 1, m.ID)
		r.claim(c, "claim", "m2 new delivery 1")
		r.claim(c, "claim", "m3 new delivery 1")
		r.claim(c, "claim", "m4 new delivery 1")
		r.search(c, SearchQuery{Text: "lovelace"}, "m4 pending alice 1", "scanned 700, next ")
	}},

	// A server that comes back empty under a reviewer holding a message:
	// every operation on the held message says it is lost (not that
	// someone else took it), whichever meets the missing group first, and
	// claiming goes on without restarting anything.
	{name: "flushed under a held message", ownServer: true, run: func(r *contractRun) {
		c := r.client(Config{})
		r.add(c, 2)
		m := r.claim(c, "claim", "m1 new delivery 1")

		r.raw("FLUSHALL")
		r.expectLost("keep-alive", c.KeepAlive(r.ctx(), m.ID), errGroupGone)
		r.expectLost("release", c.Release(r.ctx(), m.ID), errEntryGone)
		r.expectLost("reject", mustErr(c.Reject(r.ctx(), m.ID, "x")), errEntryGone)
		n, err := c.Ack(r.ctx(), m.ID)
		r.expectLost("ack", err, errEntryGone)
		r.see("acked %d", n)
		r.stats(c, "length=0 pending=0 lag=0 entriesRead=0 last=0-0 dead=0 start=0-0 consumers=[]")
		r.add(c, 1)
		got := r.claim(c, "claim after the flush", "m3 new delivery 1")

		// The header's Stats meets the missing group first.
		r.raw("FLUSHALL")
		st, err := c.Stats(r.ctx())
		r.expect("stats", err, nil)
		r.see("stats recreated the group: %v", st.GroupRecreated)
		if !st.GroupRecreated {
			r.t.Error("stats did not say it recreated the group")
		}
		r.expectLost("keep-alive", c.KeepAlive(r.ctx(), got.ID), errEntryGone)

		// A claim meets it first.
		r.add(c, 1)
		r.raw("FLUSHALL")
		res, err := c.Claim(r.ctx())
		r.expect("claim", err, nil)
		r.see("claim recreated the group: %v, message %s", res.GroupRecreated, r.claimed(res.Message))
		if !res.GroupRecreated || res.Message != nil {
			r.t.Errorf("claim on a flushed server: %+v", res)
		}

		// An ack meets it first.
		r.add(c, 1)
		held := r.claim(c, "claim", "m5 new delivery 1")
		r.raw("FLUSHALL")
		_, err = c.Ack(r.ctx(), held.ID)
		r.expectLost("ack", err, errGroupGone)
		r.add(c, 1)
		held = r.claim(c, "claim", "m6 new delivery 1")

		// Claiming a chosen pending entry (the Pending screen) meets it.
		r.raw("FLUSHALL")
		r.expectLost("claim by ID", mustErr(c.ClaimID(r.ctx(), held.ID, true)), errGroupGone)
		r.stats(c, "length=0 pending=0 lag=0 entriesRead=0 last=0-0 dead=0 start=0-0 consumers=[]")
	}},

	// Retention: only what every group is done with goes, with its outcome
	// records; new, held, released and waiting messages stay, and so does
	// anything recent. Dead letters go by their own cutoff.
	{name: "trim", run: func(r *contractRun) {
		c := r.client(Config{OutcomeRetention: 90 * 24 * time.Hour})
		old := time.Now().Add(-45 * 24 * time.Hour)
		for range 7 {
			r.addAt(c, old)
		}
		r.add(c, 1)
		held := make([]*Claimed, 5)
		for i := range held {
			held[i] = r.claim(c, "claim", fmt.Sprintf("m%d new delivery 1", i+1))
		}
		r.ack(c, 1, held[0].ID)
		r.expect("release m3", c.Release(r.ctx(), held[2].ID), nil)
		r.ack(c, 1, held[3].ID)
		r.raw("ZADD", waitingKey(c.cfg.Stream, c.cfg.Group), fmt.Sprint(time.Now().Add(time.Hour).UnixMilli()), held[3].ID)
		_, err := c.Reject(r.ctx(), held[4].ID, "spam")
		r.expect("reject m5", err, nil)
		month := time.Now().Add(-30 * 24 * time.Hour)
		r.trim(c, TrimQuery{Before: month, DryRun: true}, "removed 2 kept {Undelivered:2 Pending:1 Released:1 Waiting:1} dead 0")
		r.trim(c, TrimQuery{Before: month}, "removed 2 kept {Undelivered:2 Pending:1 Released:1 Waiting:1} dead 0")
		r.page(c, StreamQuery{}, "m8 new", "m7 new", "m6 new", "m4 acked by alice", "m3 pending alice 1 released by alice", "m2 pending alice 1")
		r.trim(c, TrimQuery{Before: month}, "removed 0 kept {Undelivered:2 Pending:1 Released:1 Waiting:1} dead 0")
		r.dead(c, "m5 spam delivery 1 alice")
		r.trim(c, TrimQuery{DeadBefore: time.Now().Add(time.Minute)}, "removed 0 kept {Undelivered:0 Pending:0 Released:0 Waiting:0} dead 1")
		r.dead(c)
		r.stats(c, "length=6 pending=2 lag=3 entriesRead=3 last=m5 dead=0 start=0-0 consumers=[alice:2]")
		r.claim(c.WithConsumer("bob"), "bob claims", "m3 released by alice delivery 1")
	}},
}

// contractRun is one case on one server.
type contractRun struct {
	t      *testing.T
	server string
	vk     valkey.Client
	mr     *miniredis.Miniredis // the embedded server; nil for the real one
	clock  time.Time            // the embedded server's clock, once a case moved it
	stream string
	names  map[string]string // server ID → m1, d1 …
	byName map[string]string // and back
	counts map[string]int
	lines  []string
}

func newContractRun(t *testing.T, server string, cc contractCase) *contractRun {
	r := &contractRun{t: t, server: server, names: map[string]string{}, byName: map[string]string{}, counts: map[string]int{}}
	r.stream = "contract:" + strings.ReplaceAll(cc.name, " ", "-")
	switch server {
	default:
		bin := testserver.Need(t, server)
		addr := contractServer(t, bin).Addr
		if cc.ownServer {
			addr = testserver.StartWithT(t, bin).Addr
		}
		r.vk = dial(t, addr)
	case "embedded":
		// As the console runs it: see embedded.Start and Server.Options.
		r.mr = miniredis.NewMiniRedis()
		r.mr.ClockTTL(true)
		if err := r.mr.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.mr.Close)
		vk, err := Dial(ctx(t), ServerOptions{Endpoint: r.mr.Addr(), Standalone: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(vk.Close)
		r.vk = vk
	}
	return r
}

func (r *contractRun) ctx() context.Context { return ctx(r.t) }

// client is a client on the case's stream, starting empty, with its group
// created as reviewq creates it.
func (r *contractRun) client(cfg Config) *Client {
	r.t.Helper()
	c := r.clientWithoutGroup(cfg)
	if err := c.EnsureGroup(r.ctx()); err != nil {
		r.t.Fatal(err)
	}
	return c
}

// clientWithoutGroup leaves creating the group to the case.
func (r *contractRun) clientWithoutGroup(cfg Config) *Client {
	r.t.Helper()
	cfg.Stream = r.stream
	if cfg.Consumer == "" {
		cfg.Consumer = "alice"
	}
	c, err := New(r.vk, cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	if c.cfg.DeadStream != DeadStreamFor(r.stream) {
		r.t.Fatalf("dead-letter stream %q: the server was taken for a cluster", c.cfg.DeadStream)
	}
	r.raw("DEL", c.cfg.Stream, c.cfg.DeadStream, c.startKey)
	delOwnKeys(r.t, r.vk, c.cfg.Stream)
	return c
}

// pass lets d pass on both clocks a case has: the client's (records,
// activity) and the server's (pending entries' idle times, see age).
func (r *contractRun) pass(clock *testClock, d time.Duration) {
	r.t.Helper()
	clock.Add(d)
	r.age(d)
}

// addAt adds a contact message at a given time (an explicit ID), as the
// web example would have at that time.
func (r *contractRun) addAt(c *Client, at time.Time) {
	r.t.Helper()
	ms := at.UnixMilli()
	r.counts["at:"+fmt.Sprint(ms)]++
	id := fmt.Sprintf("%d-%d", ms, r.counts["at:"+fmt.Sprint(ms)]-1)
	r.raw("XADD", c.cfg.Stream, id, FieldName, "Ada", FieldEmail, "ada@example.org", FieldMessage, "hello", FieldTimestamp, FormatTimestamp(at))
	r.rename(id, "m")
}

// deadLetters maps original IDs to their dead-letter IDs.
func (r *contractRun) deadLetters(c *Client) map[string]string {
	r.t.Helper()
	letters, err := c.DeadPage(r.ctx(), StreamQuery{})
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range letters {
		out[d.OriginalID] = d.ID
	}
	return out
}

// activity checks Activity, written compactly: the non-zero buckets as
// index:count, start relative to the client's clock.
func (r *contractRun) activity(c *Client, want string) {
	r.t.Helper()
	a, err := c.Activity(r.ctx())
	if err != nil {
		r.t.Fatal(err)
	}
	buckets := func(counts []int64) string {
		var parts []string
		for i, n := range counts {
			if n != 0 {
				parts = append(parts, fmt.Sprintf("%d:%d", i, n))
			}
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	var revs []string
	for _, rv := range a.Reviewers {
		held := "-"
		if rv.MedianHeld >= 0 {
			held = rv.MedianHeld.Round(time.Second).String()
		}
		revs = append(revs, fmt.Sprintf("%s acked %d dead %d held %s", rv.Name, rv.Acked, rv.Dead, held))
	}
	if len(a.Arrivals) != ActivityBuckets || len(a.Acks) != ActivityBuckets || len(a.Dead) != ActivityBuckets {
		r.t.Fatalf("activity of %d/%d/%d buckets, want %d", len(a.Arrivals), len(a.Acks), len(a.Dead), ActivityBuckets)
	}
	got := fmt.Sprintf("start=%s arrivals=%s acks=%s dead=%s behind=%v timeToAck=%d×(p50 %s p90 %s) oldestUnclaimed=%s reviewers=[%s]",
		a.Start.Sub(c.cfg.Now().Truncate(time.Minute)), buckets(a.Arrivals), buckets(a.Acks), buckets(a.Dead), a.ArrivalsBehind,
		a.TimeToAck.Count, a.TimeToAck.P50.Round(time.Second), a.TimeToAck.P90.Round(time.Second),
		a.OldestUnclaimed.Round(time.Second), strings.Join(revs, ", "))
	r.see("activity: %s", got)
	if got != want {
		r.t.Fatalf("activity:\n got %s\nwant %s", got, want)
	}
}

// search checks a search's matches, then how far it looked.
func (r *contractRun) search(c *Client, q SearchQuery, want ...string) {
	r.t.Helper()
	var calls int
	p, err := c.Search(r.ctx(), q, func(SearchProgress) { calls++ })
	if err != nil {
		r.t.Fatal(err)
	}
	var got []string
	for _, e := range p.Entries {
		got = append(got, r.streamEntry(e))
	}
	got = append(got, fmt.Sprintf("scanned %d, next %s", p.Scanned, r.name(p.Next, "m")))
	r.see("search %q limit %d: %q in %d chunk(s)", q.Text, q.Limit, got, calls)
	if !reflect.DeepEqual(got, want) {
		r.t.Fatalf("search %q:\n got %q\nwant %q", q.Text, got, want)
	}
}

// see records an observation in the transcript.
func (r *contractRun) see(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

// name gives a server ID its name in the transcript, by order of first
// appearance under a prefix (the stream and the dead-letter stream may
// hand out the same ID).
func (r *contractRun) name(id, prefix string) string {
	switch id {
	case "", "0-0":
		return id
	}
	if n, ok := r.names[prefix+id]; ok {
		return n
	}
	return r.rename(id, prefix)
}

// rename names an ID afresh: a server that was flushed hands out IDs again.
func (r *contractRun) rename(id, prefix string) string {
	r.counts[prefix]++
	n := fmt.Sprintf("%s%d", prefix, r.counts[prefix])
	r.names[prefix+id], r.byName[n] = n, id
	return n
}

func (r *contractRun) idOf(name string) string {
	id, ok := r.byName[name]
	if !ok {
		r.t.Fatalf("no entry named %s yet", name)
	}
	return id
}

func (r *contractRun) ids(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = r.name(id, "m")
	}
	return out
}

func (r *contractRun) raw(args ...string) {
	r.t.Helper()
	err := r.vk.Do(r.ctx(), r.vk.B().Arbitrary(args[0]).Args(args[1:]...).Build()).Error()
	if err != nil {
		r.t.Fatalf("%v: %v", args, err)
	}
}

func (r *contractRun) add(c *Client, n int) {
	r.t.Helper()
	for range n {
		a, err := c.AddContact(r.ctx(), "Ada", "ada@example.org", "hello")
		if err != nil {
			r.t.Fatal(err)
		}
		r.rename(a.ID, "m")
	}
}

// age lets d pass for every pending entry: the embedded server's clock
// moves on; on the real server, whose clock cannot be moved, each pending
// entry's idle time grows by d (XCLAIM IDLE, restating its delivery count).
func (r *contractRun) age(d time.Duration) {
	r.t.Helper()
	if r.mr != nil {
		if r.clock.IsZero() {
			r.clock = time.Now()
		}
		r.clock = r.clock.Add(d)
		r.mr.SetTime(r.clock)
		return
	}
	rows, err := r.vk.Do(r.ctx(), r.vk.B().Arbitrary("XPENDING").Args(r.stream, DefaultGroup, "-", "+", "1000").Build()).ToArray()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, row := range rows {
		f, _ := row.ToArray()
		id, _ := f[0].ToString()
		owner, _ := f[1].ToString()
		idle, _ := f[2].AsInt64()
		count, _ := f[3].AsInt64()
		r.raw("XCLAIM", r.stream, DefaultGroup, owner, "0", id,
			"IDLE", fmt.Sprint(idle+d.Milliseconds()), "RETRYCOUNT", fmt.Sprint(count), "JUSTID")
	}
}

func (r *contractRun) claimed(m *Claimed) string {
	if m == nil {
		return "nothing"
	}
	how := "new"
	switch {
	case m.Released:
		how = "released by " + m.ReleasedBy
	case m.Reclaimed:
		how = "reclaimed from " + m.PreviousConsumer
	}
	return fmt.Sprintf("%s %s delivery %d", r.name(m.ID, "m"), how, m.Deliveries) + r.returned(m.Entry)
}

// claim claims for c and checks what came, when want is given.
func (r *contractRun) claim(c *Client, step, want string) *Claimed {
	r.t.Helper()
	res, err := c.Claim(r.ctx())
	if err != nil {
		r.t.Fatalf("%s: %v", step, err)
	}
	got := r.claimed(res.Message)
	r.see("%s: %s (cleared %v %v)", step, got, r.ids(res.Dropped), r.ids(res.DeadLettered))
	if want != "" && got != want {
		r.t.Fatalf("%s: got %s, want %s", step, got, want)
	}
	if res.Message == nil {
		r.t.Fatalf("%s: nothing to claim", step)
	}
	return res.Message
}

func (r *contractRun) ack(c *Client, want int64, ids ...string) {
	r.t.Helper()
	n, err := c.Ack(r.ctx(), ids...)
	r.see("ack %v: %d %s", r.ids(ids), n, sentinel(err))
	if err != nil || n != want {
		r.t.Fatalf("ack %v: %d %v, want %d", r.ids(ids), n, err, want)
	}
}

// expect checks an operation's error is of the given kind (nil: none).
func (r *contractRun) expect(step string, err, kind error) {
	r.t.Helper()
	r.see("%s: %s", step, sentinel(err))
	if (kind == nil) != (err == nil) || (kind != nil && !errors.Is(err, kind)) {
		r.t.Fatalf("%s: %v, want %v", step, err, kind)
	}
}

// expectLost checks an operation on a held message says the server lost it,
// for the given cause, and blames nobody.
func (r *contractRun) expectLost(step string, err, cause error) {
	r.t.Helper()
	r.expect(step, err, ErrLost)
	r.see("  because %v", cause)
	if !errors.Is(err, cause) || errors.Is(err, ErrNotHeld) || errors.Is(err, ErrNotPending) {
		r.t.Fatalf("%s: %v, want ErrLost because %v", step, err, cause)
	}
}

func (r *contractRun) stats(c *Client, want string) {
	r.t.Helper()
	st, err := c.Stats(r.ctx())
	if err != nil {
		r.t.Fatal(err)
	}
	cons := make([]string, len(st.Consumers))
	for i, ci := range st.Consumers {
		cons[i] = fmt.Sprintf("%s:%d", ci.Name, ci.Pending)
	}
	got := fmt.Sprintf("length=%d pending=%d lag=%d entriesRead=%d last=%s dead=%d start=%s consumers=[%s]",
		st.Length, st.Group.Pending, st.Group.Lag, st.Group.EntriesRead, r.name(st.Group.LastDelivered, "m"),
		st.DeadLength, r.name(st.Group.Start, "m"), strings.Join(cons, " "))
	r.see("stats: %s", got)
	if got != want {
		r.t.Fatalf("stats:\n got %s\nwant %s", got, want)
	}
}

func (r *contractRun) trim(c *Client, q TrimQuery, want string) {
	r.t.Helper()
	res, err := c.Trim(r.ctx(), q, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	got := fmt.Sprintf("removed %d kept %+v dead %d", res.Removed, res.Kept, res.DeadRemoved)
	r.see("trim (dry run %v): %s", q.DryRun, got)
	if got != want {
		r.t.Fatalf("trim:\n got %s\nwant %s", got, want)
	}
}

func (r *contractRun) pending(c *Client, q PendingQuery, want ...string) {
	r.t.Helper()
	p, err := c.PendingPage(r.ctx(), q)
	if err != nil {
		r.t.Fatal(err)
	}
	got := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		idle := "idle<3s"
		switch {
		case e.Idle >= time.Minute:
			idle = "idle≥1m"
		case e.Idle >= 3*time.Second:
			idle = "idle " + e.Idle.Round(time.Second).String()
		}
		preview := "preview"
		if e.Entry == nil {
			preview = "deleted"
		}
		got[i] = fmt.Sprintf("%s %s delivery %d %s %s", r.name(e.ID, "m"), e.Consumer, e.Deliveries, idle, preview)
	}
	for _, w := range p.Waiting {
		got = append(got, fmt.Sprintf("waits: %s %s %s%s", r.name(w.ID, "m"), w.Wait.Kind, r.wait(w.Wait), preview(w.Entry)))
	}
	if p.WaitingTotal != int64(len(p.Waiting)) {
		got = append(got, fmt.Sprintf("waiting in all: %d", p.WaitingTotal))
	}
	r.see("pending %+v: %q", q.Count, got)
	if len(want) == 0 {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		r.t.Fatalf("pending page:\n got %q\nwant %q", got, want)
	}
}

func (r *contractRun) page(c *Client, q StreamQuery, want ...string) {
	r.t.Helper()
	p, err := c.StreamPage(r.ctx(), q)
	if err != nil {
		r.t.Fatal(err)
	}
	var got []string
	for _, w := range p.Scheduled {
		got = append(got, "scheduled "+r.wait(w.Wait)+preview(w.Entry))
	}
	if p.ScheduledTotal != int64(len(p.Scheduled)) {
		got = append(got, fmt.Sprintf("scheduled in all: %d", p.ScheduledTotal))
	}
	for _, e := range p.Entries {
		got = append(got, r.streamEntry(e))
	}
	r.see("stream page: %q, last delivered %s", got, r.name(p.LastDelivered, "m"))
	if !reflect.DeepEqual(got, want) {
		r.t.Fatalf("stream page:\n got %q\nwant %q", got, want)
	}
}

// streamEntry writes a stream row as the transcript shows it: its state,
// who holds it or handled it, and why.
func (r *contractRun) streamEntry(e StreamEntry) string {
	s := r.name(e.ID, "m") + " " + e.State.String()
	if e.State == StatePending {
		s += fmt.Sprintf(" %s %d", e.Consumer, e.Deliveries)
		if e.Released != nil {
			s += " released by " + e.Released.By
		}
	}
	if o := e.Outcome; o != nil {
		s += " by " + o.By
		if o.Reason != "" {
			s += ": " + o.Reason
		}
		if o.RedrivenAs != "" {
			s += fmt.Sprintf(", redriven as %s by %s", r.name(o.RedrivenAs, "m"), o.RedrivenBy)
		}
	} else if e.State == StateAcked || e.State == StateDeadLettered {
		s += " by ''"
	}
	if e.Wait != nil {
		s += " " + r.wait(*e.Wait)
	}
	return s + r.returned(e.Entry)
}

func (r *contractRun) dead(c *Client, want ...string) {
	r.t.Helper()
	letters, err := c.DeadPage(r.ctx(), StreamQuery{})
	if err != nil {
		r.t.Fatal(err)
	}
	got := make([]string, len(letters))
	for i, d := range letters {
		got[i] = fmt.Sprintf("%s %s delivery %d %s", r.name(d.OriginalID, "m"), d.Reason, d.Deliveries, d.Consumer)
	}
	r.see("dead letters: %q", got)
	if len(want) == 0 {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		r.t.Fatalf("dead letters:\n got %q\nwant %q", got, want)
	}
}

// sentinel names the kind of a queue error, for transcripts.
func sentinel(err error) string {
	if err == nil {
		return "ok"
	}
	for _, k := range []struct {
		name string
		err  error
	}{
		{"ErrLost", ErrLost}, {"ErrNotHeld", ErrNotHeld}, {"ErrNotPending", ErrNotPending},
		{"ErrNoGroup", ErrNoGroup}, {"ErrNotFound", ErrNotFound}, {"ErrEmpty", ErrEmpty},
		{"ErrInvalidID", ErrInvalidID}, {"ErrWrongType", ErrWrongType}, {"ErrServer", ErrServer}, {"ErrConfig", ErrConfig},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return err.Error()
}

func diffLines(a, b []string) string {
	var out strings.Builder
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		mark := " "
		if x != y {
			mark = "≠"
		}
		fmt.Fprintf(&out, "%s real:     %s\n%s embedded: %s\n", mark, x, mark, y)
	}
	return out.String()
}
