package queue

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/valkey-io/valkey-go"
)

// reply reads a script's reply (or any array reply) with its shape checked
// before a field is read: an array of the expected length, each part of
// the expected type, a tag among those expected. The first problem sticks:
// every later read returns a zero value, and err reports the problem as
// ErrBadReply, so a caller reads every part it needs and checks err once.
// Nothing a reply holds is converted without its error being kept.
type reply struct {
	op    string
	path  string // where this array sits in the whole reply: "reply", "reply[0][2]"
	parts []valkey.ValkeyMessage
	bad   *error // the first problem, shared with the arrays inside
}

// newReply reads msg as an array of exactly n parts.
func newReply(op string, msg valkey.ValkeyMessage, n int) *reply {
	var bad error
	r := &reply{op: op, path: "reply", bad: &bad}
	r.parts = r.array(r.path, msg, n)
	return r
}

// newValueReply reads msg, a reply that is not an array, as part 0.
func newValueReply(op string, msg valkey.ValkeyMessage) *reply {
	var bad error
	return &reply{op: op, path: "reply", parts: []valkey.ValkeyMessage{msg}, bad: &bad}
}

// newTaggedReply reads msg as an array whose first part is a tag naming its
// shape: shapes gives each tag the array's length (the tag included). An
// unknown tag, or another length than the tag's, is ErrBadReply.
func newTaggedReply(op string, msg valkey.ValkeyMessage, shapes map[string]int) (string, *reply) {
	var bad error
	r := &reply{op: op, path: "reply", bad: &bad}
	parts := r.array(r.path, msg, -1)
	if r.failed() {
		return "", r
	}
	if len(parts) == 0 {
		r.fail("reply: an empty array, want a tag first")
		return "", r
	}
	r.parts = parts
	tag := r.str(0)
	n, ok := shapes[tag]
	switch {
	case r.failed():
		return "", r
	case !ok:
		r.fail("reply[0]: unknown tag %q", tag)
		return "", r
	case len(parts) != n:
		r.fail("reply: %d parts for tag %q, want %d", len(parts), tag, n)
		return "", r
	}
	return tag, r
}

// err is nil when every read so far found what it expected, else the
// first problem as ErrBadReply.
func (r *reply) err() error {
	if *r.bad == nil {
		return nil
	}
	return opError(r.op, ErrBadReply, *r.bad)
}

func (r *reply) failed() bool { return *r.bad != nil }

func (r *reply) fail(format string, args ...any) {
	if *r.bad == nil {
		*r.bad = fmt.Errorf(format, args...)
	}
}

// part is part i, or nil when the reply failed already.
func (r *reply) part(i int) (*valkey.ValkeyMessage, string) {
	at := r.path + "[" + strconv.Itoa(i) + "]"
	if r.failed() || i >= len(r.parts) {
		r.fail("%s: missing", at)
		return nil, at
	}
	return &r.parts[i], at
}

// array reads m as an array of n parts (any number when n < 0).
func (r *reply) array(at string, m valkey.ValkeyMessage, n int) []valkey.ValkeyMessage {
	if r.failed() {
		return nil
	}
	if !m.IsArray() {
		r.fail("%s: %s, want an array", at, describe(m))
		return nil
	}
	parts, err := m.ToArray()
	if err != nil {
		r.fail("%s: %v", at, err)
		return nil
	}
	if n >= 0 && len(parts) != n {
		r.fail("%s: %d parts, want %d", at, len(parts), n)
		return nil
	}
	return parts
}

// str is part i, a string.
func (r *reply) str(i int) string {
	m, at := r.part(i)
	if m == nil {
		return ""
	}
	return r.asStr(at, *m)
}

func (r *reply) asStr(at string, m valkey.ValkeyMessage) string {
	if !m.IsString() {
		r.fail("%s: %s, want a string", at, describe(m))
		return ""
	}
	s, err := m.ToString()
	if err != nil {
		r.fail("%s: %v", at, err)
	}
	return s
}

// int is part i, an integer (or a string of one: Lua hands some numbers
// over as text).
func (r *reply) int(i int) int64 {
	m, at := r.part(i)
	if m == nil {
		return 0
	}
	return r.asInt(at, *m)
}

