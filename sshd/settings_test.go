package sshd

import (
	"image/color"
	"strings"
	"testing"

	"github.com/reviewq/reviewq/styles"
)

// Each session names the desk's profile and draws in the settings'
// theme: forced light here, with an orange accent, whatever the
// session's terminal would say.
func TestSessionsShowTheProfileAndTheSettingsTheme(t *testing.T) {
	alice := newKey(t)
	orange := color.RGBA{0xFF, 0x5F, 0x00, 0xFF}
	d := startDesk(t, Config{Profile: "desk", Theme: styles.Options{Mode: styles.Light, Colors: map[string]color.Color{"accent": orange}}}, as(alice, "alice"))
	tm := openTerm(t, d.addr, "alice", keyAuth(alice))
	tm.waitFor("profile desk")
	// xterm-256color: the light header's #EAEEF2 is colour 195, the
	// orange 202; the dark header would be 235.
	raw := tm.out.String()
	if !strings.Contains(raw, "48;5;195") || strings.Contains(raw, "48;5;235") || !strings.Contains(raw, "38;5;202") {
		t.Errorf("the session did not draw the light theme with the orange accent:\n%q", raw[:min(len(raw), 400)])
	}
}
