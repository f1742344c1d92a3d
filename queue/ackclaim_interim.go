package queue

import "context"

// AckAndClaim acknowledges id and claims the next message, returning how
// many of id were acked (0 when it was no longer pending) and the claim.
//
// Interim, for the console's `A` key: two calls, Ack then Claim. It is
// replaced by the queue's one-round-trip script with the same signature;
// this file is dropped when that lands.
func (c *Client) AckAndClaim(ctx context.Context, id string) (int64, ClaimResult, error) {
	n, err := c.Ack(ctx, id)
	if err != nil {
		return 0, ClaimResult{}, err
	}
	res, err := c.Claim(ctx)
	return n, res, err
}