func (r *reply) asInt(at string, m valkey.ValkeyMessage) int64 {
	if m.IsInt64() {
		n, err := m.AsInt64()
		if err != nil {
			r.fail("%s: %v", at, err)
		}
		return n
	}
	s := r.asStr(at, m)
	if r.failed() {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.fail("%s: %q, want an integer", at, s)
	}
	return n
}

// flag is part i, an integer 0 or 1.
func (r *reply) flag(i int) bool {
	n := r.int(i)
	if n != 0 && n != 1 {
		r.fail("%s[%d]: %d, want 0 or 1", r.path, i, n)
	}
	return n == 1
}

// id is part i, a stream ID.
func (r *reply) id(i int) string {
	return r.checkID(i, r.str(i))
}

// optionalID is part i, a stream ID or "".
func (r *reply) optionalID(i int) string {
	s := r.str(i)
	if s == "" {
		return ""
	}
	return r.checkID(i, s)
}

// checkID keeps s, part i, when it is a stream ID as servers write them.
func (r *reply) checkID(i int, s string) string {
	if r.failed() {
		return ""
	}
	if !isFullID(s) {
		r.fail("%s[%d]: %q, want a stream ID", r.path, i, s)
		return ""
	}
	return s
}

// strs is part i, an array of strings.
func (r *reply) strs(i int) []string {
	var out []string
	r.each(i, func(at string, m valkey.ValkeyMessage) {
		out = append(out, r.asStr(at, m))
	})
	return out
}

// ids is part i, an array of stream IDs.
func (r *reply) ids(i int) []string {
	list := r.strs(i)
	for j, s := range list {
		if !isFullID(s) {
			r.fail("%s[%d][%d]: %q, want a stream ID", r.path, i, j, s)
			return nil
		}
	}
	return list
}

// fields is part i, an array of field, value pairs.
func (r *reply) fields(i int) []Field {
	flat := r.strs(i)
	if len(flat)%2 != 0 {
		r.fail("%s[%d]: %d strings, want field, value pairs", r.path, i, len(flat))
		return nil
	}
	out := make([]Field, 0, len(flat)/2)
	for j := 0; j < len(flat); j += 2 {
		out = append(out, Field{flat[j], flat[j+1]})
	}
	return out
}

// sub is part i, an array of n parts, read as a reply of its own (its
// problems are the whole reply's).
func (r *reply) sub(i, n int) *reply {
	s := &reply{op: r.op, path: r.path + "[" + strconv.Itoa(i) + "]", bad: r.bad}
	if m, _ := r.part(i); m != nil {
		s.parts = r.array(s.path, *m, n)
	}
	return s
}

// rows calls f with each element of part i, an array of arrays of n parts
// each, as a reply of its own; it stops at the first problem.
func (r *reply) rows(i, n int, f func(row *reply)) {
	r.each(i, func(at string, m valkey.ValkeyMessage) {
		f(&reply{op: r.op, path: at, parts: r.array(at, m, n), bad: r.bad})
	})
}

// each calls f with each element of part i, an array of any length; it
// stops at the first problem.
func (r *reply) each(i int, f func(at string, m valkey.ValkeyMessage)) {
	m, at := r.part(i)
	if m == nil {
		return
	}
	for j, e := range r.array(at, *m, -1) {
		if r.failed() {
			return
		}
		f(at+"["+strconv.Itoa(j)+"]", e)
	}
}

// isFullID reports whether s is a stream ID written in full, "ms-seq", as
// servers write them.
func isFullID(s string) bool {
	_, err := ParseID(s)
	return err == nil && strings.Contains(s, "-")
}

// describe names a message's type for an error.
func describe(m valkey.ValkeyMessage) string {
	switch {
	case m.IsNil():
		return "nil"
	case m.IsInt64():
		if n, err := m.AsInt64(); err == nil {
			return "the integer " + strconv.FormatInt(n, 10)
		}
		return "an integer"
	case m.IsString():
		if s, err := m.ToString(); err == nil {
			if len(s) > 40 {
				s = s[:40] + "…"
			}
			return strconv.Quote(s)
		}
		return "a string"
	case m.IsArray():
		return "an array"
	case m.IsMap():
		return "a map"
	}
	if err := m.Error(); err != nil {
		return "the error " + strconv.Quote(err.Error())
	}
	return "another type"
}
