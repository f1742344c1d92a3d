package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// pingScreen is a seventh screen, known to this test alone: adding it is
// its type and one entry in the list the console is built from.
type pingScreen struct {
	c       *Common
	actions []Action
	got     []string // what came back to it, in order
	spin    spinner.Model
}

const pingID ScreenID = "ping"

// pongMsg is a reply to the ping screen.
type pongMsg struct{ what string }

func newPingScreen(c *Common) Screen {
	s := &pingScreen{c: c, spin: spinner.New()}
	s.actions = []Action{{Name: "refresh", Desc: "ping", Run: do(s.ping)}}
	return s
}

// ping asks the server (the fake) and a bubbles component for something:
// both answers must come back here, whichever screen is in front.
func (s *pingScreen) ping() tea.Cmd {
	return tea.Batch(
		s.c.call(func(context.Context) tea.Msg { return pongMsg{"call"} }),
		s.spin.Tick,
	)
}

func (s *pingScreen) Init() tea.Cmd {
	return tea.Batch(
		func() tea.Msg { return pongMsg{"init"} },
		tea.Sequence(func() tea.Msg { return pongMsg{"first"} }, func() tea.Msg { return pongMsg{"second"} }),
	)
}

func (s *pingScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case pongMsg:
		s.got = append(s.got, msg.what)
	case spinner.TickMsg:
		s.got = append(s.got, "spinner") // and no next tick: it would spin for ever
	}
	return s, nil
}

func (s *pingScreen) View() string         { return "ping: " + strings.Join(s.got, ", ") }
func (s *pingScreen) SetSize(int, int)     {}
func (s *pingScreen) Title() string        { return "Ping" }
func (s *pingScreen) Actions() []Action    { return s.actions }
func (s *pingScreen) Mode() Mode           { return ModeNormal }
func (s *pingScreen) String() string       { return fmt.Sprint(s.got) }
func (s *pingScreen) reset()               { s.got = nil }
func (s *pingScreen) has(what string) bool { return slices.Contains(s.got, what) }

// A seventh screen, registered here alone, gets its replies (its Init's,
// a batch's, a sequence's, a server call's and a component's), even from
// behind another screen; it has a tab, a digit, a place in the help and
// in the texts that list screens, and its keys.
func TestASeventhScreen(t *testing.T) {
	t.Parallel()
	d := testDeps(annQueue())
	d.ReadOnly = true // Review lists the screens to browse with
	a := startedApp(t, newApp(d, append(slices.Clone(screenList), screenEntry{pingID, newPingScreen})))
	ping := screenOf[*pingScreen](a, pingID)
	for _, want := range []string{"init", "first", "second"} {
		if !ping.has(want) {
			t.Fatalf("Init's %q did not come back: %v", want, ping)
		}
	}
	requireContains(t, a, "7 Ping", "1-7 screens", "6 Activity and 7 Ping.")

	press(t, a, "7")
	if activeOf(a) != pingID {
		t.Fatalf("7 showed %s", activeOf(a))
	}
	requireContains(t, a, "ping: ", "ctrl+r ping")
	press(t, a, "?")
	requireContains(t, a, "1-7", "ctrl+r ping")
	press(t, a, "?")

	// Its replies come back to it after another screen came to the front.
	ping.reset()
	_, cmd := a.Update(keyPress("ctrl+r"))
	press(t, a, keyOf(a, reviewID))
	run(t, a, cmd)
	if activeOf(a) != reviewID || !ping.has("call") || !ping.has("spinner") {
		t.Fatalf("in front: %s; the ping screen got %v", activeOf(a), ping)
	}
	// tab goes round through it.
	press(t, a, "shift+tab")
	if activeOf(a) != pingID {
		t.Fatalf("shift+tab from the first showed %s, not the last", activeOf(a))
	}
}
