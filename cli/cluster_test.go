package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/reviewq/reviewq/internal/testserver"
)

// The commands against a real three-node cluster, on streams served by
// different nodes, through one seed address.
func TestCommandsOnAThreeNodeCluster(t *testing.T) {
	cl := testserver.StartClusterT(t, 3)
	// Stream names on each node: slots are split evenly in node order.
	byNode := map[*testserver.Server]string{}
	for i := 0; len(byNode) < 3; i++ {
		name := fmt.Sprintf("cli:cluster:%d", i)
		node, err := cl.NodeForKey(name)
		if err != nil {
			t.Fatal(err)
		}
		if byNode[node] == "" {
			byNode[node] = name
		}
	}
	for n, node := range cl.Nodes {
		stream := byNode[node]
		t.Run(fmt.Sprintf("node%d", n), func(t *testing.T) {
			runOn := func(stdin string, args ...string) result {
				t.Helper()
				base := []string{"--url", "redis://" + cl.Nodes[0].Addr, "--stream", stream, "--consumer", "alice"}
				var out, errOut bytes.Buffer
				code := Run(context.Background(), append(base, args...), strings.NewReader(stdin), &out, &errOut)
				return result{code, out.String(), errOut.String()}
			}
			must := func(r result) result {
				t.Helper()
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				return r
			}
			must(runOn("", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "one"))
			lines := `{"name":"Bo","email":"bo@example.org","message":"two"}` + "\n" + `{"name":"Cy","email":"cy@example.org","message":"three"}`
			if r := must(runOn(lines, "add", "--from", "-", "--json")); strings.Count(r.stdout, "streamMessageId") != 2 {
				t.Fatalf("bulk add: %q", r.stdout)
			}
			claimed := decode(t, must(runOn("", "claim", "--json")).stdout)["message"].(map[string]any)
			if claimed["message"] != "one" {
				t.Fatalf("claim: %v", claimed)
			}
			id := claimed["streamMessageId"].(string)
			r := decode(t, must(runOn("", "claim", "--json", "--ack", id)).stdout)
			next := r["message"].(map[string]any)
			if r["acked"] != float64(1) || next["message"] != "two" {
				t.Fatalf("claim --ack: %v", r)
			}
			nextID := next["streamMessageId"].(string)
			must(runOn("", "reject", nextID, "--reason", "spam"))
			if r := must(runOn("", "dead", "list")); !strings.Contains(r.stdout, nextID) || !strings.Contains(r.stdout, "spam") {
				t.Fatalf("dead list: %q", r.stdout)
			}
			third := decode(t, must(runOn("", "claim", "--json")).stdout)["message"].(map[string]any)["streamMessageId"].(string)
			if r := must(runOn("", "pending")); !strings.Contains(r.stdout, third) {
				t.Fatalf("pending: %q", r.stdout)
			}
			if r := must(runOn("", "pending", "--min-idle", "1h")); !strings.Contains(r.stdout, "scanned 1 of 1 pending") {
				t.Fatalf("pending --min-idle: %q", r.stdout)
			}
			var st struct {
				Length     int64 `json:"length"`
				DeadLength int64 `json:"deadLength"`
				DeadStream string
				Group      struct{ Pending int64 }
			}
			if err := json.Unmarshal([]byte(must(runOn("", "stats", "--json")).stdout), &st); err != nil ||
				st.Length != 3 || st.DeadLength != 1 || st.Group.Pending != 1 || st.DeadStream != "{"+stream+"}:dead" {
				t.Fatalf("stats: %+v %v", st, err)
			}
			rows := decode(t, must(runOn("", "range", "--json", "--forward")).stdout)["entries"].([]any)
			if len(rows) != 3 || rows[2].(map[string]any)["state"] != "pending" || rows[0].(map[string]any)["state"] != "acked" {
				t.Fatalf("range: %v", rows)
			}
			// Everything went to the node that serves the stream.
			slot, err := node.Command("CLUSTER", "KEYSLOT", stream)
			if err != nil {
				t.Fatal(err)
			}
			inSlot, err := node.Int("CLUSTER", "COUNTKEYSINSLOT", strings.TrimPrefix(slot, ":"))
			if n, err2 := node.Int("DBSIZE"); err != nil || err2 != nil || n != inSlot || n < 2 {
				t.Fatalf("node %s: %d keys, %d in the stream's slot (%v %v), want all of them there: the stream, its dead letters…", node.Addr, n, inSlot, err, err2)
			}
		})
	}
}
