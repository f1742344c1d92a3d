package queue

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Field is one field-value pair of a stream entry. Entries keep their fields
// in the order they were written, because entries that are not contact
// messages are shown generically, every field in order.
type Field struct {
	Name  string
	Value string
}

// Entry is one stream entry.
type Entry struct {
	ID     string
	Fields []Field
}

// Get returns the first value of the named field.
func (e Entry) Get(name string) (string, bool) {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

func (e Entry) value(name string) string { v, _ := e.Get(name); return v }

// Name, Email, Message and Timestamp are the contact message's fields, empty
// when the entry does not have them.
func (e Entry) Name() string      { return e.value(FieldName) }
func (e Entry) Email() string     { return e.value(FieldEmail) }
func (e Entry) Message() string   { return e.value(FieldMessage) }
func (e Entry) Timestamp() string { return e.value(FieldTimestamp) }

// IsContact reports whether the entry has the four fields of a contact
// message, each once, and nothing else but the meta fields reviewq itself
// adds (FieldReplayOf, and those of a message back from a wait: see
// Returned); anything else is shown generically.
func (e Entry) IsContact() bool {
	seen := 0
	meta := map[string]bool{}
	for _, f := range e.Fields {
		switch {
		case f.Name == FieldName || f.Name == FieldEmail || f.Name == FieldMessage || f.Name == FieldTimestamp:
			seen++
		case meta[f.Name]:
			return false
		case f.Name == FieldReplayOf:
			if _, err := ParseID(f.Value); err != nil {
				return false
			}
			meta[f.Name] = true
		case waitMeta[f.Name]:
			meta[f.Name] = true
		default:
			return false
		}
	}
	return seen == 4 && len(e.Fields) == 4+len(meta) && e.has(FieldName, FieldEmail, FieldMessage, FieldTimestamp)
}

func (e Entry) has(names ...string) bool {
	for _, n := range names {
		if _, ok := e.Get(n); !ok {
			return false
		}
	}
	return true
}

// ReplayOf is the ID of the entry this one is a replay of (see Replay);
// "" when it is not one.
func (e Entry) ReplayOf() string {
	v, ok := e.Get(FieldReplayOf)
	if !ok {
		return ""
	}
	if _, err := ParseID(v); err != nil {
		return ""
	}
	return v
}

// Time is when the entry was added, read from its ID.
func (e Entry) Time() time.Time { return IDTime(e.ID) }

// Preview is a short one-line summary: the message for a contact message,
// otherwise the first field's value.
func (e Entry) Preview() string {
	if m, ok := e.Get(FieldMessage); ok {
		return m
	}
	if len(e.Fields) > 0 {
		return e.Fields[0].Name + "=" + e.Fields[0].Value
	}
	return ""
}

// FormatTimestamp writes t the way JavaScript's Date.toISOString does
// (UTC, milliseconds, "Z"), the form the web example stores.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// ID is a parsed stream ID.
type ID struct{ Ms, Seq uint64 }

// ParseID parses "ms-seq" or a bare "ms" (sequence 0).
func ParseID(s string) (ID, error) {
	msPart, seqPart, hasSeq := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(msPart, 10, 64)
	if err != nil {
		return ID{}, fmt.Errorf("%q: %w", s, ErrInvalidID)
	}
	var seq uint64
	if hasSeq {
		if seq, err = strconv.ParseUint(seqPart, 10, 64); err != nil {
			return ID{}, fmt.Errorf("%q: %w", s, ErrInvalidID)
		}
	}
	return ID{ms, seq}, nil
}

func (id ID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// Next is the smallest ID after id. Exclusive cursors are computed here
// rather than with the "(" syntax so paging also works on servers without it
// (Redis before 6.2, the embedded server).
func (id ID) Next() (ID, bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return ID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return ID{id.Ms + 1, 0}, true
	}
	return id, false
}

// Prev is the largest ID before id.
func (id ID) Prev() (ID, bool) {
	switch {
	case id.Seq > 0:
		return ID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return ID{id.Ms - 1, math.MaxUint64}, true
	}
	return id, false
}

// Compare orders IDs as the stream does: -1 when id comes before o, 0
// when they are the same, +1 when it comes after. It is the one ID order
// of reviewq; the scripts' id_less (lua/ids.lua) agrees with it.
func (id ID) Compare(o ID) int {
	if c := cmp.Compare(id.Ms, o.Ms); c != 0 {
		return c
	}
	return cmp.Compare(id.Seq, o.Seq)
}

// Less reports whether id comes before o (Compare < 0).
func (id ID) Less(o ID) bool { return id.Compare(o) < 0 }

// CompareIDs orders two stream IDs written as text ("ms-seq" or a bare
// "ms"), as Compare does; an error (ErrInvalidID) when either is not an
// ID.
func CompareIDs(a, b string) (int, error) {
	x, err := ParseID(a)
	if err != nil {
		return 0, err
	}
	y, err := ParseID(b)
	if err != nil {
		return 0, err
	}
	return x.Compare(y), nil
}

// normalID writes a stream ID in full ("0" → "0-0"); anything else stays.
func normalID(s string) string {
	if id, err := ParseID(s); err == nil {
		return id.String()
	}
	return s
}

// IDTime is the time encoded in a stream ID (zero for a malformed ID).
func IDTime(id string) time.Time {
	p, err := ParseID(id)
	if err != nil || p.Ms > math.MaxInt64 {
		return time.Time{}
	}
	return time.UnixMilli(int64(p.Ms)).UTC()
}

// ParseTime reads the times a reviewer types to jump in a stream: RFC 3339,
// "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04" or a date, in
// UTC unless a zone is given.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 2026-11-23T09:00:00Z, 2026-11-23 09:00 or 2026-11-23", s)
}

// IDAt is the first possible ID at time t, for jumping to a time.
func IDAt(t time.Time) string {
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	return ID{uint64(ms), 0}.String()
}

func parseEntry(m valkey.ValkeyMessage) (Entry, error) {
	parts, err := m.ToArray()
	if err != nil {
		return Entry{}, err
	}
	if len(parts) != 2 {
		return Entry{}, fmt.Errorf("entry has %d parts", len(parts))
	}
	id, err := parts[0].ToString()
	if err != nil {
		return Entry{}, err
	}
	e := Entry{ID: id}
	e.Fields, err = parseFields(parts[1])
	return e, err
}

func parseFields(m valkey.ValkeyMessage) ([]Field, error) {
	if m.IsNil() {
		return nil, nil
	}
	kv, err := m.ToArray()
	if err != nil {
		return nil, err
	}
	fields := make([]Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		name, err := kv[i].ToString()
		if err != nil {
			return nil, err
		}
		value, err := kv[i+1].ToString()
		if err != nil {
			return nil, err
		}
		fields = append(fields, Field{name, value})
	}
	return fields, nil
}

func parseEntries(m valkey.ValkeyMessage) ([]Entry, error) {
	if m.IsNil() {
		return nil, nil
	}
	arr, err := m.ToArray()
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(arr))
	for _, a := range arr {
		if a.IsNil() {
			continue
		}
		e, err := parseEntry(a)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func flatten(fields []Field) []string {
	out := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		out = append(out, f.Name, f.Value)
	}
	return out
}
