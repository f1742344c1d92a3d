package queue

import (
	"strconv"
	"strings"
	"sync"
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
	// groupStartUnknown is the value recorded there for a group reviewq
	// first met already used: its start is unknown, and nobody looks again
	// (see noteStart).
	groupStartUnknown = "unknown"
)

// The fields a contact message carries, in the order the web example writes
// them.
const (
	FieldName      = "name"
	FieldEmail     = "email"
	FieldMessage   = "message"
	FieldTimestamp = "timestamp"
	// FieldReplayOf is the field a replayed entry carries after the
	// original's fields: the original entry's ID (see Replay).
	FieldReplayOf = "replay.of"
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
func clusterDeadStreamFor(stream string) string { return slotMate(stream, deadSuffix) }

// claimCursorKey names the small key where the claim's sweep of a group's
// pending list resumes (see claimScript): "{<stream>}:claim-cursor:<group>",
// in the stream's cluster slot so the claim script can touch both. It holds
// one stream ID and expires when nobody claims from the group for a day.
func claimCursorKey(stream, group string) string {
	return slotMate(stream, ":claim-cursor:"+group)
}

// The keys below are reviewq's own, beside the stream and in its cluster
// slot (slotMate), because the scripts that change the stream write them in
// the same call. Those of a group carry the group's name: outcomes are the
// group's, as acks are.

// outcomesKey names where a group's outcome records are (see
// luaRecordLookup): the sorted set of the records too long for a bucket
// (and of those written before the buckets), ordered by entry ID; the
// buckets are outcomesKey+":b:<first ID>" and their index
// outcomesKey+":i". A record says claimed by whom and when, released,
// acked or dead-lettered by whom, when, after how long a hold, why, and
// redriven as what (see luaRecords).
func outcomesKey(stream, group string) string { return slotMate(stream, ":outcomes:"+group) }

// releasedKey names the sorted set of entries handed back (score: when,
// member: the ID), which the claim takes first.
func releasedKey(stream, group string) string { return slotMate(stream, ":released:"+group) }

// activityKey names the hash of a group's counts for the minute that
// starts at minute (see Activity): acks, dead letters, time-to-ack and
// held-time histograms, per reviewer. It expires after activityTTL.
func activityKey(stream, group string, minute time.Time) string {
	return slotMate(stream, ":activity:"+group+":"+strconv.FormatInt(minute.UnixMilli(), 10))
}

// arrivalsKey names the hash of the stream's arrivals per minute (field:
// the minute's start in ms) and the cursor of the count ("cursor"): see
// arrivalsScript.
func arrivalsKey(stream string) string { return slotMate(stream, ":arrivals") }

// trimLockKey names the lock one desk holds while it trims the stream (see
// TrimLock): its value is the holder's token, and it expires by itself
// when the holder stops renewing it.
func trimLockKey(stream string) string { return slotMate(stream, ":trim-lock") }

// idempotencyKey names the key that remembers, for IdempotencyWindow, the
// entry an idempotency key added.
func idempotencyKey(stream, key string) string { return slotMate(stream, ":idem:"+key) }

// The contents of the messages that wait (see waitingKey and
// scheduledKey), kept beside their sorted sets so that a message survives
// a trim of its original entry: hashes whose field is the member (the
// original entry's ID, or the scheduled ID) and whose value is the
// message's encoded fields and what its wait is (see lua/waiting.lua).
// A group's snoozed and backing-off messages are in two hashes, so each
// kind is counted with one HLEN.
func snoozedKey(stream, group string) string   { return slotMate(stream, ":snoozed:"+group) }
func backoffKey(stream, group string) string   { return slotMate(stream, ":backoff:"+group) }
func scheduledContentKey(stream string) string { return slotMate(stream, ":scheduled-content") }

// replicationMarkKey is written by an add that waits for replicas, just
// before it waits (see Client.waitCmds); it expires on its own.
func replicationMarkKey(stream string) string { return slotMate(stream, ":replication-mark") }

// slotMate names a key of reviewq's own, stream+suffix, in the stream's
// cluster slot: as it is when the stream has a hash tag, else with the
// stream as the tag. A stream name with a "}" but no tag would end that tag
// early, so such a name gets a short tag of the same slot instead.
func slotMate(stream, suffix string) string {
	switch {
	case hasHashTag(stream):
		return stream + suffix
	case !strings.Contains(stream, "}"):
		return "{" + stream + "}" + suffix
	}
	return "{" + sameSlotTag(keySlot(stream)) + "}:" + stream + suffix
}

var slotTags sync.Map // slot → the smallest decimal number hashing to it

func sameSlotTag(slot uint16) string {
	if t, ok := slotTags.Load(slot); ok {
		return t.(string)
	}
	for n := 0; ; n++ {
		if t := strconv.Itoa(n); keySlot(t) == slot {
			slotTags.Store(slot, t)
			return t
		}
	}
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

// waitingKey names the sorted set of a group's messages that wait out of
// everyone's reach, snoozed or backing off before a retry: member the
// original entry's ID, score when it is due (ms). Retention must never
// trim a member's entry.
func waitingKey(stream, group string) string { return slotMate(stream, ":waiting:"+group) }

// scheduledKey names the sorted set of the stream's messages added for
// later, not in the stream yet: member the scheduled ID, score when it is
// due (ms).
func scheduledKey(stream string) string { return slotMate(stream, ":scheduled") }
