package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/reviewq/reviewq/queue"
)

// The bulk add is measured against floors on the same server in the same
// run, with the same field sizes: a million messages of name, email, a
// 36-character message and the 24-character timestamp.
const (
	bulkLines   = 1_000_000
	bulkName    = "Ada Lovelace"
	bulkEmail   = "ada@example.org"
	bulkMessage = "Hello, this is message number %06d"
)

var (
	bulkOnce sync.Once
	bulkFile string
)

func bulkInput(b *testing.B) string {
	bulkOnce.Do(func() {
		var buf bytes.Buffer
		for i := 0; i < bulkLines; i++ {
			fmt.Fprintf(&buf, `{"name":%q,"email":%q,"message":%q}`+"\n", bulkName, bulkEmail, fmt.Sprintf(bulkMessage, i))
		}
		dir, err := os.MkdirTemp("", "reviewq-bench-*")
		if err != nil {
			b.Fatal(err)
		}
		bulkFile = filepath.Join(dir, "bulk.jsonl")
		if err := os.WriteFile(bulkFile, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
	})
	return bulkFile
}

func rate(b *testing.B, entries int) {
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkBulkAdd: `reviewq add --from` of a million lines (read, parse,
// validate every line, then add in order), against valkey-go pipelining the
// same XADDs from 50 goroutines 16 at a time, and redis-benchmark -c 50
// -P 16 itself when it is installed. Compare entries/s.
func BenchmarkBulkAdd(b *testing.B) {
	file := bulkInput(b)
	b.Run("reviewq-add-from", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			stream := "bench:bulk:reviewq"
			del(b, stream)
			b.StartTimer()
			var out, errOut bytes.Buffer
			code := Run(context.Background(), []string{"--url", "redis://" + srv.Addr, "--stream", stream, "add", "--from", file},
				strings.NewReader(""), &out, &errOut)
			if code != 0 {
				b.Fatal(errOut.String())
			}
		}
		rate(b, bulkLines)
	})
	b.Run("valkey-go-pipelined-xadd", func(b *testing.B) {
		vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
		if err != nil {
			b.Fatal(err)
		}
		defer vk.Close()
		stamp := queue.FormatTimestamp(time.Now())
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			stream := "bench:bulk:raw"
			del(b, stream)
			b.StartTimer()
			const clients, pipeline = 50, 16
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for w := 0; w < clients; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for start := w * pipeline; start < bulkLines; start += clients * pipeline {
						cmds := make(valkey.Commands, 0, pipeline)
						for j := start; j < min(start+pipeline, bulkLines); j++ {
							cmds = append(cmds, vk.B().Xadd().Key(stream).Id("*").FieldValue().
								FieldValue("name", bulkName).FieldValue("email", bulkEmail).
								FieldValue("message", fmt.Sprintf(bulkMessage, j)).FieldValue("timestamp", stamp).Build())
						}
						for _, r := range vk.DoMulti(context.Background(), cmds...) {
							if err := r.Error(); err != nil {
								errs <- err
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		rate(b, bulkLines)
	})
	b.Run("redis-benchmark", func(b *testing.B) {
		bin, err := exec.LookPath("redis-benchmark")
		if err != nil {
			if bin, err = exec.LookPath("valkey-benchmark"); err != nil {
				b.Skip("no redis-benchmark or valkey-benchmark installed")
			}
		}
		host, port, _ := strings.Cut(srv.Addr, ":")
		perSecond := regexp.MustCompile(`([0-9.]+) requests per second`)
		var sum float64
		for i := 0; i < b.N; i++ {
			del(b, "bench:bulk:redis-benchmark")
			out, err := exec.Command(bin, "-h", host, "-p", port, "-c", "50", "-P", "16", "-n", strconv.Itoa(bulkLines), "-q",
				"XADD", "bench:bulk:redis-benchmark", "*", "name", bulkName, "email", bulkEmail,
				"message", fmt.Sprintf(bulkMessage, 0), "timestamp", queue.FormatTimestamp(time.Now())).CombinedOutput()
			m := perSecond.FindAllSubmatch(out, -1)
			if err != nil || len(m) == 0 {
				b.Fatalf("%s: %v: %s", bin, err, out)
			}
			r, _ := strconv.ParseFloat(string(m[len(m)-1][1]), 64)
			sum += r
		}
		b.ReportMetric(sum/float64(b.N), "entries/s")
	})
}

func del(b *testing.B, keys ...string) {
	vk, err := queue.Dial(context.Background(), queue.ServerOptions{Endpoint: srv.Addr})
	if err != nil {
		b.Fatal(err)
	}
	defer vk.Close()
	if err := vk.Do(context.Background(), vk.B().Del().Key(keys...).Build()).Error(); err != nil {
		b.Fatal(err)
	}
}
