package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/reviewq/reviewq/internal/testserver"
)

// add --wait-replicas: when the replica does not confirm in time, the add
// names the entry that is on the primary but not yet safe and exits 2; the
// same idempotency key again, once the replica caught up, adds nothing
// twice and succeeds.
func TestAddWaitReplicas(t *testing.T) {
	primary := testserver.StartT(t)
	_, link := testserver.StartReplicaT(t, primary)
	add := []string{"add", "--wait-replicas", "1", "--timeout", "1s",
		"--name", "Ada", "--email", "ada@example.org", "--message", "Hello", "--idempotency-key", "form-1"}

	if r := runOn(t, primary.Addr, "add", "--wait-replicas", "1", "--name", "Bo", "--email", "bo@example.org", "--message", "Hi"); r.code != 0 || !strings.HasPrefix(r.stdout, "added ") {
		t.Fatalf("add with the replica online: %+v", r)
	}

	link.Hold()
	r := runOn(t, primary.Addr, add...)
	id := strings.TrimSuffix(strings.TrimPrefix(r.stdout, "added "), ", not yet safe\n")
	want := "reviewq: add: " + id + " is on the primary but not yet on 1 replica (0 confirmed within "
	if r.code != 2 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "retry with the same --idempotency-key to wait again: it adds nothing twice") {
		t.Fatalf("add with the link held: %+v\nwant stderr to start %q", r, want)
	}
	r = runOn(t, primary.Addr, append(add, "--json")...)
	if r.code != 2 || !strings.Contains(r.stdout, `"replicated":false`) || !strings.Contains(r.stdout, `"streamMessageId":"`+id+`"`) || !strings.Contains(r.stdout, `"duplicate":true`) {
		t.Fatalf("--json add with the link held: %+v", r)
	}

	link.Release()
	r = runOn(t, primary.Addr, add...)
	if r.code != 0 || r.stdout != "already added "+id+"\n" {
		t.Fatalf("retry once the replica caught up: %+v", r)
	}
	if r := runOn(t, primary.Addr, "stats", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"length":2`) {
		t.Fatalf("stats: %+v; want 2 entries, the retries added nothing", r)
	}
}

// A server without replicas (what a failover leaves) is named as such.
func TestAddWaitReplicasWithNone(t *testing.T) {
	r := run(t, "", "add", "--wait-replicas", "1", "--timeout", "500ms", "--name", "Ada", "--email", "ada@example.org", "--message", "Hello")
	if r.code != 2 || !strings.Contains(r.stderr, "not yet on 1 replica: no replica is connected to the primary; adding it again would add a second copy") {
		t.Fatalf("add on a lone server: %+v", r)
	}
	if r := run(t, "", "add", "--wait-replicas", "-1", "--name", "Ada", "--email", "ada@example.org", "--message", "Hello"); r.code != 1 {
		t.Fatalf("--wait-replicas -1: %+v", r)
	}
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"--embedded", "--wait-replicas", "1"}, strings.NewReader(""), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "the embedded server has no replicas") {
		t.Fatalf("console --embedded --wait-replicas 1: %d %q", code, errOut.String())
	}
}
