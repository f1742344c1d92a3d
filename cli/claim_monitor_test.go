package cli

import (
	"strings"
	"testing"

	"github.com/reviewq/reviewq/internal/testserver"
)

// connecting are the commands valkey-go sends to set up a connection (and
// keep it), before and beside what reviewq asks: the handshake, the
// cluster check, keep-alive pings.
var connecting = map[string]bool{"HELLO": true, "CLIENT": true, "CLUSTER": true, "AUTH": true, "SELECT": true, "PING": true}

// afterConnecting is what a process sent besides setting up connections.
func afterConnecting(cmds []testserver.Monitored) []testserver.Monitored {
	var out []testserver.Monitored
	for _, c := range cmds {
		if !connecting[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

// A `reviewq claim` process sends one command after connecting, the claim
// script's EVALSHA: no group check, no start record before it (they are in
// the script). It used to send XGROUP CREATE, then XINFO GROUPS with HGET,
// then the EVALSHA.
func TestClaimIsOneCommandAfterConnecting(t *testing.T) {
	s := testserver.StartT(t)
	for _, m := range []string{"first", "second", "third"} {
		if r := runOn(t, s.Addr, "add", "--name", "Ada", "--email", "ada@example.org", "--message", m); r.code != 0 {
			t.Fatalf("add: %+v", r)
		}
	}
	// The first claim ever loads the script (EVALSHA, then EVAL).
	if r := runOn(t, s.Addr, "claim", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"first"`) {
		t.Fatalf("first claim: %+v", r)
	}

	var r result
	cmds := s.Monitor(t, func() { r = runOn(t, s.Addr, "claim", "--json") })
	if r.code != 0 || !strings.Contains(r.stdout, `"second"`) || r.stderr != "" {
		t.Fatalf("claim: %+v", r)
	}
	if sent := afterConnecting(cmds); len(sent) != 1 || sent[0].Name != "EVALSHA" {
		t.Fatalf("a claim sent %d commands after connecting, want one EVALSHA:\n%s", len(sent), lines(sent))
	}

	// Acking the one finished costs nothing more.
	id := decode(t, r.stdout)["message"].(map[string]any)["streamMessageId"].(string)
	cmds = s.Monitor(t, func() { r = runOn(t, s.Addr, "claim", "--ack", id, "--json") })
	if r.code != 0 || !strings.Contains(r.stdout, `"third"`) || !strings.Contains(r.stdout, `"acked":1`) {
		t.Fatalf("claim --ack: %+v", r)
	}
	if sent := afterConnecting(cmds); len(sent) != 1 || sent[0].Name != "EVALSHA" {
		t.Fatalf("claim --ack sent %d commands after connecting, want one EVALSHA:\n%s", len(sent), lines(sent))
	}
}

func lines(cmds []testserver.Monitored) string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.Line
	}
	return strings.Join(out, "\n")
}
