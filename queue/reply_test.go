package queue

import (
	"errors"
	"strings"
	"testing"

	"github.com/valkey-io/valkey-go"
)

// luaValue is what a script returning expr replies, as the client reads
// it: the replies below are the ones a script of another version, or a
// mistake in one, would send.
func luaValue(t *testing.T, vk valkey.Client, expr string) valkey.ValkeyMessage {
	t.Helper()
	msg, err := vk.Do(ctx(t), vk.B().Eval().Script("return "+expr).Numkeys(0).Build()).ToMessage()
	if err != nil && !valkey.IsValkeyNil(err) {
		t.Fatalf("return %s: %v", expr, err)
	}
	return msg
}

// expectBadReply fails unless err is ErrBadReply, saying where.
func expectBadReply(t *testing.T, what string, err error, where string) {
	t.Helper()
	var qe *Error
	if !errors.Is(err, ErrBadReply) || !errors.As(err, &qe) || !strings.Contains(err.Error(), where) {
		t.Errorf("%s: %v, want ErrBadReply at %s", what, err, where)
	}
	if !IsServerSide(err) {
		t.Errorf("%s: %v is not the server's side", what, err)
	}
}

// The decoder checks length, types and tags before it reads a field; what
// it does not expect is ErrBadReply, naming the part, and never a success.
func TestReplyDecoderRefusesWhatItDoesNotExpect(t *testing.T) {
	vk := dial(t, srv.Addr)
	shapes := map[string]int{"ok": 3, "held": 2}
	read := func(r *reply) { r.str(0); r.int(1); r.id(2) }
	for _, c := range []struct {
		name, reply, where string
		tagged             bool
	}{
		{"nil", "false", "reply: nil, want an array", false},
		{"an integer", "1", "reply: the integer 1, want an array", false},
		{"a string", "'ok'", `reply: "ok", want an array`, false},
		{"too short", "{'a', 1}", "reply: 2 parts, want 3", false},
		{"too long", "{'a', 1, '1-1', 4}", "reply: 4 parts, want 3", false},
		{"an integer for a string", "{1, 1, '1-1'}", "reply[0]: the integer 1, want a string", false},
		{"an array for a string", "{{}, 1, '1-1'}", "reply[0]: an array, want a string", false},
		{"text for an integer", "{'a', 'x1', '1-1'}", `reply[1]: "x1", want an integer`, false},
		{"not an ID", "{'a', 1, 'yesterday'}", `reply[2]: "yesterday", want a stream ID`, false},
		{"a bare time for an ID", "{'a', 1, '17'}", `reply[2]: "17", want a stream ID`, false},
		{"an error inside", "{'a', 1, redis.error_reply('ERR inner')}", `reply[2]: the error "inner", want a string`, false},
		{"unknown tag", "{'weird', 1, '1-1'}", `reply[0]: unknown tag "weird"`, true},
		{"tag of another shape", "{'held', 1, '1-1'}", `reply: 3 parts for tag "held", want 2`, true},
		{"no tag", "{}", "reply: an empty array, want a tag first", true},
		{"a tag that is no string", "{7, 1, '1-1'}", "reply[0]: the integer 7, want a string", true},
		{"nil for a tagged reply", "false", "reply: nil, want an array", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := luaValue(t, vk, c.reply)
			var r *reply
			if c.tagged {
				_, r = newTaggedReply("test", msg, shapes)
			} else {
				r = newReply("test", msg, 3)
			}
			read(r)
			expectBadReply(t, c.reply, r.err(), c.where)
		})
	}

	// Nested arrays: their length and the parts inside, named by path.
	for _, c := range []struct{ reply, where string }{
		{"{{{'1-1', {'a'}, 0}}}", "reply[0][0][1]: 1 strings, want field, value pairs"},
		{"{{{'1-1', {'a', 'b'}}}}", "reply[0][0]: 2 parts, want 3"},
		{"{{{'1-1', {'a', 'b'}, 2}}}", "reply[0][0][2]: 2, want 0 or 1"},
		{"{{{'1-1', {'a', 'b'}, 0}, 'x'}}", "reply[0][1]: \"x\", want an array"},
	} {
		msg := luaValue(t, vk, c.reply)
		r := newReply("test", msg, 1)
		r.rows(0, 3, func(row *reply) { parseCutEntry(row) })
		expectBadReply(t, c.reply, r.err(), c.where)
	}

	// What it expects reads as it should.
	_, r := newTaggedReply("test", luaValue(t, vk, "{'ok', '12', '5-1'}"), shapes)
	if s, n, id := r.str(0), r.int(1), r.id(2); r.err() != nil || s != "ok" || n != 12 || id != "5-1" {
		t.Fatalf("a good reply read as %q %d %q: %v", s, n, id, r.err())
	}
}

