package queue

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/valkey-io/valkey-go"
)

// The scripts' Lua helpers, each tested on its own: a test script runs
// after the prelude under test and calls one helper with ARGV, on the real
// server and on the embedded one (gopher-lua differs from the servers'
// Lua in places; see the table of differences in docs/development.md).

// onBothServers runs f against the real test server and an embedded one.
func onBothServers(t *testing.T, f func(t *testing.T, vk valkey.Client)) {
	t.Run("real", func(t *testing.T) { f(t, dial(t, srv.Addr)) })
	t.Run("embedded", func(t *testing.T) {
		mr := miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(mr.Close)
		vk, err := Dial(ctx(t), ServerOptions{Endpoint: mr.Addr(), Standalone: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(vk.Close)
		f(t, vk)
	})
}

// call runs s with args and returns its reply as a string ("<nil>" for
// Lua's nil or false).
func call(t *testing.T, vk valkey.Client, s *luaScript, keys []string, args ...string) string {
	t.Helper()
	msg, err := s.exec(ctx(t), vk, keys, args)
	if err != nil {
		t.Fatalf("%s %q: %v", s.name, args, err)
	}
	if msg.IsNil() {
		return "<nil>"
	}
	if msg.IsInt64() {
		n, err := msg.AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(n, 10)
	}
	v, err := msg.ToString()
	if err != nil {
		t.Fatalf("%s %q: %v", s.name, args, err)
	}
	return v
}

const max64 = "18446744073709551615"

// Edge IDs: zero, sequence and millisecond rollovers where the helpers
// switch from floating point to digits (15 and 16 digits), and the last.
var edgeIDs = []string{
	"0-0", "0-1", "1-0", "5-9", "5-10", "9-0", "10-0",
	"5-999999999999999", "5-1000000000000000", "5-9999999999999999", "5-10000000000000000",
	"5-18446744073709551614", "5-" + max64, "6-0",
	"999999999999999-" + max64, "1000000000000000-0",
	"9999999999999999-" + max64, "10000000000000000-0",
	"18446744073709551614-" + max64, max64 + "-0", max64 + "-1", max64 + "-" + max64,
}

var idsScript = composeScript("test_ids.lua", `
if ARGV[1] == 'next' then return next_id(ARGV[2]) or false end
if ARGV[1] == 'less' then
  if id_less(ARGV[2], ARGV[3]) then return 1 end
  return 0
end
return redis.error_reply('unknown call ' .. ARGV[1])
`, luaIDs)

// next_id and id_less agree with ID.Next and ID.Compare on every edge.
func TestLuaIDs(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		for _, s := range edgeIDs {
			id, err := ParseID(s)
			if err != nil {
				t.Fatal(err)
			}
			want := "<nil>"
			if n, ok := id.Next(); ok {
				want = n.String()
			}
			if got := call(t, vk, idsScript, nil, "next", s); got != want {
				t.Errorf("next_id(%s) = %s, want %s", s, got, want)
			}
		}
		for _, a := range edgeIDs {
			for _, b := range edgeIDs {
				order, err := CompareIDs(a, b)
				if err != nil {
					t.Fatal(err)
				}
				want := "0"
				if order < 0 {
					want = "1"
				}
				if got := call(t, vk, idsScript, nil, "less", a, b); got != want {
					t.Errorf("id_less(%s, %s) = %s, want %s", a, b, got, want)
				}
			}
		}
	})
}

var recordKeyScript = composeScript("test_record_key.lua", `
if ARGV[1] == 'key' then return record_key(ARGV[2]) end
if ARGV[1] == 'id' then return record_id(record_key(ARGV[2]) .. ARGV[3]) end
return redis.error_reply('unknown call ' .. ARGV[1])
`, luaIDs, luaRecordLookup)

