package queue

import (
	"strconv"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

var waitHelpersScript = composeScript("test_waiting.lua", `
if ARGV[1] == 'backoff' then return backoff_ms(tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])) end
if ARGV[1] == 'carried' then return carried_of({unpack(ARGV, 2)}) end
if ARGV[1] == 'own' then return table.concat(own_fields({unpack(ARGV, 2)}), ',') end
return redis.error_reply('unknown call ' .. ARGV[1])
`, luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, luaWaiting)

// The scripts' backoff agrees with RetryBackoff, and the meta fields of a
// wait are told from an entry's own, on both servers.
func TestLuaWaitHelpers(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		base, most := 30*time.Second, 30*time.Minute
		for _, d := range []int64{0, 1, 2, 3, 6, 7, 8, 60, 1000} {
			got := call(t, vk, waitHelpersScript, nil, "backoff", ms(base), ms(most), strconv.FormatInt(d, 10))
			if want := ms(RetryBackoff(base, most, max(d, 1))); got != want {
				t.Errorf("backoff after %d deliveries: %s ms in Lua, %s ms in Go", d, got, want)
			}
		}
		if got := call(t, vk, waitHelpersScript, nil, "carried", FieldName, "Ada", FieldRetryDeliveries, "4"); got != "4" {
			t.Errorf("carried = %s, want 4", got)
		}
		if got := call(t, vk, waitHelpersScript, nil, "carried", FieldName, "Ada", "retry", "4"); got != "0" {
			t.Errorf("carried of an entry without meta = %s, want 0", got)
		}
		got := call(t, vk, waitHelpersScript, nil, "own", FieldName, "Ada", FieldSnoozeOf, "1-1", FieldReplayOf, "2-2", FieldSnoozeBy, "bob", "snooze", "x")
		if want := "name,Ada,replay.of,2-2,snooze,x"; got != want {
			t.Errorf("own fields %s, want %s", got, want)
		}
	})
}

func TestRetryBackoff(t *testing.T) {
	for _, c := range []struct {
		base, most time.Duration
		deliveries int64
		want       time.Duration
	}{
		{0, time.Hour, 3, 0},
		{time.Second, time.Hour, 1, time.Second},
		{time.Second, time.Hour, 4, 8 * time.Second},
		{time.Minute, 3 * time.Minute, 3, 3 * time.Minute},
		{time.Minute, 30 * time.Minute, 1 << 40, 30 * time.Minute},
	} {
		if got := RetryBackoff(c.base, c.most, c.deliveries); got != c.want {
			t.Errorf("RetryBackoff(%s, %s, %d) = %s, want %s", c.base, c.most, c.deliveries, got, c.want)
		}
	}
}

func TestReturnedReadsTheMetaFields(t *testing.T) {
	contact := []Field{{FieldName, "Ada"}, {FieldEmail, "ada@example.org"}, {FieldMessage, "hi"}, {FieldTimestamp, "2026-11-23T09:00:00.000Z"}}
	snoozed := Entry{ID: "2-0", Fields: append(append([]Field{}, contact...),
		Field{FieldSnoozeOf, "1-0"}, Field{FieldSnoozeBy, "alice"}, Field{FieldSnoozeUntil, "1764009300000"}, Field{FieldSnoozeDeliveries, "2"})}
	r := snoozed.Returned()
	if r == nil || r.Kind != WaitSnoozed || r.Of != "1-0" || r.By != "alice" || r.Deliveries != 2 || r.Until.UnixMilli() != 1764009300000 {
		t.Fatalf("snoozed: %+v", r)
	}
	if !snoozed.IsContact() {
		t.Error("a snoozed contact message is shown generically")
	}
	retried := Entry{ID: "2-0", Fields: append(append([]Field{}, contact...),
		Field{FieldRetryOf, "1-0"}, Field{FieldRetryBy, "bob"}, Field{FieldRetryUntil, "1764009300000"},
		Field{FieldRetryDeliveries, "3"}, Field{FieldRetryAfter, AfterReclaim})}
	if r := retried.Returned(); r == nil || r.Kind != WaitBackoff || r.After != AfterReclaim || r.Deliveries != 3 || !retried.IsContact() {
		t.Fatalf("retried: %+v", r)
	}
	for name, e := range map[string]Entry{
		"plain":        {ID: "1-0", Fields: contact},
		"bad of":       {ID: "2-0", Fields: append(append([]Field{}, contact...), Field{FieldSnoozeOf, "x"}, Field{FieldSnoozeUntil, "1"}, Field{FieldSnoozeDeliveries, "0"})},
		"bad until":    {ID: "2-0", Fields: append(append([]Field{}, contact...), Field{FieldRetryOf, "1-0"}, Field{FieldRetryUntil, "soon"}, Field{FieldRetryDeliveries, "0"})},
		"no delivered": {ID: "2-0", Fields: append(append([]Field{}, contact...), Field{FieldRetryOf, "1-0"}, Field{FieldRetryUntil, "1"})},
	} {
		if r := e.Returned(); r != nil {
			t.Errorf("%s: %+v, want nil", name, r)
		}
	}
	twice := Entry{ID: "2-0", Fields: append(append([]Field{}, contact...), Field{FieldSnoozeBy, "a"}, Field{FieldSnoozeBy, "b"})}
	if twice.IsContact() {
		t.Error("a meta field twice is a contact message")
	}
}

