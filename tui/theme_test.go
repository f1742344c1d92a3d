package tui

import (
	"bytes"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/reviewq/reviewq/styles"
)

var (
	darkTerminal  = tea.BackgroundColorMsg{Color: color.Black}
	lightTerminal = tea.BackgroundColorMsg{Color: color.White}
)

func TestTheThemeFollowsTheTerminalUnlessTheSettingsSayOtherwise(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode                styles.Mode
		before, dark, light bool // IsDark before the terminal answers, and after each answer
	}{
		{styles.Auto, true, true, false},
		{styles.Dark, true, true, true},
		{styles.Light, false, false, false},
	} {
		d := testDeps(newFakeQueue())
		d.ThemeOptions = styles.Options{Mode: c.mode}
		a := New(d)
		if a.c.Theme.IsDark != c.before {
			t.Errorf("mode %s before the terminal answers: dark %v", c.mode, a.c.Theme.IsDark)
		}
		a.Update(darkTerminal)
		if a.c.Theme.IsDark != c.dark {
			t.Errorf("mode %s on a dark terminal: dark %v", c.mode, a.c.Theme.IsDark)
		}
		a.Update(lightTerminal)
		if a.c.Theme.IsDark != c.light {
			t.Errorf("mode %s on a light terminal: dark %v", c.mode, a.c.Theme.IsDark)
		}
	}
}

// A colour override reaches the terminal, on the forced base: here a
// light theme on a terminal that says it is dark.
func TestAColourOverrideIsDrawn(t *testing.T) {
	t.Parallel()
	d := testDeps(newFakeQueue())
	d.ThemeOptions = styles.Options{Mode: styles.Light, Colors: map[string]color.Color{"accent": color.RGBA{0x12, 0x34, 0x56, 0xff}}}
	o := &observed{App: New(d)}
	tm := teatest.NewTestModel(t, o, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor)))
	t.Cleanup(func() { tm.Quit() })
	tm.Send(darkTerminal)
	sendKeys(tm, "2") // the Pending tab, drawn in the accent once it is in front
	const (
		accent     = "38;2;18;52;86"    // #123456, the override
		lightPanel = "48;2;234;238;242" // #EAEEF2, the light header
		darkPanel  = "48;2;33;38;45"    // #21262D, the dark header
	)
	var seen bytes.Buffer
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen.Write(b)
		return strings.Contains(o.snapshot(), "Pending") && strings.Contains(seen.String(), accent) && strings.Contains(seen.String(), lightPanel)
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*observed)
	if final.c.Theme.IsDark {
		t.Error("a dark terminal turned a forced light theme dark")
	}
	if strings.Contains(seen.String(), darkPanel) {
		t.Error("the dark header was drawn")
	}
}

func TestTheHeaderNamesTheProfile(t *testing.T) {
	t.Parallel()
	d := testDeps(newFakeQueue())
	d.Profile = "prod"
	if v := ansi.Strip(newTestApp(t, d).View().Content); !strings.Contains(strings.SplitN(v, "\n", 2)[0], "profile prod") {
		t.Errorf("header:\n%s", v)
	}
	if v := ansi.Strip(newTestApp(t, testDeps(newFakeQueue())).View().Content); strings.Contains(v, "profile") {
		t.Errorf("no profile, yet the header names one:\n%s", v)
	}
}
