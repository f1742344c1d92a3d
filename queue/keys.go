package queue

import (
	"strings"
	"time"
)

// Defaults shared with the web example ("Message Queue with AWS ElastiCache
// and Next.js"), so both work the same stream side by side.
const (
	DefaultStream        = "contact-messages"
	DefaultGroup         = "contact-processors"
	DefaultReclaimAfter  = 60 * time.Second
	DefaultMaxDeliveries = 5
	DefaultTimeout       = 5 * time.Second

	// deadSuffix names the dead-letter stream after the main one.
	deadSuffix = ":dead"
	// groupStartSuffix names the hash, beside the stream, where reviewq
	// records where each consumer group started (field: group name, value:
	// the ID the group was created at). See GroupInfo.Start.
	groupStartSuffix = ":group-start"
)

// The fields a contact message carries, in the order the web example writes
// them.
const (
	FieldName      = "name"
	FieldEmail     = "email"
	FieldMessage   = "message"
	FieldTimestamp = "timestamp"
)

// The leading fields of a dead-letter entry, always these five pairs in this
// order; the original entry's fields follow. Reading them by position rather
// than by name means an original field called "reason" cannot be mistaken for
// ours.
const (
	deadFieldID         = "dead.id"
	deadFieldReason     = "dead.reason"
	deadFieldDeliveries = "dead.deliveries"
	deadFieldConsumer   = "dead.consumer"
	deadFieldAt         = "dead.at"
	deadMetaFields      = 5
)

// Reasons recorded on dead-letter entries that reviewq writes by itself.
const (
	ReasonMaxDeliveries = "max deliveries exceeded"
	ReasonDeleted       = "deleted from the stream while pending"
)

// DeadStreamFor is the default dead-letter stream of a stream: "<stream>:dead".
func DeadStreamFor(stream string) string { return stream + deadSuffix }

// clusterDeadStreamFor names the dead-letter stream so that it hashes to the
// same cluster slot as the stream: the claim and reject scripts touch both
// keys atomically, which a cluster only allows within one slot. "{s}:dead"
// hashes on "s", exactly as the untagged key "s" does.
func clusterDeadStreamFor(stream string) string {
	if hasHashTag(stream) {
		return stream + deadSuffix
	}
	return "{" + stream + "}" + deadSuffix
}

// groupStartKeyFor names the hash of the stream's group starts. In a cluster
// it shares the stream's slot, as the dead-letter stream does, so a script
// may read it beside the stream.
func groupStartKeyFor(stream string, cluster bool) string {
	if cluster && !hasHashTag(stream) {
		return "{" + stream + "}" + groupStartSuffix
	}
	return stream + groupStartSuffix
}

func hasHashTag(key string) bool {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return false
	}
	close := strings.IndexByte(key[open+1:], '}')
	return close > 0
}
