package tui

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/styles"
)

// The flow tests run against a real server, started for the package by
// the first test that needs one; the screens' unit tests use a fake and
// need none, so -short runs them on a machine without a server binary.
var shared struct {
	once sync.Once
	srv  *testserver.Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	os.Exit(code)
}

// needsServer marks a test that runs against a real server: -short skips
// it; otherwise it runs, and a server that cannot start fails it.
func needsServer(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs against a real server: not with -short")
	}
}

// server is the package's shared server, started on first use.
func server(t testing.TB) *testserver.Server {
	t.Helper()
	needsServer(t)
	shared.once.Do(func() { shared.srv, shared.err = testserver.Start() })
	if shared.err != nil {
		t.Fatalf("testserver: %v", shared.err)
	}
	return shared.srv
}

// fixedNow is the clock of every golden file.
var fixedNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// realQueue is a client on its own stream, named after the test, with the
// group created.
func realQueue(t testing.TB, cfg queue.Config) *queue.Client {
	t.Helper()
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: server(t).Addr})
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
	return &Common{Deps: d, Theme: styles.New(true), keys: newKeyset(d.Keymap, screenList), Width: 100, Height: 24, timer: fakeTimer}
}

// timerFired is what a timer's Cmd returns at once in unit tests (see
// fakeTimer): the helpers that run Cmds drop it instead of waiting, and a
// test that wants the timer's message sends it itself.
type timerFired struct {
	after time.Duration
	msg   tea.Msg
}

// fakeTimer stands in for tea.Tick in unit tests.
func fakeTimer(d time.Duration, msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return timerFired{after: d, msg: msg} }
}