// record_key sorts as the IDs do, and record_id reads the ID back from a
// member whatever record follows the key.
func TestLuaRecordKeys(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		keys := map[string]string{}
		for _, id := range edgeIDs {
			keys[id] = call(t, vk, recordKeyScript, nil, "key", id)
			for _, rec := range []string{"", "1:a1:1", "\x00\xff:"} {
				if got := call(t, vk, recordKeyScript, nil, "id", id, rec); got != id {
					t.Errorf("record_id(record_key(%s) .. %q) = %s", id, rec, got)
				}
			}
		}
		for _, a := range edgeIDs {
			for _, b := range edgeIDs {
				order, err := CompareIDs(a, b)
				if err != nil {
					t.Fatal(err)
				}
				if got := bytes.Compare([]byte(keys[a]), []byte(keys[b])); got != order {
					t.Errorf("record keys of %s and %s compare %d, the IDs %d", a, b, got, order)
				}
			}
		}
		if bare, full := call(t, vk, recordKeyScript, nil, "key", "9"), keys["9-0"]; bare != full {
			t.Errorf("record_key(9) = %q, record_key(9-0) = %q", bare, full)
		}
	})
}

var recordCodecScript = composeScript("test_record_codec.lua", `
if ARGV[1] == 'enc' then
  local t = {}
  for i = 2, #ARGV do t[#t + 1] = ARGV[i] end
  return enc(t)
end
if ARGV[1] == 'dec' then return dec(ARGV[2]) end
if ARGV[1] == 'bucket' then return bucket(tonumber(ARGV[2])) end
return redis.error_reply('unknown call ' .. ARGV[1])
`, luaIDs, luaRecordLookup, luaRecords)

// enc and dec round-trip any bytes, and parseRecord reads what enc wrote.
func TestLuaRecordCodec(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		parts := []string{recordDead, "1764009314892", "ada:x", "", "12:34", "\x00\xff\n", strings.Repeat("é", 300), "bob"}
		encoded := call(t, vk, recordCodecScript, nil, append([]string{"enc"}, parts...)...)
		msg, err := recordCodecScript.exec(ctx(t), vk, nil, []string{"dec", encoded})
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := msg.AsStrSlice()
		if err != nil || !slices.Equal(decoded, parts) {
			t.Fatalf("dec(enc(%q)) = %q %v", parts, decoded, err)
		}
		r, ok := parseRecord(encoded)
		if !ok || r.kind != recordDead || r.by != "ada:x" || r.held != -1 || r.reason != "12:34" ||
			r.redrivenAs != "\x00\xff\n" || r.redrivenBy != "bob" || r.at.UnixMilli() != 1764009314892 {
			t.Fatalf("parseRecord(enc(…)) = %+v %v", r, ok)
		}
	})
}

// bucket numbers durations so that bucketMiddle, Go's inverse, reads back
// each within 1/(2*histogramSteps), in order.
func TestLuaBuckets(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		if got := call(t, vk, recordCodecScript, nil, "bucket", "0"); got != "0" {
			t.Errorf("bucket(0) = %s, want 0", got)
		}
		prev := 0
		for _, ms := range []int64{1, 2, 3, 7, 8, 9, 100, 999, 1000, 60_000, 3_600_000, 86_400_000, 1 << 40} {
			b, err := strconv.Atoi(call(t, vk, recordCodecScript, nil, "bucket", strconv.FormatInt(ms, 10)))
			if err != nil {
				t.Fatal(err)
			}
			if b < prev {
				t.Errorf("bucket(%d) = %d, below the bucket before", ms, b)
			}
			prev = b
			mid := float64(bucketMiddle(b).Milliseconds())
			if math.Abs(mid-float64(ms)) > float64(ms)/(2*histogramSteps)+0.5 {
				t.Errorf("bucket(%d) = %d, whose middle is %v", ms, b, bucketMiddle(b))
			}
		}
	})
}

