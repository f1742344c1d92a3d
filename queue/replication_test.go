package queue

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
)

// An add with WaitReplicas succeeds once a replica has the entry; when the
// replica does not confirm in time (its link held back, as a slow network
// would), the add says which entry is on the primary and not yet safe, and
// a retry with the same idempotency key adds nothing twice, whatever
// connection it comes on.
func TestAddWaitsForReplicas(t *testing.T) {
	t.Parallel()
	primary := startServer(t)
	_, link := testserver.StartReplicaT(t, primary)
	c := newClientOn(t, dial(t, primary.Addr), Config{WaitReplicas: 1})

	if _, err := c.AddContact(ctx(t), "Ann", "ann@example.com", "safe"); err != nil {
		t.Fatalf("add with the replica online: %v", err)
	}
	if _, err := c.AddContactOnce(ctx(t), "k0", "Ann", "ann@example.com", "safe, once"); err != nil {
		t.Fatalf("idempotent add with the replica online: %v", err)
	}
	if n, err := c.AddContacts(ctx(t), []NewContact{{Name: "A", Email: "a@example.com", Message: "1"}, {Name: "B", Email: "b@example.com", Message: "2", IdempotencyKey: "k1"}}, nil); err != nil || n != 2 {
		t.Fatalf("bulk add with the replica online: %d, %v", n, err)
	}

	link.Hold()
	added, err := c.AddContactOnce(within(t, 400*time.Millisecond), "k2", "Bo", "bo@example.com", "not yet safe")
	var re *ReplicationError
	if !errors.Is(err, ErrNotReplicated) || !errors.As(err, &re) || !IsServerSide(err) {
		t.Fatalf("add with the link held: %v, want ErrNotReplicated", err)
	}
	if re.ID == "" || re.ID != added.ID || re.Want != 1 || re.Confirmed != 0 || re.Connected != 1 {
		t.Fatalf("replication error %+v for %+v", re, added)
	}
	if want := added.ID + " is on the primary but not yet on 1 replica (0 confirmed within "; !strings.HasPrefix(re.Error(), want) {
		t.Fatalf("error %q, want it to start %q", re.Error(), want)
	}
	if re.Waited <= 0 || re.Waited > 200*time.Millisecond {
		t.Fatalf("waited %s: want at most half of the call's 400 ms", re.Waited)
	}
	if e, err := c.Get(ctx(t), added.ID); err != nil || e.Message() != "not yet safe" {
		t.Fatalf("the entry is not on the primary: %+v %v", e, err)
	}

	// The same key on a connection that never wrote: WAIT there would
	// answer at once, so the add writes before it waits.
	other, err := New(dial(t, primary.Addr), c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := other.AddContactOnce(within(t, 400*time.Millisecond), "k2", "Bo", "bo@example.com", "not yet safe")
	if !errors.Is(err, ErrNotReplicated) || !again.Duplicate || again.ID != added.ID {
		t.Fatalf("retry on a fresh connection with the link still held: %+v %v", again, err)
	}
	n, err := c.AddContacts(within(t, 400*time.Millisecond), []NewContact{{Name: "C", Email: "c@example.com", Message: "3"}}, nil)
	if !errors.Is(err, ErrNotReplicated) || n != 1 {
		t.Fatalf("bulk add with the link held: %d, %v", n, err)
	}

	link.Release()
	again, err = other.AddContactOnce(ctx(t), "k2", "Bo", "bo@example.com", "not yet safe")
	if err != nil || !again.Duplicate || again.ID != added.ID {
		t.Fatalf("retry once the replica caught up: %+v %v", again, err)
	}
	if st, err := c.Stats(ctx(t)); err != nil || st.Length != 6 {
		t.Fatalf("stream length %d (%v): want 6, nothing added twice", st.Length, err)
	}
}

// With no replica at all (a failover that left none), the add says so
// rather than only that it fell short.
func TestAddWithNoReplica(t *testing.T) {
	t.Parallel()
	c := newClient(t, Config{WaitReplicas: 1})
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	added, err := c.AddContact(short, "Ann", "ann@example.com", "alone")
	var re *ReplicationError
	if !errors.As(err, &re) || re.Connected != 0 {
		t.Fatalf("add on a server without replicas: %v", err)
	}
	want := added.ID + " is on the primary but not yet on 1 replica: no replica is connected to the primary"
	if re.Error() != want {
		t.Fatalf("error %q, want %q", re.Error(), want)
	}
}

// within is a context with a deadline d from now.
func within(t testing.TB, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}
