package queue

import (
	"fmt"
	"testing"
)

// BenchmarkOutcomeRecordMemory measures what the outcome records cost the
// server per acked entry (MEMORY USAGE … SAMPLES 0 of the records' keys:
// the buckets, their index and the sorted set of long records), after n
// real claims and acks through AckAndClaim (so each record carries its
// hold), reviewers named like "alice@desk-3":
//
//	go test -run '^$' -bench OutcomeRecordMemory -benchtime 1x ./queue
func BenchmarkOutcomeRecordMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				c := newClient(b, Config{Stream: fmt.Sprintf("bench:memory:%d", n)})
				fillPending(b, c, n, "")
				reviewers := make([]*Client, 4)
				for i := range reviewers {
					reviewers[i] = c.WithConsumer(fmt.Sprintf("reviewer%d@desk-%d", i, i))
				}
				held := make([]string, len(reviewers))
				for i := 0; i < n+len(reviewers); i++ {
					r := reviewers[i%len(reviewers)]
					id := held[i%len(reviewers)]
					var res ClaimResult
					var err error
					if id == "" {
						res, err = r.Claim(ctx(b))
					} else {
						_, res, err = r.AckAndClaim(ctx(b), id)
					}
					if err != nil {
						b.Fatal(err)
					}
					held[i%len(reviewers)] = ""
					if res.Message != nil {
						held[i%len(reviewers)] = res.Message.ID
					}
				}
				records := int64(len(recordIDs(b, c, c.cfg.Group)))
				set := recordsMemory(b, c)
				stream, _ := do(b, c, "MEMORY", "USAGE", c.cfg.Stream, "SAMPLES", "0").AsInt64()
				if records != int64(n) {
					b.Fatalf("%d records after %d acks", records, n)
				}
				b.ReportMetric(float64(set)/float64(records), "B/record")
				b.ReportMetric(float64(stream)/float64(n), "stream-B/entry")
				_ = do(b, c, "DEL", c.cfg.Stream)
				delOwnKeys(b, c.vk, c.cfg.Stream)
			}
		})
	}
}