var groupScript = composeScript("test_group.lua", `
local stream, starts, group = KEYS[1], KEYS[2], ARGV[2]
if ARGV[1] == 'field' then return group_field(stream, group, ARGV[3]) or false end
if ARGV[1] == 'position' then
  local last, start = group_position(stream, starts, group)
  return (last or '<nil>') .. ' ' .. (start or '<nil>')
end
if ARGV[1] == 'note' then
  if note_start(stream, starts, group) then return redis.call('HGET', starts, group) or 'no record' end
  return 'no group'
end
return redis.error_reply('unknown call ' .. ARGV[1])
`, luaIDs, luaGroup)

// group_field, group_position and note_start read a group as the Go side
// does (parseGroup, noteStart), on both servers.
func TestLuaGroup(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		stream := "test:" + strings.ReplaceAll(t.Name(), "/", ":")
		starts := stream + groupStartSuffix
		run := func(args ...string) {
			t.Helper()
			if err := vk.Do(ctx(t), vk.B().Arbitrary(args[0]).Args(args[1:]...).Build()).Error(); err != nil {
				t.Fatalf("%q: %v", args, err)
			}
		}
		g := func(args ...string) string { return call(t, vk, groupScript, []string{stream, starts}, args...) }
		run("DEL", stream, starts)
		run("XADD", stream, "5-1", "a", "b")
		run("XADD", stream, "6-1", "a", "b")
		run("XGROUP", "CREATE", stream, "at0", "0")
		run("XGROUP", "CREATE", stream, "at5", "5-1")
		run("XGROUP", "CREATE", stream, "used", "0")
		run("XREADGROUP", "GROUP", "used", "bob", "COUNT", "1", "STREAMS", stream, ">")

		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"field", "at0", "last-delivered-id"}, "0-0"}, // miniredis says "0"
			{[]string{"field", "at5", "last-delivered-id"}, "5-1"},
			{[]string{"field", "used", "pending"}, "1"},
			{[]string{"field", "nope", "pending"}, "<nil>"},
			{[]string{"position", "at5"}, "5-1 <nil>"},
			{[]string{"note", "at5"}, "5-1"},
			{[]string{"position", "at5"}, "5-1 5-1"},
			{[]string{"note", "used"}, groupStartUnknown},
			{[]string{"position", "used"}, "5-1 <nil>"},
			{[]string{"note", "nope"}, "no group"},
			{[]string{"position", "nope"}, "<nil> <nil>"},
		} {
			if got := g(c.args...); got != c.want {
				t.Errorf("%q = %q, want %q", c.args, got, c.want)
			}
		}
		// A record after the last-delivered ID is left from an earlier
		// group of the same name; a bare millisecond is read in full.
		run("HSET", starts, "at0", "6-0")
		if got := g("position", "at0"); got != "0-0 <nil>" {
			t.Errorf("a start after the last-delivered ID: %q", got)
		}
		run("HSET", starts, "at5", "4")
		if got := g("position", "at5"); got != "5-1 4-0" {
			t.Errorf("a bare start: %q", got)
		}
		// The stream gone: XINFO's own error, which reads as NOGROUP.
		run("DEL", stream)
		_, err := groupScript.exec(ctx(t), vk, []string{stream, starts}, []string{"note", "nope"})
		if !isNoGroup(err) {
			t.Errorf("note_start without the stream: %v, want NOGROUP", err)
		}
	})
}

