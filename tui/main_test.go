package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// The flow tests run against a real server, started once for the package.
var srv *testserver.Server

func TestMain(m *testing.M) { testserver.Main(m, &srv) }

// fixedNow is the clock of every golden file.
var fixedNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// realQueue is a client on its own stream, named after the test, with the
// group created.
func realQueue(t testing.TB, cfg queue.Config) *queue.Client {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	if cfg.Stream == "" {
		cfg.Stream = "tui:" + strings.ReplaceAll(t.Name(), "/", ":")
	}
	if cfg.Consumer == "" {
		cfg.Consumer = "alice"
	}
	c, err := queue.New(vk, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// realDeps are the deps of a console on a real queue.
func realDeps(q *queue.Client) Deps {
	cfg := q.Config()
	return Deps{
		Queue: q, Server: "127.0.0.1", Stream: cfg.Stream, Group: cfg.Group,
		Consumer: cfg.Consumer, ReclaimAfter: cfg.ReclaimAfter, Location: time.UTC,
		StatsEvery: 200 * time.Millisecond, PollEvery: 100 * time.Millisecond,
	}
}

// testCommon is a Common for screen unit tests, at the golden size's body,
// on the golden clock and in UTC.
func testCommon(q Queue) *Common {
	d := Deps{
		Queue: q, Server: "127.0.0.1:6379", Stream: "contact-messages", Group: "contact-processors",
		Consumer: "alice", ReclaimAfter: time.Minute, Now: func() time.Time { return fixedNow },
		Location: time.UTC,
	}.withDefaults()
	return &Common{Deps: d, Theme: styles.New(true), Keys: DefaultKeyMap(), Width: 100, Height: 24}
}