// Every script's decoder fails cleanly, with ErrBadReply, on replies of
// the wrong shape: none panics, none reads one as a success, and an
// unknown tag is an error (touch used to take one for "ok").
func TestScriptDecodersRefuseMalformedReplies(t *testing.T) {
	vk := dial(t, srv.Addr)
	decoders := map[string]func(valkey.ValkeyMessage) error{
		"claim.lua": func(m valkey.ValkeyMessage) error { _, _, err := parseClaimReply("claim", m); return err },
		"claim_id.lua": func(m valkey.ValkeyMessage) error {
			_, err := parseClaimIDReply("claim", m, "alice", "dead")
			return err
		},
		"ack.lua":       func(m valkey.ValkeyMessage) error { _, _, err := parseAckReply("ack", m); return err },
		"touch.lua":     func(m valkey.ValkeyMessage) error { _, err := parseTouchReply("touch", m); return err },
		"reject.lua":    func(m valkey.ValkeyMessage) error { _, err := parseRejectReply("reject", m); return err },
		"redrive.lua":   func(m valkey.ValkeyMessage) error { _, err := parseRedriveReply("redrive", m); return err },
		"page.lua":      func(m valkey.ValkeyMessage) error { _, _, _, _, err := parsePage(m); return err },
		"waits.lua":     func(m valkey.ValkeyMessage) error { _, _, err := parseWaits(m); return err },
		"promote.lua":   func(m valkey.ValkeyMessage) error { _, err := parsePromoteReply(m); return err },
		"search.lua":    func(m valkey.ValkeyMessage) error { _, err := parseSearchReply(m); return err },
		"replay.lua":    func(m valkey.ValkeyMessage) error { _, err := parseReplayReply("replay", m); return err },
		"unread.lua":    func(m valkey.ValkeyMessage) error { _, _, err := parseUnreadReply(m); return err },
		"trim.lua":      func(m valkey.ValkeyMessage) error { _, err := parseTrimReply(m); return err },
		"trim_dead.lua": func(m valkey.ValkeyMessage) error { _, _, err := parseTrimDeadReply(m); return err },
		"lock.lua":      func(m valkey.ValkeyMessage) error { _, _, err := parseLockReply(m); return err },
		"oldest.lua":    func(m valkey.ValkeyMessage) error { _, err := parseOldestReply(m); return err },
		"arrivals.lua":  func(m valkey.ValkeyMessage) error { _, _, err := parseArrivalsReply(m); return err },
		"add_once.lua":  func(m valkey.ValkeyMessage) error { _, err := parseAddedOnce(m); return err },
		"XPENDING row":  func(m valkey.ValkeyMessage) error { _, err := parsePendingRow(m); return err },
	}
	for _, malformed := range []string{"false", "7", "{}", "{'weird'}", "{'ok', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}", "{{}, {}, {}, {}, {}}"} {
		for name, decode := range decoders {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s on %s panicked: %v", name, malformed, p)
					}
				}()
				expectBadReply(t, name+" on "+malformed, decode(luaValue(t, vk, malformed)), "reply")
			}()
		}
	}

	// The cases the issue names. A claim of an unknown kind is no claim.
	claim := "{'%s', '1-1', {'name', 'Ada'}, 1, '', 0, {}, {}, 0, {1, 0, 30}, '', '', {}}"
	if _, res, err := parseClaimReply("claim", luaValue(t, vk, strings.Replace(claim, "%s", claimNew, 1))); err != nil || res.Message == nil || res.Message.ID != "1-1" {
		t.Fatalf("a good claim reply: %+v %v", res, err)
	}
	_, _, err := parseClaimReply("claim", luaValue(t, vk, strings.Replace(claim, "%s", "stolen", 1)))
	expectBadReply(t, "a claim of an unknown kind", err, `reply[0]: unknown kind "stolen"`)
	// The claim's scan figures were read only when they looked right.
	_, _, err = parseClaimReply("claim", luaValue(t, vk, "{'empty', '', {}, 0, '', 0, {}, {}, 0, {1, 0}, '', '', {}}"))
	expectBadReply(t, "a claim's scan of 2 figures", err, "reply[9]: 2 parts, want 3")
	// A replay whose cursor is not an ID stops with an error, not as done.
	_, err = parseReplayReply("replay", luaValue(t, vk, "{1, 100, 'later', {}}"))
	expectBadReply(t, "a replay cursor", err, `reply[2]: "later", want a stream ID`)
	// A held reply without the holder.
	_, err = parseClaimIDReply("claim", luaValue(t, vk, "{'held'}"), "alice", "dead")
	expectBadReply(t, "held without its holder", err, `1 parts for tag "held", want 3`)
	// A dead letter's ID that is none.
	_, err = parseRejectReply("reject", luaValue(t, vk, "{'ok', 5}"))
	expectBadReply(t, "reject's dead-letter ID", err, "reply[1]: the integer 5, want a string")
	// A page whose pending rows are not triples.
	_, _, _, _, err = parsePage(luaValue(t, vk, "{{}, {'1-1', 'alice'}, {}, {}}"))
	expectBadReply(t, "page's pending rows", err, "reply[1]: 2 strings, want id, consumer, deliveries triples")
	// A wait of a kind nobody writes, and a scheduled message said to be
	// in the stream.
	_, _, _, _, err = parsePage(luaValue(t, vk, "{{}, {}, {}, {{'1-1', 'napping', 'alice', '1', '2', '0', ''}}}"))
	expectBadReply(t, "page's wait of an unknown kind", err, `unknown wait "napping"`)
	_, _, _, _, err = parsePage(luaValue(t, vk, "{{}, {}, {}, {{'1-1', 'scheduled', '', '', '2', '', ''}}}"))
	expectBadReply(t, "page's scheduled wait", err, "a scheduled message in the stream")
	// A scheduled add answered with a stream ID for its scheduled ID.
	_, err = parseAddedOnce(luaValue(t, vk, "{'1-1', 'stamp', 0, '1700000000000'}"))
	expectBadReply(t, "an add for later without a scheduled ID", err, `"1-1", want a scheduled ID`)
}