// A script's error names the file and line it happened at, in the script's
// own file or in a prelude, not the line of the joined source.
func TestScriptErrorsNameTheirFile(t *testing.T) {
	fail := composeScript("test_fail.lua", "local x = 1\nif ARGV[1] == 'body' then error('boom') end\nlocal r = next_id(ARGV[2])\nreturn r\n",
		luaIDs, luaRecordLookup)
	// next_id fails on a malformed ID in incr, at its first line.
	idsLine := slices.Index(strings.Split(luaFile("ids.lua"), "\n"), "  if #s <= 15 then return string.format('%d', tonumber(s) + 1) end") + 1
	if idsLine == 0 {
		t.Fatal("incr changed: update the test")
	}
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		for _, c := range []struct {
			args []string
			at   string // the real servers'
			main string // miniredis's: the script's line that called the one that failed
		}{
			{[]string{"body"}, "test_fail.lua:2", "test_fail.lua:2"},
			{[]string{"prelude", "not an ID"}, "ids.lua:" + strconv.Itoa(idsLine), "test_fail.lua:3"},
		} {
			_, err := fail.exec(ctx(t), vk, nil, c.args)
			var se *scriptError
			if !errors.As(err, &se) {
				t.Fatalf("%q: %v, want a scriptError", c.args, err)
			}
			want := c.at
			if strings.HasSuffix(t.Name(), "embedded") {
				want = c.main
			}
			if se.at != want || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "user_script") {
				t.Errorf("%q: at %q in %q, want %s", c.args, se.at, err, want)
			}
			if qe := wrap("test", err); !errors.Is(qe, ErrServer) || !strings.Contains(qe.Error(), want) {
				t.Errorf("%q: wrapped as %v", c.args, qe)
			}
		}
	})
}

// Every file in lua/ is valid Lua on its own (the constants are Lua
// names), and every one is used: by a script, or as a prelude.
func TestLuaFilesStandAlone(t *testing.T) {
	vk := dial(t, srv.Addr)
	used := map[string]bool{}
	for _, s := range []*luaScript{claimScript, claimIDScript, ackScript, touchScript, rejectScript, redriveScript,
		pageScript, searchScript, replayScript, unreadScript, oldestScript, arrivalsScript, addOnceScript,
		trimScript, trimDeadScript, lockScript, snoozeScript, addLaterScript, promoteScript, waitsScript} {
		for _, p := range s.parts {
			used[p.file] = true
		}
	}
	files, err := fs.Glob(luaFiles, "lua/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		name := strings.TrimPrefix(f, "lua/")
		if err := vk.Do(ctx(t), vk.B().ScriptLoad().Script(luaFile(name)).Build()).Error(); err != nil {
			t.Errorf("%s does not load on its own: %v", name, err)
		}
		if !used[name] {
			t.Errorf("%s is used by no script", name)
		}
	}
}

// Preludes listed out of order, or a constant the Go side does not have,
// fail when the package loads, not on the server.
func TestScriptCompositionChecks(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"prelude out of order", func() { composeScript("x.lua", "return 1", luaRecords, luaIDs) }, "records.lua needs ids.lua before it"},
		{"prelude left out", func() { composeScript("x.lua", "return 1", luaIDs, luaDeadLetter) }, "dead_letter.lua needs records.lua before it"},
		{"unknown constant", func() { composeScript("x.lua", "return __NO_SUCH__", luaIDs) }, "no script constant __NO_SUCH__"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Fatalf("panic %v, want %q", r, c.want)
				}
			}()
			c.f()
		})
	}
	// Constants are written within their line: the line table holds.
	s := composeScript("x.lua", "local a = __KIND_DEAD__\nlocal b = __DEAD_META_FIELDS__\nreturn a", luaIDs)
	n := slices.Index(strings.Split(s.source, "\n"), "local b = "+strconv.Itoa(deadMetaFields)) + 1
	if got := s.fileLine(n); got != "x.lua:2" {
		t.Fatalf("line %d of the source is %s, want x.lua:2:\n%s", n, got, s.source)
	}
	if got := s.fileLine(1); got != "ids.lua:1" {
		t.Fatalf("line 1 is %s", got)
	}
}

var recordBucketsScript = composeScript("test_record_buckets.lua", `
local z = KEYS[1]
if ARGV[1] == 'put' then
  for i = 2, #ARGV, 2 do
    local _, where = record_find(z, ARGV[i])
    record_write(z, ARGV[i], where, ARGV[i + 1])
  end
  return 'OK'
end
if ARGV[1] == 'get' then return record_of(z, ARGV[2]) end
if ARGV[1] == 'many' then
  local ids = {unpack(ARGV, 2)}
  local got, out = records_of(z, ids), {}
  for i, id in ipairs(ids) do out[i] = got[id] or '' end
  return out
end
if ARGV[1] == 'drop' then records_drop(z, {unpack(ARGV, 2)}) return 'OK' end
if ARGV[1] == 'before' then return records_before(z, ARGV[2], tonumber(ARGV[3])) end
if ARGV[1] == 'buckets' then
  local out = {}
  for _, m in ipairs(redis.call('ZRANGE', bucket_index(z), 0, -1)) do
    out[#out + 1] = record_id(m) .. ' ' .. redis.call('HLEN', bucket_key(z, record_id(m)))
  end
  return out
end
return redis.error_reply('unknown call ' .. ARGV[1])
`, luaIDs, luaRecordLookup)

