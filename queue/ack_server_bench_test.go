package queue

import (
	"context"
	"testing"
)

// BenchmarkAckAndClaimServerTime is the review loop's script alone on the
// server (INFO commandstats: its commands included, no round trip): each
// call acks the message held, writing its outcome record, and claims the
// next, over a stream of 20,000 that grows its records as it goes.
//
//	go test -run '^$' -bench AckAndClaimServerTime -benchtime 20000x -count 6 ./queue
func BenchmarkAckAndClaimServerTime(b *testing.B) {
	c := benchClient(b, "ackclaim-server")
	fillPending(b, c, 2, "") // benchClient added b.N; commandTime calls once more
	ctx := context.Background()
	first, err := c.Claim(ctx)
	if err != nil || first.Message == nil {
		b.Fatalf("first claim: %+v %v", first, err)
	}
	id := first.Message.ID
	commandTime(b, c, "evalsha", func() {
		n, r, err := c.AckAndClaim(ctx, id)
		if err != nil || n != 1 || r.Message == nil {
			b.Fatalf("ack and claim: %d %+v %v", n, r, err)
		}
		id = r.Message.ID
	})
}
