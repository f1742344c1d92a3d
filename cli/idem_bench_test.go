package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reviewq/reviewq/termtext"
)

var (
	keyedOnce sync.Once
	keyedFile string
)

// keyedInput is bulkInput with an idempotency key on every line.
func keyedInput(b *testing.B) string {
	keyedOnce.Do(func() {
		var buf bytes.Buffer
		for i := 0; i < bulkLines; i++ {
			fmt.Fprintf(&buf, `{"name":%q,"email":%q,"message":%q,"idempotencyKey":"form-%08d"}`+"\n",
				bulkName, bulkEmail, fmt.Sprintf(bulkMessage, i), i)
		}
		dir, err := os.MkdirTemp("", "reviewq-bench-*")
		if err != nil {
			b.Fatal(err)
		}
		keyedFile = filepath.Join(dir, "keyed.jsonl")
		if err := os.WriteFile(keyedFile, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
	})
	return keyedFile
}

// BenchmarkBulkAddIdempotent: `reviewq add --from` of the same 200,000
// lines without keys (plain XADDs, as BenchmarkBulkAdd) and with an
// idempotency key on every line (the check-and-add script for each, in the
// same pipeline), side by side. Compare entries/s.
func BenchmarkBulkAddIdempotent(b *testing.B) {
	for _, tc := range []struct{ name, file string }{
		{"no-keys", bulkInput(b)},
		{"a-key-per-line", keyedInput(b)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// A stream of its own each time, also across -count runs
				// (hence the time): the keys of the last run would make
				// every line a duplicate.
				stream := fmt.Sprintf("bench:bulk:%s:%d:%d:%d", tc.name, b.N, i, time.Now().UnixNano())
				del(b, stream)
				b.StartTimer()
				var out, errOut bytes.Buffer
				code := Run(context.Background(), []string{"--url", "redis://" + srv.Addr, "--stream", stream, "add", "--from", tc.file},
					strings.NewReader(""), &out, &errOut)
				if code != 0 || !strings.Contains(out.String(), "added "+termtext.Plural(bulkLines, "message", "messages")) {
					b.Fatal(code, out.String(), errOut.String())
				}
				b.StopTimer()
				del(b, stream)
				b.StartTimer()
			}
			rate(b, bulkLines)
		})
	}
}