// Records in buckets: written in any order (full buckets split), each
// found, none in a bucket that holds more than it may, a long record kept
// apart until it is short again, and removal by ID and by age bounded.
func TestLuaRecordBuckets(t *testing.T) {
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		z := "test:buckets:" + strings.ReplaceAll(t.Name(), "/", ":")
		const n = 1000
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("%d-%d", 1764000000000+int64(i/7), i%7)
		}
		order := rand.New(rand.NewPCG(1, 2)).Perm(n)
		// Half in ID order, as acks mostly come; the rest at random.
		slices.Sort(order[:n/2])
		for _, i := range order {
			call(t, vk, recordBucketsScript, []string{z}, "put", ids[i], "1:a13:1764000000000"+ids[i])
		}
		for _, id := range ids {
			if got := call(t, vk, recordBucketsScript, []string{z}, "get", id); got != "1:a13:1764000000000"+id {
				t.Fatalf("record of %s: %q", id, got)
			}
		}
		buckets := func() (total int) {
			msg, err := recordBucketsScript.exec(ctx(t), vk, []string{z}, []string{"buckets"})
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := msg.AsStrSlice()
			for _, r := range rows {
				first, count, _ := strings.Cut(r, " ")
				k, _ := strconv.Atoi(count)
				if k > recordsPerBucket || k == 0 {
					t.Errorf("bucket %s holds %d records", first, k)
				}
				// One listpack each, on a real server (the embedded one has no
				// OBJECT).
				enc := vk.Do(ctx(t), vk.B().Arbitrary("OBJECT", "ENCODING").Args(z+":b:"+first).Build())
				if e, err := enc.ToString(); err == nil && e != "listpack" {
					t.Errorf("bucket %s is a %s", first, e)
				}
				total += k
			}
			if len(rows) > 2*n/recordsPerBucket+1 {
				t.Errorf("%d buckets for %d records", len(rows), n)
			}
			return total
		}
		if got := buckets(); got != n {
			t.Fatalf("buckets hold %d records, want %d", got, n)
		}
		// Too long for a bucket: kept as a member of z, then short again.
		long := strings.Repeat("r", recordBucketValue+1)
		call(t, vk, recordBucketsScript, []string{z}, "put", ids[5], long)
		if got := call(t, vk, recordBucketsScript, []string{z}, "get", ids[5]); got != long || buckets() != n-1 {
			t.Fatalf("long record %q", got)
		}
		// Many at once, as a page asks: the same as one by one, for IDs in
		// buckets, before the first, after the last, between two, and long.
		many := func(sample []string) {
			t.Helper()
			msg, err := recordBucketsScript.exec(ctx(t), vk, []string{z}, append([]string{"many"}, sample...))
			if err != nil {
				t.Fatal(err)
			}
			got, err := msg.AsStrSlice()
			if err != nil || len(got) != len(sample) {
				t.Fatalf("records_of: %v %v", got, err)
			}
			for i, id := range sample {
				want := call(t, vk, recordBucketsScript, []string{z}, "get", id)
				if want == "<nil>" {
					want = ""
				}
				if got[i] != want {
					t.Errorf("records_of %s: %q, record_of %q", id, got[i], want)
				}
			}
		}
		sample := []string{"1763999999999-0", "1764999999999-0", "1764000000003-9"}
		sample = append(sample, ids[:60]...)
		for _, i := range order[:40] {
			sample = append(sample, ids[i])
		}
		slices.Reverse(sample[3:63]) // a newest-first page
		many(sample)
		call(t, vk, recordBucketsScript, []string{z}, "put", ids[5], "short")
		if got := call(t, vk, recordBucketsScript, []string{z}, "get", ids[5]); got != "short" || buckets() != n {
			t.Fatalf("short again: %q", got)
		}
		// By ID: the records of a run, in one call.
		call(t, vk, recordBucketsScript, []string{z}, append([]string{"drop"}, ids[100:200]...)...)
		if got := call(t, vk, recordBucketsScript, []string{z}, "get", ids[150]); got != "<nil>" || buckets() != n-100 {
			t.Fatalf("after the drop: %q", got)
		}
		many(ids[90:210])
		// By age: at most the step a call, oldest first.
		cutoff := ids[300]
		removed := []string{}
		for calls := 0; ; calls++ {
			msg, err := recordBucketsScript.exec(ctx(t), vk, []string{z}, []string{"before", cutoff, "50"})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := msg.AsStrSlice()
			if len(got) > 50 || calls > 10 {
				t.Fatalf("call %d removed %d", calls, len(got))
			}
			if len(got) == 0 {
				break
			}
			removed = append(removed, got...)
		}
		slices.SortFunc(removed, func(a, b string) int { c, _ := CompareIDs(a, b); return c })
		want := append(slices.Clone(ids[:100]), ids[200:300]...)
		if !slices.Equal(removed, want) {
			t.Fatalf("removed by age %d records, want %d", len(removed), len(want))
		}
		if buckets() != n-300 {
			t.Fatal("records left")
		}
		for _, id := range ids[300:] {
			if got := call(t, vk, recordBucketsScript, []string{z}, "get", id); got == "<nil>" {
				t.Fatalf("record of %s lost after the removal by age", id)
			}
		}
		// The bucket that held the cutoff is named after what it kept: a
		// removal by age reads nothing more.
		msg, err := recordBucketsScript.exec(ctx(t), vk, []string{z}, []string{"buckets"})
		if err != nil {
			t.Fatal(err)
		}
		if rows, _ := msg.AsStrSlice(); len(rows) == 0 || !strings.HasPrefix(rows[0], ids[300]+" ") {
			t.Fatalf("first bucket %v, want it named %s", rows[:1], ids[300])
		}
	})
}

