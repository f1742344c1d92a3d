package styles

import (
	"image/color"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestBuildModeDecidesOverTheTerminal(t *testing.T) {
	for _, c := range []struct {
		mode         Mode
		terminalDark bool
		want         bool
	}{
		{Auto, true, true}, {Auto, false, false},
		{Dark, false, true}, {Dark, true, true},
		{Light, true, false}, {Light, false, false},
	} {
		if got := Build(Options{Mode: c.mode}, c.terminalDark).IsDark; got != c.want {
			t.Errorf("mode %d on a dark=%v terminal: IsDark %v, want %v", c.mode, c.terminalDark, got, c.want)
		}
	}
}

func TestBuildOverridesEveryStyleOfAColour(t *testing.T) {
	pink := lipgloss.Color("#FF00AA")
	th := Build(Options{Mode: Light, Colors: map[string]color.Color{"accent": pink, "error": pink}}, true)
	for name, st := range map[string]lipgloss.Style{"Title": th.Title, "ActiveTab": th.ActiveTab, "Prompt": th.Prompt, "Error": th.Error, "StateDead": th.StateDead} {
		if !sameColor(st.GetForeground(), pink) {
			t.Errorf("%s: foreground %v, want the override", name, st.GetForeground())
		}
	}
	if !sameColor(th.Released.GetBackground(), pink) {
		t.Error("the RELEASED badge is drawn on the accent: it should take the override")
	}
	if base := New(false); !sameColor(th.Body.GetForeground(), base.Body.GetForeground()) {
		t.Error("a colour not overridden should stay the base's")
	}
}

func TestColorNamesAreThePalette(t *testing.T) {
	names := ColorNames()
	if len(names) != numColors {
		t.Fatalf("%d names for %d colours", len(names), numColors)
	}
	for i, n := range names {
		if n == "" {
			t.Errorf("colour %d has no name", i)
		}
	}
	names[0] = "changed"
	if ColorNames()[0] == "changed" {
		t.Error("ColorNames hands out the package's own array")
	}
}

func TestParseColor(t *testing.T) {
	for _, ok := range []string{"#7D56F4", "#7d56f4", "#75F", "0", "212", "255"} {
		if _, err := ParseColor(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "#", "#12", "#1234", "#GGGGGG", "purple", "256", "-1", "#7D56F4 "} {
		_, err := ParseColor(bad)
		if err == nil || !strings.Contains(err.Error(), "#RRGGBB") {
			t.Errorf("%q: %v, want an error that shows how to write a colour", bad, err)
		}
	}
}

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == b
	}
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}
