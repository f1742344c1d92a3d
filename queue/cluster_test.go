package queue

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/valkey-io/valkey-go"
)

// streamsOnEveryNode names one stream per node of the cluster, by slot.
func streamsOnEveryNode(t *testing.T, cl *testserver.Cluster, prefix string) []string {
	t.Helper()
	out := make([]string, len(cl.Nodes))
	found := 0
	for i := 0; found < len(out); i++ {
		name := prefix + strconv.Itoa(i)
		for n, node := range cl.Nodes {
			if out[n] == "" && cl.NodeFor(int(keySlot(name))) == node {
				out[n] = name
				found++
			}
		}
	}
	return out
}

// A real three-node cluster: streams served by different nodes, each
// worked through every operation. The scripts touch a stream, its
// dead-letter stream and its claim cursor together, which the cluster
// allows only within one slot, on the node that serves it.
func TestThreeNodeCluster(t *testing.T) {
	cl := testserver.StartClusterT(t, 3)
	vk := dial(t, cl.Nodes[0].Addr) // one seed; valkey-go finds the others
	if vk.Mode() != valkey.ClientModeCluster {
		t.Fatalf("client mode %s, want cluster", vk.Mode())
	}
	for n, stream := range streamsOnEveryNode(t, cl, "cluster:") {
		t.Run(fmt.Sprintf("node%d", n), func(t *testing.T) {
			clock := newTestClock()
			c := newClientOn(t, vk, Config{Stream: stream, ReclaimAfter: time.Minute, Now: clock.Now})
			if c.cfg.DeadStream != "{"+stream+"}:dead" {
				t.Fatalf("dead stream %q", c.cfg.DeadStream)
			}
			ids := mustAdd(t, c, 3)
			added, err := c.AddContacts(ctx(t), []NewContact{{Name: "Ada", Email: "ada@example.org", Message: "bulk 1"}, {Name: "Ada", Email: "ada@example.org", Message: "bulk 2"}}, nil)
			if err != nil || added != 2 {
				t.Fatalf("bulk add: %d %v", added, err)
			}

			m := mustClaim(t, c)
			if m.ID != ids[0] {
				t.Fatalf("claimed %s, want %s", m.ID, ids[0])
			}
			did, err := c.Reject(ctx(t), m.ID, "cluster test")
			if err != nil {
				t.Fatal(err)
			}
			bob := c.WithConsumer("bob")
			held := mustClaim(t, bob)
			makeIdle(t, c, "bob", held.ID, 2*time.Minute, 1)
			if got := mustClaim(t, c); got.ID != held.ID || !got.Reclaimed || got.PreviousConsumer != "bob" {
				t.Fatalf("reclaim: %+v", got)
			}
			n, next, err := c.AckAndClaim(ctx(t), held.ID)
			if err != nil || n != 1 || next.Message == nil || next.Message.ID != ids[2] {
				t.Fatalf("ack and claim: %d %+v %v", n, next.Message, err)
			}

			dead, err := c.DeadPage(ctx(t), StreamQuery{})
			if err != nil || len(dead) != 1 || dead[0].ID != did || dead[0].OriginalID != ids[0] {
				t.Fatalf("dead letters: %+v %v", dead, err)
			}
			st, err := c.Stats(ctx(t))
			if err != nil || st.Length != 5 || st.DeadLength != 1 || st.Group.Pending != 1 {
				t.Fatalf("stats: %+v %v", st, err)
			}
			p, err := c.PendingPage(ctx(t), PendingQuery{})
			if err != nil || len(p.Entries) != 1 || p.Entries[0].ID != ids[2] || p.Entries[0].Entry == nil {
				t.Fatalf("pending: %+v %v", p, err)
			}
			p, err = c.PendingPage(ctx(t), PendingQuery{MinIdle: time.Hour})
			if err != nil || len(p.Entries) != 0 || p.Scanned != 1 || p.Pending != 1 {
				t.Fatalf("pending --min-idle: %+v %v", p, err)
			}
			page, err := c.StreamPage(ctx(t), StreamQuery{Forward: true})
			if err != nil || len(page.Entries) != 5 || page.Entries[2].State != StatePending || page.Entries[4].State != StateNew {
				t.Fatalf("stream page: %+v %v", page, err)
			}
			if _, err := c.Redrive(ctx(t), did); err != nil {
				t.Fatal(err)
			}

			// Messages that wait: their sets and contents are keys of
			// their own, in the slot too (checked below).
			mustAdd(t, c, 2)
			snoozed, retried := mustClaim(t, c), mustClaim(t, c)
			if err := c.Snooze(ctx(t), snoozed.ID, clock.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			backingOff := *c
			backingOff.cfg.RetryBackoff = time.Minute
			if err := backingOff.Release(ctx(t), retried.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := c.AddContactLater(ctx(t), "later-1", "Ada", "ada@example.org", "later", clock.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if st, err := c.Stats(ctx(t)); err != nil || st.Scheduled != 1 || st.Snoozed != 1 || st.Waiting != 1 {
				t.Fatalf("stats of what waits: %+v %v", st, err)
			}

			// The keys live on the node that serves the stream's slot.
			slot := strconv.Itoa(int(keySlot(stream)))
			node := cl.NodeFor(int(keySlot(stream)))
			// Each subtest's stream is on a node of its own, so every key
			// on that node is one of reviewq's for this stream (the stream,
			// its dead letters, the group's start…): all in the slot.
			inSlot, err := node.Int("CLUSTER", "COUNTKEYSINSLOT", slot)
			size, err2 := node.Int("DBSIZE")
			if err != nil || err2 != nil || inSlot != size || inSlot < 2 {
				t.Fatalf("keys on %s: %d in slot %s of %d in all (%v %v), want every one in the slot, the stream and its dead letters at least",
					node.Addr, inSlot, slot, size, err, err2)
			}

			// Due, they come back, behind what was new before.
			clock.Add(time.Hour)
			back := map[string]bool{}
			for range 10 {
				r, err := c.Claim(ctx(t))
				if err != nil {
					t.Fatal(err)
				}
				if r.Message == nil {
					break
				}
				back[r.Message.Message()] = true
				if b := r.Message.Returned(); b != nil {
					back[b.Of] = true
				}
			}
			if !back[snoozed.ID] || !back[retried.ID] || !back["later"] {
				t.Fatalf("back from their waits: %v, want %s, %s and the message added for later", back, snoozed.ID, retried.ID)
			}
		})
	}
	for _, node := range cl.Nodes {
		if n, err := node.Command("DBSIZE"); err != nil || n == ":0" {
			t.Fatalf("node %s holds no keys (%q %v): the streams were not spread", node.Addr, n, err)
		}
	}
}

// A long pending list in a cluster: the sweep's cursor is a third key the
// claim script touches, in the stream's slot.
func TestClusterSweepCursor(t *testing.T) {
	cl := testserver.StartClusterT(t, 3)
	vk := dial(t, cl.Nodes[1].Addr)
	stream := streamsOnEveryNode(t, cl, "cluster:sweep:")[2]
	c := newClientOn(t, vk, Config{Stream: stream})
	fillPending(t, c, 5_000, "web")
	deep := lastID(t, c)
	makeIdle(t, c, "web", deep, 2*time.Minute, 1)
	var found *Claimed
	for i := 0; i < maxClaimsToSweep(5_000) && found == nil; i++ {
		r, err := c.Claim(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		found = r.Message
		if i == 0 {
			if _, err := do(t, c, "GET", claimCursorKey(stream, c.cfg.Group)).ToString(); err != nil {
				t.Fatalf("no cursor after a sweep: %v", err)
			}
		}
	}
	if found == nil || found.ID != deep {
		t.Fatalf("claimed %+v, want %s", found, deep)
	}
	slot := strconv.Itoa(int(keySlot(stream)))
	node := cl.NodeFor(int(keySlot(stream)))
	inSlot, _ := node.Int("CLUSTER", "COUNTKEYSINSLOT", slot)
	if size, _ := node.Int("DBSIZE"); inSlot != size || inSlot < 2 {
		// the stream and its cursor at least (nothing was dead-lettered)
		t.Fatalf("keys in the stream's slot: %d of %d", inSlot, size)
	}
}

// Against a cluster the dead-letter stream moves into the stream's slot,
// so the claim and reject scripts can touch both; one in another slot is
// refused.
func TestClusterKeepsDeadLettersInTheStreamSlot(t *testing.T) {
	cl := testserver.StartClusterT(t, 1)
	vk := dial(t, cl.Nodes[0].Addr)
	c := newClientOn(t, vk, Config{Stream: "contact-messages"})
	if c.cfg.DeadStream != "{contact-messages}:dead" || keySlot(c.cfg.DeadStream) != keySlot(c.cfg.Stream) {
		t.Fatalf("dead stream %q", c.cfg.DeadStream)
	}
	mustAdd(t, c, 1)
	m := mustClaim(t, c)
	if _, err := c.Reject(ctx(t), m.ID, "cluster test"); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Stats(ctx(t)); err != nil || st.DeadLength != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	if _, err := New(vk, Config{Stream: "contact-messages", DeadStream: "elsewhere"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("dead stream in another slot: %v", err)
	}
}