// A script carries only the prelude helpers it uses, directly or through
// another helper: the others are blanked out, line for line, so the line
// table holds. A name in a comment does not keep a helper.
func TestScriptsLeaveOutHelpersTheyDoNotUse(t *testing.T) {
	s := composeScript("x.lua", "-- id_less is not called\nreturn next_id(ARGV[1])\n", luaIDs)
	for name, kept := range map[string]bool{"next_id": true, "incr": true, "id_less": false, "num_less": false} {
		if got := strings.Contains(s.source, "local function "+name+"("); got != kept {
			t.Errorf("%s kept: %v, want %v", name, got, kept)
		}
	}
	if got, want := strings.Count(s.source, "\n"), strings.Count(luaFile("ids.lua"), "\n")+2; got != want {
		t.Errorf("%d lines, want %d", got, want)
	}
	if got := s.fileLine(strings.Count(luaFile("ids.lua"), "\n") + 2); got != "x.lua:2" {
		t.Errorf("the body's call is at %s, want x.lua:2", got)
	}
	onBothServers(t, func(t *testing.T, vk valkey.Client) {
		got, err := s.lua.Exec(ctx(t), vk, nil, []string{"5-9"}).ToString()
		if err != nil || got != "5-10" {
			t.Fatalf("next_id: %q %v", got, err)
		}
	})
	// Every script as the package composes it still names every helper
	// it calls (they all load and run in the tests of their callers).
	if strings.Contains(claimScript.source, "local function wait_of(") {
		t.Error("claim.lua carries wait_of, which it does not use")
	}
}
