package tui

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	"github.com/reviewq/reviewq/form"
)

// A Compose draft adds one message however often it is submitted: its
// idempotency key is a random nonce drawn when the draft begins (kept
// until it is added) and a digest of its text. So ctrl+s pressed twice,
// or a retry of the same text after a timeout that did reach the server,
// finds the first entry instead of adding a second; a draft edited after
// a failed submit is a message of its own.

// newDraftNonce begins a draft.
func newDraftNonce() string { return rand.Text() }

// draftKey is the idempotency key of the draft c under nonce.
func draftKey(nonce string, c form.Contact) string {
	h := sha256.New()
	for _, v := range []string{c.Name, c.Email, c.Message} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return "compose:" + nonce + ":" + hex.EncodeToString(h.Sum(nil)[:16])
}
