package queue

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/valkey-io/valkey-go"
)

var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv, stopScaleServer, stopContractServers) }

// dial connects to a server, closing the client when the test ends.
func dial(t testing.TB, addr string) valkey.Client {
	t.Helper()
	vk, err := Dial(context.Background(), ServerOptions{Endpoint: addr})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(vk.Close)
	return vk
}

// newClient gives each test its own stream, named after the test, with its
// group created.
func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	return newClientOn(t, dial(t, srv.Addr), cfg)
}

func newClientOn(t testing.TB, vk valkey.Client, cfg Config) *Client {
	t.Helper()
	if cfg.Stream == "" {
		cfg.Stream = "test:" + strings.ReplaceAll(t.Name(), "/", ":")
	}
	if cfg.Consumer == "" {
		cfg.Consumer = "alice"
	}
	c, err := New(vk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Start empty, so -count=N runs do not see the previous run's entries.
	if err := do(t, c, "DEL", c.cfg.Stream, c.cfg.DeadStream, claimCursorKey(c.cfg.Stream, c.cfg.Group)).Error(); err != nil {
		t.Fatal(err)
	}
	delOwnKeys(t, vk, c.cfg.Stream)
	if err := c.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// delOwnKeys deletes reviewq's own keys beside a stream (outcomes,
// activity, arrivals, idempotency keys …), all named "{stream}…" (see
// slotMate). KEYS is fine on a test server.
func delOwnKeys(t testing.TB, vk valkey.Client, stream string) {
	t.Helper()
	if hasHashTag(stream) || strings.ContainsAny(stream, "}*?[]\\") {
		t.Fatalf("delOwnKeys: use a plain stream name, not %q", stream)
	}
	keys, err := vk.Do(context.Background(), vk.B().Keys().Pattern("{"+stream+"}*").Build()).AsStrSlice()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := vk.Do(context.Background(), vk.B().Del().Key(k).Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
}

// testClock is a client clock (Config.Now) a test moves by hand. It starts
// at the middle of the current minute.
type testClock struct {
	mu    sync.Mutex
	start time.Time
	now   time.Time
}

func newTestClock() *testClock {
	t := time.Now().UTC().Truncate(time.Minute).Add(30 * time.Second)
	return &testClock{start: t, now: t}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustAdd(t testing.TB, c *Client, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		a, err := c.AddContact(ctx(t), "Ada", "ada@example.org", "message "+string(rune('A'+i%26)))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	return ids
}

func mustClaim(t testing.TB, c *Client) *Claimed {
	t.Helper()
	r, err := c.Claim(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Message == nil {
		t.Fatal("claim: queue empty, want a message")
	}
	return r.Message
}

// do runs a raw command through the test's client.
func do(t testing.TB, c *Client, args ...string) valkey.ValkeyResult {
	t.Helper()
	return c.vk.Do(ctx(t), c.vk.B().Arbitrary(args[0]).Args(args[1:]...).Build())
}

// makeIdle pretends an entry has been idle (and delivered) as given, the
// way a reviewer who walked away would leave it.
func makeIdle(t testing.TB, c *Client, owner, id string, idle time.Duration, deliveries int) {
	t.Helper()
	if err := do(t, c, "XCLAIM", c.cfg.Stream, c.cfg.Group, owner, "0", id,
		"IDLE", ms(idle), "RETRYCOUNT", itoa(deliveries), "JUSTID").Error(); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func testserverFreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func startServer(t testing.TB, extra ...string) *testserver.Server {
	return testserver.StartT(t, extra...)
}