// Snoozes and retries count in Activity, minute by minute.
func TestActivityCountsSnoozesAndRetries(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now, RetryBackoff: time.Minute})
	mustAdd(t, c, 3)
	for i := range 3 {
		m := mustClaim(t, c)
		var err error
		if i < 2 {
			err = c.Snooze(ctx(t), m.ID, clock.Now().Add(time.Hour))
		} else {
			err = c.Release(ctx(t), m.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	a, err := c.Activity(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	last := ActivityBuckets - 1
	if a.Snoozes[last] != 2 || a.Retries[last] != 1 {
		t.Fatalf("this minute: %d snoozes, %d retries; want 2 and 1", a.Snoozes[last], a.Retries[last])
	}
}

// A bulk add (JSON lines) may carry a notBefore per message: those wait,
// the others are added at once, in order, and a key answers once.
func TestAddContactsForLater(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now})
	later := clock.Now().Add(time.Hour)
	var got []Added
	n, err := c.AddContacts(ctx(t), []NewContact{
		{Name: "Ada", Email: "ada@example.org", Message: "now"},
		{Name: "Ada", Email: "ada@example.org", Message: "later", NotBefore: later},
		{Name: "Ada", Email: "ada@example.org", Message: "later, once", NotBefore: later, IdempotencyKey: "k"},
		{Name: "Ada", Email: "ada@example.org", Message: "later, once", NotBefore: later, IdempotencyKey: "k"},
		{Name: "Ada", Email: "ada@example.org", Message: "in the past", NotBefore: clock.Now().Add(-time.Hour)},
	}, func(batch []Added) { got = append(got, batch...) })
	if err != nil || n != 5 || len(got) != 5 {
		t.Fatalf("added %d %v: %+v", n, err, got)
	}
	if got[0].ID == "" || got[4].ID == "" || got[1].ScheduledID == "" || got[2].ScheduledID == "" ||
		!got[3].Duplicate || got[3].ScheduledID != got[2].ScheduledID || !got[1].NotBefore.Equal(later) {
		t.Fatalf("adds: %+v", got)
	}
	st, err := c.Stats(ctx(t))
	if err != nil || st.Length != 2 || st.Scheduled != 2 {
		t.Fatalf("stats: %+v %v", st, err)
	}
	page, err := c.StreamPage(ctx(t), StreamQuery{})
	if err != nil || page.ScheduledTotal != 2 || len(page.Scheduled) != 2 || page.Scheduled[0].ID != got[1].ScheduledID ||
		page.Scheduled[1].Message() != "later, once" || !page.Scheduled[0].Wait.Until.Equal(later) {
		t.Fatalf("stream page's scheduled: %+v %v", page.Scheduled, err)
	}
	if p, err := c.StreamPage(ctx(t), StreamQuery{Forward: true}); err != nil || p.Scheduled != nil {
		t.Fatalf("the oldest end lists scheduled messages: %+v %v", p.Scheduled, err)
	}
}

// Stats sends its scripts by their SHA in one pipeline: a server that
// forgot them (restarted, failed over) gets them again, and the numbers
// still come.
func TestStatsAfterTheServerForgetsItsScripts(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now})
	mustAdd(t, c, 1)
	if _, err := c.AddContactLater(ctx(t), "", "Ada", "ada@example.org", "later", clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := do(t, c, "SCRIPT", "FLUSH").Error(); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	st, err := c.Stats(ctx(t))
	if err != nil || st.Length != 2 || st.Scheduled != 0 || st.OldestUnclaimed < 0 {
		t.Fatalf("stats after SCRIPT FLUSH: %+v %v", st, err)
	}
}

// Retention never removes an entry that waits: acknowledged out of the
// pending list, a snoozed or backing-off entry is still not done with.
func TestTrimKeepsWaitingEntries(t *testing.T) {
	clock := newTestClock()
	c := newClient(t, Config{Now: clock.Now, RetryBackoff: time.Minute})
	ids := mustAdd(t, c, 3)
	for i := range 3 {
		m := mustClaim(t, c)
		var err error
		switch i {
		case 0:
			err = c.Snooze(ctx(t), m.ID, clock.Now().Add(time.Hour))
		case 1:
			err = c.Release(ctx(t), m.ID)
		default:
			_, err = c.Ack(ctx(t), m.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.Trim(ctx(t), TrimQuery{Before: time.Now().Add(time.Hour)}, nil)
	if err != nil || res.Removed != 1 || res.Kept.Waiting != 2 {
		t.Fatalf("trim: %+v %v, want the acked one removed and the two waiting kept", res, err)
	}
	for _, id := range ids[:2] {
		if _, err := c.Get(ctx(t), id); err != nil {
			t.Fatalf("%s trimmed while it waits: %v", id, err)
		}
	}
}
