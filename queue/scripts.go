package queue

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"strconv"

	"github.com/valkey-io/valkey-go"
)

// Every change that takes more than one command is a Lua script: atomic, and
// one round trip. Scripts never call TIME; the caller passes "now" so tests
// can fix the clock and replicas see the same value.

// luaConstants are the strings and numbers the scripts share with the Go
// side: luaSource writes each where @NAME@ stands in a script's source, so
// each is typed once, here, and the two sides cannot drift apart.
var luaConstants = map[string]string{
	"KIND_CLAIMED":          strconv.Quote(recordClaimed),
	"KIND_RELEASED":         strconv.Quote(recordReleased),
	"KIND_ACKED":            strconv.Quote(recordAcked),
	"KIND_DEAD":             strconv.Quote(recordDead),
	"ACT_ACKS":              strconv.Quote(activityAcks),
	"ACT_DEAD":              strconv.Quote(activityDead),
	"ACT_ACK":               strconv.Quote(activityAck),
	"ACT_DEAD_BY":           strconv.Quote(activityDeadBy),
	"ACTIVITY_TTL_MS":       strconv.FormatInt(activityTTL.Milliseconds(), 10),
	"HIST_SUB":              strconv.Itoa(histogramSteps),
	"REASON_DELETED":        strconv.Quote(ReasonDeleted),
	"REASON_MAX_DELIVERIES": strconv.Quote(ReasonMaxDeliveries),
	"RELEASED_STALE_MAX":    strconv.Itoa(releasedStaleMax),
	"TRIM_EVERY":            strconv.Itoa(outcomeTrimEvery),
	"FIELD_NAME":            strconv.Quote(FieldName),
	"FIELD_EMAIL":           strconv.Quote(FieldEmail),
	"FIELD_MESSAGE":         strconv.Quote(FieldMessage),
	"FIELD_REPLAY_OF":       strconv.Quote(FieldReplayOf),
	"ARRIVALS_CURSOR":       strconv.Quote(arrivalsCursorField),
}

var luaConstant = regexp.MustCompile(`@[A-Z_]+@`)

// luaSource joins the parts of a script and writes in its constants. An
// unknown name is a programming error, caught when the package loads.
func luaSource(parts ...string) string {
	var src string
	for _, p := range parts {
		src += p
	}
	return luaConstant.ReplaceAllStringFunc(src, func(m string) string {
		v, ok := luaConstants[m[1:len(m)-1]]
		if !ok {
			panic("queue: no script constant " + m)
		}
		return v
	})
}

// luaDeadLetter is shared by the scripts that move entries to the dead-letter
// stream. The five meta pairs always come first and in this order (see
// deadMetaFields); the original fields follow. It records the outcome too
// (luaRecords must come first): owner and idle are the pending entry's,
// auto is true when reviewq moved the entry by itself (deleted while
// pending, past the max deliveries), false for a reviewer's reject.
const luaDeadLetter = `
local function dead_letter(stream, dead, group, id, fields, reason, deliveries, owner, idle, now, auto)
  local args = {'XADD', dead, '*',
    'dead.id', id, 'dead.reason', reason, 'dead.deliveries', tostring(deliveries),
    'dead.consumer', owner, 'dead.at', now}
  for i = 1, #fields do args[#args + 1] = fields[i] end
  local did = redis.call(unpack(args))
  redis.call('XACK', stream, group, id)
  record_dead(id, reason, auto, owner, idle)
  return did
end
`

// luaRecordLookup finds outcome records. A group's records are the members
// of one sorted set (outcomesKey), all of score 0, so that it is ordered by
// member: each member is the entry's ID written so that members sort as
// the IDs do (record_key: each part's length as one byte, then its digits)
// followed by the encoded record. Finding an entry's record, replacing it,
// or the records of every entry before an ID, are each one O(log n) range
// of that order (ZRANGEBYLEX), and one structure holds both the records
// and their order (a hash and a sorted set by time cost 235 bytes per
// record; this, about 170).
const luaRecordLookup = `
local function record_key(id)
  local ms, seq = string.match(id, '^(%d+)-?(%d*)$')
  if seq == '' then seq = '0' end
  return string.char(#ms) .. ms .. string.char(#seq) .. seq
end
-- record_member is the member of the set z holding id's record (nil when
-- there is none), and id's key.
local function record_member(z, id)
  local k = record_key(id)
  local m = redis.call('ZRANGEBYLEX', z, '[' .. k, '(' .. k .. '\255', 'LIMIT', 0, 1)
  if #m == 0 then return nil, k end
  return m[1], k
end
-- record_of is id's encoded record, nil when there is none.
local function record_of(z, id)
  local m, k = record_member(z, id)
  if not m then return nil end
  return string.sub(m, #k + 1)
end
-- record_id reads the entry ID back from a member.
local function record_id(m)
  local n = string.byte(m, 1)
  local ms = string.sub(m, 2, n + 1)
  local s = string.byte(m, n + 2)
  return ms .. '-' .. string.sub(m, n + 3, n + 2 + s)
end
`

// luaRecords writes the outcome records and the activity counts, in the
// same script as the change they record (luaIDs and luaRecordLookup must
// come first). A script using it sets rec's fields first:
//
//	rec.stream    the stream (its first entry bounds the records kept)
//	rec.outcomes  outcomesKey: the records (see luaRecordLookup)
//	rec.released  releasedKey: entries handed back, by release time
//	rec.activity  activityKey of the minute of rec.now
//	rec.now       now (ms, a string), rec.actor the consumer acting,
//	rec.retention records of entries older than this (ms) go,
//	rec.step      at most this many records go per call.
//
// A record is a list of strings, each written as its byte length, ":",
// and the bytes, so a consumer name or a reason may hold any byte:
//
//	{kind, at ms, by, held ms or "", reason, redriven as, redriven at, redriven by}
//
// kind is recordClaimed (by claimed it at), recordReleased (by handed it
// back at), recordAcked or recordDead; an entry has one record, its
// latest. held is how long the holder had it, from its claim to the ack or
// dead-letter (keep-alives do not restart it, a reclaim does). A claim
// writes nothing: a pending entry's idle time is the time since its
// delivery until a keep-alive resets it, so the first keep-alive of a hold
// notes when it began (a claimed record), and the ack takes the hold from
// that record when its holder wrote it, else from the idle time. See
// parseRecord for the Go side.
const luaRecords = `
local rec = {}
local function enc(t)
  local out = {}
  for i = 1, #t do out[i] = string.format('%d', #t[i]) .. ':' .. t[i] end
  return table.concat(out)
end
local function dec(s)
  local t, i = {}, 1
  while i <= #s do
    local c = string.find(s, ':', i, true)
    if not c then break end
    local n = tonumber(string.sub(s, i, c - 1))
    t[#t + 1] = string.sub(s, c + 1, c + n)
    i = c + n + 1
  end
  return t
end
local function id_ms(id) return string.match(id, '^(%d+)') end
local function fmt(n) return string.format('%d', n) end
-- rec_find is id's record (decoded, nil when none), with what rec_put
-- needs to replace it: the member holding it and id's key.
local function rec_find(id)
  local m, k = record_member(rec.outcomes, id)
  if not m then return nil, nil, k end
  return dec(string.sub(m, #k + 1)), m, k
end
local function rec_get(id)
  local r = rec_find(id)
  return r
end
-- rec_put writes id's record t in place of the member old (nil: none).
local function rec_put(k, old, t)
  if old then redis.call('ZREM', rec.outcomes, old) end
  redis.call('ZADD', rec.outcomes, 0, k .. enc(t))
end
local function rec_set(id, t)
  local _, old, k = rec_find(id)
  rec_put(k, old, t)
end
-- bucket numbers a duration (ms) in the histograms: @HIST_SUB@ linear
-- steps per doubling, exact in integers on every server (no math.log).
local function bucket(ms)
  if ms < 1 then return 0 end
  local e, p = 0, 1
  while p * 2 <= ms do p = p * 2; e = e + 1 end
  return e * @HIST_SUB@ + math.floor((ms - p) * @HIST_SUB@ / p) + 1
end
-- held_of is how long owner has held the entry: since the claim its first
-- keep-alive noted (a claimed record by owner), else since its delivery
-- (the pending entry's idle time, exact until a keep-alive resets it).
local function held_of(before, owner, idle)
  if before and before[1] == @KIND_CLAIMED@ and before[3] == owner then
    local held = tonumber(rec.now) - tonumber(before[2])
    if held < 0 then held = 0 end
    return held
  end
  return idle
end
-- trim removes, at most rec.step at a time, the records of entries before
-- the stream's first entry (trimmed away) or older than the retention. It
-- runs with the first ack or dead letter of each minute and every
-- @TRIM_EVERY@th after it (see count): up to rec.step/@TRIM_EVERY@ records
-- removed per ack, where a message adds at most one.
local function trim()
  local cutoff = tonumber(rec.now) - rec.retention
  if cutoff < 0 then cutoff = 0 end
  cutoff = fmt(cutoff) .. '-0'
  local first = redis.call('XRANGE', rec.stream, '-', '+', 'COUNT', 1)
  if #first > 0 and id_less(cutoff, first[1][1]) then cutoff = first[1][1] end
  local old = redis.call('ZRANGEBYLEX', rec.outcomes, '-', '(' .. record_key(cutoff), 'LIMIT', 0, rec.step)
  if #old == 0 then return end
  redis.call('ZREM', rec.outcomes, unpack(old))
  local ids = {}
  for i, m in ipairs(old) do ids[i] = record_id(m) end
  redis.call('ZREM', rec.released, unpack(ids))
end
-- count adds one to a field of this minute's activity. For a minute's
-- acks or dead letters (first), the first count gives the hash its
-- lifetime, and every @TRIM_EVERY@th from the first trims the records.
local function count(field, first)
  local n = redis.call('HINCRBY', rec.activity, field, 1)
  if not first then return end
  if n == 1 then redis.call('PEXPIRE', rec.activity, @ACTIVITY_TTL_MS@) end
  if n % @TRIM_EVERY@ == 1 then trim() end
end
local function unrelease(before, id)
  if before and before[1] == @KIND_RELEASED@ then redis.call('ZREM', rec.released, id) end
end
-- record_hold notes when owner claimed the entry, before a keep-alive
-- resets its idle time: once per hold, not for a released entry.
local function record_hold(id, owner, idle)
  local before, old, k = rec_find(id)
  if before and (before[1] == @KIND_CLAIMED@ or before[1] == @KIND_RELEASED@) and before[3] == owner then return end
  rec_put(k, old, {@KIND_CLAIMED@, fmt(tonumber(rec.now) - idle), owner})
end
-- record_claim starts a hold now: a released entry claimed (its release
-- record goes, and it leaves the released set).
local function record_claim(id)
  local before, old, k = rec_find(id)
  rec_put(k, old, {@KIND_CLAIMED@, rec.now, rec.actor})
  unrelease(before, id)
end
-- An ack counts once in the minute's acks and once in one field that says
-- its time-to-ack bucket, its held bucket and who acked: Activity sums the
-- rest from those.
local function record_ack(id, owner, idle)
  local before, old, k = rec_find(id)
  local held = held_of(before, owner, idle)
  rec_put(k, old, {@KIND_ACKED@, rec.now, rec.actor, fmt(held)})
  unrelease(before, id)
  count(@ACT_ACKS@, true)
  count(@ACT_ACK@ .. fmt(bucket(tonumber(rec.now) - tonumber(id_ms(id)))) .. ':' .. fmt(bucket(held)) .. ':' .. rec.actor)
end
local function record_dead(id, reason, auto, owner, idle)
  local before, old, k = rec_find(id)
  rec_put(k, old, {@KIND_DEAD@, rec.now, rec.actor, fmt(held_of(before, owner, idle)), reason})
  unrelease(before, id)
  count(@ACT_DEAD@, true)
  if not auto then count(@ACT_DEAD_BY@ .. rec.actor) end
end
-- released_record is the entry's release record when owner handed it back
-- and nobody took it since; nil otherwise.
local function released_record(id, owner)
  local r = rec_get(id)
  if r and r[1] == @KIND_RELEASED@ and r[3] == owner then return r end
  return nil
end
`

// luaIDs holds the stream-ID arithmetic the scripts share, and reading one
// field of a group's XINFO GROUPS entry. IDs stay strings: a sequence
// number may be up to 2^64-1, beyond what a Lua number holds exactly, so
// only short ones are done in floating point.
const luaIDs = `
local MAX64 = '18446744073709551615'
local function incr(s)
  if #s <= 15 then return string.format('%d', tonumber(s) + 1) end
  local d = {string.byte(s, 1, -1)}
  local i = #d
  while i > 0 and d[i] == 57 do d[i] = 48; i = i - 1 end
  if i == 0 then return '1' .. string.char(unpack(d)) end
  d[i] = d[i] + 1
  return string.char(unpack(d))
end
-- next_id is the smallest ID after id (nil after the last possible one).
local function next_id(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if seq ~= MAX64 then return ms .. '-' .. incr(seq) end
  if ms == MAX64 then return nil end
  return incr(ms) .. '-0'
end
-- id_less orders two IDs as the stream does.
local function num_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function id_less(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if am ~= bm then return num_less(am, bm) end
  return num_less(as, bs)
end
-- group_field is one field of group's entry in XINFO GROUPS of stream
-- (nil when the stream has no such group).
local function group_field(stream, group, field)
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local name, value
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] elseif g[i] == field then value = g[i + 1] end
    end
    if name == group then return value end
  end
  return nil
end
`

// claimScript claims the next message for a consumer, after acknowledging
// the one it finished (AckAndClaim), in one round trip whose server work is
// bounded whatever the length of the pending list.
//
// KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] the group's sweep
// cursor (claimCursorKey), KEYS[4] outcomes, KEYS[5] released entries,
// KEYS[6] this minute's activity (see luaRecords)
// ARGV[1] group, ARGV[2] consumer, ARGV[3] reclaim-after (ms),
// ARGV[4] max deliveries (0: never dead-letter), ARGV[5] now (ms),
// ARGV[6] how many unusable pending entries one call may clear away,
// ARGV[7] ID to acknowledge first ("" for none), ARGV[8] head rows,
// ARGV[9] budget (steps), ARGV[10] busy-millisecond window width,
// ARGV[11] cursor lifetime (ms), ARGV[12] record retention (ms),
// ARGV[13] records trimmed per call at most.
//
// Released entries come first: an entry its holder handed back (Release)
// is in KEYS[5], oldest release first, and is claimed at once, whatever
// the claimer's reclaim-after, without counting a delivery (a release is
// not a failed delivery, nor past the max deliveries). Entries there that
// someone else took or acked since are dropped from it, at most
// releasedStaleMax per call. An entry the head or the sweep finds that was
// released (the release left it idle past the releaser's threshold) is
// treated the same.
//
// The budget is counted in steps, one step being what walking one pending
// entry inside XPENDING costs (about 70 ns on Redis 7.0). Handing one
// XPENDING row to Lua costs about 14 steps (ROW), every call about 30
// (CALL). No call below walks more entries, or hands over more rows, than
// the budget pays for, so a claim costs about the same on ten pending
// entries or ten million. (XPENDING IDLE over an open range, as the claim
// used to do, walks until it finds an idle entry: the whole list when none
// is, 87 ms at a million. XAUTOCLAIM bounds its walk by COUNT, but looks
// every entry up in the stream, about 1.6 us each; rows cost 1 us each.)
//
// Which entry idle past reclaim-after it takes, by the length of the
// pending list:
//
//   - Fewer than ARGV[8] entries (all read as rows), or at most ARGV[9]
//     (the group's count, from XINFO GROUPS; XPENDING IDLE then walks the
//     whole list, which the budget pays for): the oldest idle entry.
//   - Longer: the oldest idle one among the first ARGV[8] (the head, what
//     the web example's XAUTOCLAIM ... 0-0 COUNT 1 looks at), else the next
//     idle one the sweep comes to. The sweep goes through the rest of the
//     list in ID order from a cursor kept in KEYS[3], one stretch per claim
//     paid for by the budget, and starts over after the end. Entries
//     delivered once and never touched since turn idle in ID order, so
//     abandoned work is normally at the head and found oldest first; an
//     entry idle anywhere else (a released one, one reclaimed and left
//     again) is found within one sweep: ceil(pending / stretch) claims.
//
// A stretch reads rows (XPENDING cursor + n, exact). Where the rows end in
// a busy millisecond (an ID BUSY further on in it is pending: bulk adds,
// bursts), it walks on in it with XPENDING IDLE over at most ARGV[10]
// sequence numbers of that millisecond, so at most that many entries, at
// step cost. A stretch is at least 160 entries (where entries are spread
// out) and 1,000 to 2,000 where hundreds share a millisecond.
//
// Every idle entry found is either gone from the stream (acknowledged away
// and recorded in the dead-letter stream), past the max deliveries (moved
// to the dead-letter stream and acknowledged; a released entry never is),
// or claimed with XCLAIM, which counts one more delivery (a released entry
// keeps its count). Without one, it reads one new entry with
// XREADGROUP ... >.
//
// Every claim records who claimed it and when (the start of the hold an
// ack measures), the ack records the ack, and each dead letter its outcome;
// records past the retention or the stream's first entry are trimmed, a
// bounded number per call (see luaRecords). None of this depends on the
// length of the pending list or of the records.
//
// Reply: {kind, id, fields, deliveries, previous owner, idle ms, dropped
// ids, dead-lettered ids, acked, {rows read, windows walked, steps spent},
// released by, released at (ms)}; kind is "released", "reclaimed", "new"
// or "empty". Reading the entry with XRANGE
// before XCLAIM tells a deleted entry apart exactly, on every server
// version (XCLAIM's reply for one changed in Redis 7).
var claimScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, `
local stream, dead, cursor_key = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, min_idle_ms, min_idle = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[3])
local max_deliveries, now, unusable = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local ack_id, head_rows, budget = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local width, lifetime = tonumber(ARGV[10]), ARGV[11]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[4], KEYS[5], KEYS[6]
rec.now, rec.actor, rec.retention, rec.step = now, consumer, tonumber(ARGV[12]), tonumber(ARGV[13])
local ROW, CALL, BUSY, SPARSE_PROBE, WALK = 14, 30, 20, 64, 4

-- Deviation (miniredis v2.40.0, XACK): see ackScript; XPENDING says
-- alike on both servers whether the entry was pending.
local acked = 0
if ack_id ~= '' then
  local p = redis.call('XPENDING', stream, group, ack_id, ack_id, 1)
  if #p > 0 then
    redis.call('XACK', stream, group, ack_id)
    record_ack(ack_id, p[1][2], p[1][3])
    acked = 1
  end
end
local dropped, deadlettered = {}, {}
local rows, windows, steps = 0, 0, 0

-- claim hands the entry to the consumer: one more delivery, or, for an
-- entry handed back (rel, its release record), the same count.
local function claim(id, fields, deliveries, owner, idle, rel)
  local kind, n, rel_by, rel_at = 'reclaimed', deliveries + 1, '', ''
  if rel then
    kind, n, rel_by, rel_at, idle = 'released', deliveries, rel[3], rel[2], 0
  end
  -- JUSTID alone would not count the delivery; RETRYCOUNT sets it.
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', n, 'JUSTID')
  if rel then record_claim(id) end
  return {kind, id, fields, n, owner, idle, dropped, deadlettered, acked, {rows, windows, steps}, rel_by, rel_at}
end

-- Released entries first, oldest release first.
local stale = 0
while stale < @RELEASED_STALE_MAX@ do
  local top = redis.call('ZRANGE', rec.released, 0, 0)
  if #top == 0 then break end
  local id = top[1]
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  local rel = nil
  if #p > 0 then rel = released_record(id, p[1][2]) end
  local e = {}
  if rel then e = redis.call('XRANGE', stream, id, id) end
  -- Claiming it takes it out of the released set (record_claim).
  if #e > 0 then return claim(id, e[1][2], p[1][4], p[1][2], 0, rel) end
  redis.call('ZREM', rec.released, id)
  if rel then
    dead_letter(stream, dead, group, id, {}, @REASON_DELETED@, p[1][4], p[1][2], p[1][3], now, true)
    dropped[#dropped + 1] = id
  end
  stale = stale + 1
end

local head = redis.call('XPENDING', stream, group, '-', '+', head_rows)
rows = #head
local queue, qi = {}, 1
local mode = 'head'
if #head == head_rows then
  local pending = group_field(stream, group, 'pending') or budget + 1
  steps = steps + CALL
  if pending <= budget then mode = 'walk' else mode = 'sweep' end
end
if mode ~= 'walk' then
  for _, r in ipairs(head) do
    if r[3] >= min_idle then queue[#queue + 1] = r end
  end
end

-- walk: the whole list, a few idle entries at a time, oldest first.
local walk_pos = '-'
local function walk()
  if not walk_pos then return nil end
  local p = redis.call('XPENDING', stream, group, 'IDLE', min_idle_ms, walk_pos, '+', WALK)
  rows = rows + #p
  if #p < WALK then walk_pos = nil else walk_pos = next_id(p[#p][1]) end
  if #p == 0 then return nil end
  return p
end

-- The sweep's state: pos is the first ID it has not looked at yet, nil
-- once this claim has nothing left to look at.
local stored, pos, wrapped, probe = nil, nil, false, 2
local after_head
if mode == 'sweep' then
  after_head = next_id(head[#head][1])
  stored = redis.call('GET', cursor_key) or nil
  pos = stored
  if not pos or not id_less(head[#head][1], pos) then pos = after_head end
end

-- sweep looks at the next stretch and returns the idle rows it found,
-- oldest first; nil when the budget is spent or the list was swept.
local function sweep()
  while pos do
    local n = math.min(probe, math.floor((budget - steps - CALL) / ROW))
    if n < 1 then return nil end
    local page = redis.call('XPENDING', stream, group, pos, '+', n)
    rows = rows + #page
    steps = steps + CALL + #page * ROW
    local found = {}
    for _, r in ipairs(page) do
      if r[3] >= min_idle then found[#found + 1] = r end
    end
    if #page < n then
      -- The end of the list: start over after the head, once per claim.
      if wrapped then pos = nil else pos = after_head end
      wrapped = true
    else
      local last = page[#page][1]
      pos = next_id(last)
      local ms, seq = string.match(last, '^(%d+)-(%d+)$')
      local walked = false
      -- A millisecond that may be busy: the page ends with two of its
      -- entries, or the last one was busy and this is the next entry.
      local maybe = n == 1 or string.match(page[#page - 1][1], '^(%d+)-') == ms
      if #found == 0 and pos and maybe and #seq <= 15 and steps + 2 * CALL + ROW + width <= budget then
        -- Busy if an ID BUSY further on in it is pending: then a window
        -- likely costs less than reading what is left as rows.
        local far = redis.call('XPENDING', stream, group, ms .. '-' .. string.format('%d', tonumber(seq) + BUSY), ms .. '-' .. MAX64, 1)
        rows = rows + #far
        steps = steps + CALL + #far * ROW
        if #far > 0 then
          -- Walk on in it, at most width IDs.
          local hi = ms .. '-' .. string.format('%d', tonumber(seq) + width)
          local p = redis.call('XPENDING', stream, group, 'IDLE', min_idle_ms, pos, hi, 1)
          windows = windows + 1
          steps = steps + CALL + width
          walked = true
          if #p > 0 then
            found[1] = p[1]
            pos = next_id(p[1][1])
          else
            pos = next_id(hi)
          end
        end
      end
      if walked then probe = 1 else probe = SPARSE_PROBE end
    end
    if #found > 0 then return found end
  end
  return nil
end

local function save_cursor(p)
  if mode ~= 'sweep' or p == stored then return end
  if p then redis.call('SET', cursor_key, p, 'PX', lifetime)
  else redis.call('DEL', cursor_key) end
end

local in_head, cleared = true, 0
while cleared < unusable do
  if qi > #queue then
    queue, qi = nil, 1
    if mode == 'walk' then queue = walk() elseif mode == 'sweep' then queue, in_head = sweep(), false end
    if not queue then break end
  end
  local r = queue[qi]
  qi = qi + 1
  local id, owner, idle, deliveries = r[1], r[2], r[3], r[4]
  local e = redis.call('XRANGE', stream, id, id)
  local rel = nil
  if #e > 0 then rel = released_record(id, owner) end
  if #e == 0 then
    dead_letter(stream, dead, group, id, {}, @REASON_DELETED@, deliveries, owner, idle, now, true)
    dropped[#dropped + 1] = id
    cleared = cleared + 1
  elseif not rel and max_deliveries > 0 and deliveries >= max_deliveries then
    dead_letter(stream, dead, group, id, e[1][2], @REASON_MAX_DELIVERIES@, deliveries, owner, idle, now, true)
    deadlettered[#deadlettered + 1] = id
    cleared = cleared + 1
  else
    if in_head then
      save_cursor(stored)
    elseif qi <= #queue then
      save_cursor(next_id(id)) -- the rest of this stretch is looked at again next time
    else
      save_cursor(pos)
    end
    return claim(id, e[1][2], deliveries, owner, idle, rel)
  end
end
if in_head then save_cursor(stored) else save_cursor(pos) end

local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
if r and #r > 0 and #r[1][2] > 0 then
  local e = r[1][2][1]
  return {'new', e[1], e[2], 1, '', 0, dropped, deadlettered, acked, {rows, windows, steps}, '', ''}
end
return {'empty', '', {}, 0, '', 0, dropped, deadlettered, acked, {rows, windows, steps}, '', ''}
`))

// claimIDScript claims one given pending entry for a consumer.
//
// KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] outcomes, KEYS[4]
// released entries, KEYS[5] this minute's activity
// ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] min idle (ms) the
// entry must have when another consumer holds it (0 takes it regardless),
// ARGV[5] now (ms), ARGV[6] record retention (ms), ARGV[7] records trimmed
// per call at most.
//
// An entry its holder handed back is not held: it is taken at once, and
// without counting a delivery, as the claim takes it.
//
// Reply: {"ok", id, fields, deliveries, previous owner, idle ms, released
// by, released at} | {"notpending"} | {"held", owner, idle ms} |
// {"deleted"}.
var claimIDScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, `
local stream, dead = KEYS[1], KEYS[2]
local group, consumer, id, min_idle, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[3], KEYS[4], KEYS[5]
rec.now, rec.actor, rec.retention, rec.step = now, consumer, tonumber(ARGV[6]), tonumber(ARGV[7])
local p = redis.call('XPENDING', stream, group, id, id, 1)
if #p == 0 then return {'notpending'} end
local owner, idle, deliveries = p[1][2], p[1][3], p[1][4]
local rel = released_record(id, owner)
if not rel and owner ~= consumer and idle < min_idle then return {'held', owner, idle} end
local e = redis.call('XRANGE', stream, id, id)
if #e == 0 then
  dead_letter(stream, dead, group, id, {}, @REASON_DELETED@, deliveries, owner, idle, now, true)
  return {'deleted'}
end
local n, rel_by, rel_at = deliveries + 1, '', ''
if rel then
  n, rel_by, rel_at, idle = deliveries, rel[3], rel[2], 0
end
redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', n, 'JUSTID')
if rel then record_claim(id) end
return {'ok', id, e[1][2], n, owner, idle, rel_by, rel_at}
`))

// touchScript keeps a held entry alive (mode "keep") or hands it back
// (mode "release"), but only while the consumer still holds it: a plain
// XCLAIM would take it back from a reviewer who reclaimed it meanwhile.
//
// KEYS[1] stream, KEYS[2] outcomes, KEYS[3] released entries
// ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] mode,
// ARGV[5] idle (ms) to set on release, so that other programs' claims
// (the web example's XAUTOCLAIM) may take it at once too, ARGV[6] now (ms),
// ARGV[7] record retention (ms), ARGV[8] records trimmed per call at most.
//
// A release records who handed the entry back and when, and puts it in
// KEYS[3], which the next claim takes from first (see claimScript). The
// first keep-alive of a hold records when it began (now minus the idle
// time it is about to reset), for the ack's held time (see luaRecords).
//
// Reply: {"ok"} | {"notpending"} | {"held", owner} | {"gone"} (neither
// pending nor in the stream) | {"deleted"} (still pending, but deleted from
// the stream while held). A missing group fails with NOGROUP.
//
// Deviation (miniredis v2.40.0, XCLAIM): it counts a delivery for every
// XCLAIM, JUSTID or not, where a real server counts none for JUSTID. A
// reviewer holding a message for two minutes gained a delivery per
// keep-alive and was then dead-lettered, "delivered 9 times". RETRYCOUNT
// restates the count read from XPENDING, so neither server adds one.
//
// Deviation (XCLAIM of an entry deleted from the stream): Redis 7 drops it
// from the pending list; miniredis keeps it, counts a delivery and moves its
// owner's pending count without the entry. The entry is therefore looked up
// first and never claimed once deleted: it stays pending, for the next claim
// to record in the dead-letter stream as deleted while pending.
var touchScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, `
local stream, group, consumer, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
rec.stream, rec.outcomes, rec.released = stream, KEYS[2], KEYS[3]
rec.now, rec.actor, rec.retention, rec.step = ARGV[6], consumer, tonumber(ARGV[7]), tonumber(ARGV[8])
local p = redis.call('XPENDING', stream, group, id, id, 1)
if #p == 0 then
  if #redis.call('XRANGE', stream, id, id) == 0 then return {'gone'} end
  return {'notpending'}
end
if p[1][2] ~= consumer then return {'held', p[1][2]} end
if #redis.call('XRANGE', stream, id, id) == 0 then return {'deleted'} end
local deliveries = p[1][4]
if ARGV[4] == 'release' then
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'IDLE', ARGV[5], 'RETRYCOUNT', deliveries, 'JUSTID')
  rec_set(id, {@KIND_RELEASED@, ARGV[6], consumer})
  redis.call('ZADD', rec.released, ARGV[6], id)
else
  record_hold(id, consumer, p[1][3])
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', deliveries, 'JUSTID')
end
return {'ok'}
`))

// rejectScript moves a pending entry to the dead-letter stream now, with the
// reviewer's reason, and acknowledges it, recording who did it.
//
// KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] outcomes, KEYS[4]
// released entries, KEYS[5] this minute's activity
// ARGV[1] group, ARGV[2] id, ARGV[3] reason, ARGV[4] now (ms),
// ARGV[5] the consumer rejecting it, ARGV[6] record retention (ms),
// ARGV[7] records trimmed per call at most.
//
// Reply: {"ok", dead-letter id} | {"notpending"} | {"gone"} (neither pending
// nor in the stream). A missing group fails with NOGROUP.
var rejectScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, luaDeadLetter, `
local stream, dead = KEYS[1], KEYS[2]
local group, id, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[3], KEYS[4], KEYS[5]
rec.now, rec.actor, rec.retention, rec.step = now, ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local p = redis.call('XPENDING', stream, group, id, id, 1)
local e = redis.call('XRANGE', stream, id, id)
if #p == 0 then
  if #e == 0 then return {'gone'} end
  return {'notpending'}
end
local fields = {}
if #e > 0 then fields = e[1][2] end
local did = dead_letter(stream, dead, group, id, fields, reason, p[1][4], p[1][2], p[1][3], now, false)
return {'ok', did}
`))

// ackScript acknowledges entries, counting those that were pending, and
// records each ack: who, when, after how long a hold (see luaRecords).
//
// KEYS[1] stream, KEYS[2] outcomes, KEYS[3] released entries, KEYS[4]
// this minute's activity
// ARGV[1] group, ARGV[2] now (ms), ARGV[3] the consumer acking,
// ARGV[4] record retention (ms), ARGV[5] records trimmed per call at most,
// ARGV[6…] ids
//
// Reply: {acked, gone ids}: how many were pending (and are acked now), and
// the IDs that were neither pending nor in the stream. A missing group fails
// with NOGROUP (XACK alone answers 0 on a missing group, on every server).
//
// Deviation (miniredis v2.40.0, XACK): an entry deleted from the stream
// while pending is removed from the pending list but not counted; a real
// server counts it. The count comes from XPENDING, which both report alike.
var ackScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, `
local stream, group = KEYS[1], ARGV[1]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[2], KEYS[3], KEYS[4]
rec.now, rec.actor, rec.retention, rec.step = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local acked, gone = 0, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  if #p > 0 then
    redis.call('XACK', stream, group, id)
    record_ack(id, p[1][2], p[1][3])
    acked = acked + 1
  elseif #redis.call('XRANGE', stream, id, id) == 0 then
    gone[#gone + 1] = id
  end
end
return {acked, gone}
`))

// lagScript counts a stream's entries after a group's last-delivered ID,
// for servers that cannot say how many a group has not read yet (see
// settleLag).
//
// KEYS[1] stream
// ARGV[1] the last-delivered ID, ARGV[2] the ID after it, ARGV[3] limit,
// ARGV[4] chunk size
//
// Reply: {count, 1}, or {limit + 1, 0} when there are more than the limit
// (it reads at most limit + 1 entries). When no entry is at or before the last-delivered ID (a group that
// has read nothing yet, or one the trimming overtook), every entry counts:
// XLEN, whatever the length. Otherwise the work is bounded by the limit, and
// only a chunk of entries is held at a time.
var lagScript = valkey.NewLuaScript(`
local stream, last, from = KEYS[1], ARGV[1], ARGV[2]
local limit, chunk = tonumber(ARGV[3]), tonumber(ARGV[4])
if #redis.call('XRANGE', stream, '-', last, 'COUNT', 1) == 0 then
  return {redis.call('XLEN', stream), 1}
end
local n = 0
while true do
  local want = math.min(chunk, limit + 1 - n)
  local r = redis.call('XRANGE', stream, from, '+', 'COUNT', want)
  n = n + #r
  if #r < want then return {n, 1} end
  if n > limit then return {n, 0} end
  local ms, seq = string.match(r[#r][1], '^(%d+)-(%d+)$')
  from = ms .. '-' .. string.format('%d', tonumber(seq) + 1)
end
`)

// redriveScript puts a dead letter back on the main stream, as a new entry
// with the original fields, and removes it from the dead-letter stream. The
// original entry's outcome record gains who redrove it, when, and as what.
//
// KEYS[1] dead-letter stream, KEYS[2] stream, KEYS[3] outcomes
// ARGV[1] dead-letter id, ARGV[2] now (ms), ARGV[3] the consumer redriving
//
// Reply: {"ok", new id} | {"missing"} | {"empty"}.
var redriveScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, `
local dead, stream, id = KEYS[1], KEYS[2], ARGV[1]
rec.outcomes = KEYS[3]
local e = redis.call('XRANGE', dead, id, id)
if #e == 0 then return {'missing'} end
local fields = e[1][2]
local args = {'XADD', stream, '*'}
for i = 11, #fields do args[#args + 1] = fields[i] end
if #args == 3 then return {'empty'} end
local nid = redis.call(unpack(args))
redis.call('XDEL', dead, id)
if fields[1] == 'dead.id' then
  local r = rec_get(fields[2])
  if r and r[1] == @KIND_DEAD@ then
    for i = #r + 1, 5 do r[i] = '' end
    r[6], r[7], r[8] = nid, ARGV[2], ARGV[3]
    rec_set(fields[2], r)
  end
end
return {'ok', nid}
`))

// pageScript reads one page of a stream with every value cut to a preview
// size (an entry may hold megabytes; a page should not), plus which of the
// page's entries are pending and with whom, and the page's outcome records.
//
// KEYS[1] stream, KEYS[2] outcomes (read only with a group)
// ARGV[1] group ("" for none), ARGV[2] "XRANGE" or "XREVRANGE",
// ARGV[3] first bound, ARGV[4] second bound (in the command's order),
// ARGV[5] count, ARGV[6] preview bytes.
//
// Reply: {entries, pending, records} where entries are {id, fields, cut},
// pending is a flat list of id, consumer, deliveries, and records holds
// each entry's outcome record in the entries' order ("" for none): one
// lookup per entry of the page, whatever the number of records.
var pageScript = valkey.NewLuaScript(luaSource(luaRecordLookup, `
local stream, group, cmd, preview = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[6])
local raw = redis.call(cmd, stream, ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local entries, pending, records = {}, {}, {}
local ids = {}
for i, e in ipairs(raw) do
  local fields, cut = {}, 0
  for j, v in ipairs(e[2]) do
    if #v > preview then v = string.sub(v, 1, preview); cut = 1 end
    fields[j] = v
  end
  entries[i] = {e[1], fields, cut}
  ids[i] = e[1]
end
if group ~= '' and #raw > 0 then
  -- Deviation (miniredis v2.40.0, gopher-lua): an assignment whose right
  -- side reads the variables it assigns, like "lo, hi = hi, lo", gives
  -- both the same value. Swapped so, a newest-first page looked for
  -- pending entries at its oldest ID only, and the Stream screen showed a
  -- reviewer's own held message as acked. Never write such a swap here.
  local lo, hi = raw[1][1], raw[#raw][1]
  if cmd == 'XREVRANGE' then
    lo = raw[#raw][1]
    hi = raw[1][1]
  end
  while true do
    local p = redis.call('XPENDING', stream, group, lo, hi, 100)
    for _, row in ipairs(p) do
      pending[#pending + 1] = row[1]
      pending[#pending + 1] = row[2]
      pending[#pending + 1] = tostring(row[4])
    end
    if #p < 100 then break end
    lo = p[#p][1]
    -- next ID after lo, without the "(" syntax older servers lack
    local ms, seq = string.match(lo, '^(%d+)-(%d+)$')
    lo = ms .. '-' .. string.format('%d', tonumber(seq) + 1)
  end
  for i, id in ipairs(ids) do records[i] = record_of(KEYS[2], id) or '' end
end
return {entries, pending, records}
`))

// oldestScript finds the oldest entry nobody in a group has claimed yet:
// the first after the group's last-delivered ID.
//
// KEYS[1] stream
// ARGV[1] group
//
// Reply: its ID, or "" when every entry has been delivered. A missing
// group fails with NOGROUP.
var oldestScript = valkey.NewLuaScript(luaIDs + `
local last = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, ld
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then ld = g[i + 1] end
  end
  if name == ARGV[1] then last = ld end
end
if not last then return redis.error_reply('NOGROUP no such consumer group') end
-- miniredis reports the ID a group was created at as given ("0").
if not string.find(last, '-', 1, true) then last = last .. '-0' end
local from = next_id(last)
if not from then return '' end
local r = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 1)
if #r == 0 then return '' end
return r[1][1]
`)

// arrivalsScript counts the stream's entries per minute of their ID time,
// going on from where the last call stopped: a cursor (the next ID to
// count) kept in the arrivals hash, beside the counts (field: the
// minute's start in ms). Entries are counted once, as they arrive, so the
// count neither depends on what was trimmed or deleted since nor grows
// with the stream: each call reads at most ARGV[2] entries.
//
// KEYS[1] stream, KEYS[2] arrivals hash (arrivalsKey)
// ARGV[1] the first minute to report (ms), ARGV[2] most entries to read,
// ARGV[3] minute (ms), ARGV[4] counts older than this (ms) are removed,
// ARGV[5] lifetime of the hash (ms), ARGV[6] minutes to report.
//
// A cursor before ARGV[1] (nobody counted for more than the window) moves
// up to it: earlier entries are outside what is reported.
//
// Reply: {1 when the count reached the end of the stream else 0, the
// counts of ARGV[6] minutes from ARGV[1] ("" for none)}.
var arrivalsScript = valkey.NewLuaScript(luaSource(luaIDs, `
local stream, h = KEYS[1], KEYS[2]
local start, chunk, width = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local keep, minutes = tonumber(ARGV[4]), tonumber(ARGV[6])
local stored = redis.call('HGET', h, @ARRIVALS_CURSOR@)
local cur = stored
if not cur or tonumber(string.match(cur, '^(%d+)-')) < start then cur = ARGV[1] .. '-0' end
local r = redis.call('XRANGE', stream, cur, '+', 'COUNT', chunk)
local counts, order = {}, {}
for _, e in ipairs(r) do
  local m = math.floor(tonumber(string.match(e[1], '^(%d+)-')) / width) * width
  if not counts[m] then
    counts[m] = 0
    order[#order + 1] = m
  end
  counts[m] = counts[m] + 1
end
for _, m in ipairs(order) do
  redis.call('HINCRBY', h, string.format('%d', m), counts[m])
end
if #r > 0 then cur = next_id(r[#r][1]) or cur end
if cur ~= stored then redis.call('HSET', h, @ARRIVALS_CURSOR@, cur) end
-- Counts older than keep go; only the window's minutes are ever written,
-- so the hash stays small and this stays short.
if redis.call('HLEN', h) > 2 * minutes + 10 then
  for _, f in ipairs(redis.call('HKEYS', h)) do
    local n = tonumber(f)
    if n and n < keep then redis.call('HDEL', h, f) end
  end
end
redis.call('PEXPIRE', h, ARGV[5])
local fields = {}
for i = 1, minutes do fields[i] = string.format('%d', start + (i - 1) * width) end
local got = redis.call('HMGET', h, unpack(fields))
for i = 1, minutes do got[i] = got[i] or '' end
local done = 0
if #r < chunk then done = 1 end
return {done, got}
`))

// luaGroupPosition reads a group's last-delivered ID and its recorded
// start (see GroupInfo.Start), as parseGroup does: the start is ignored
// when it lies after the last-delivered ID (left from an earlier group of
// the same name). luaIDs must come first.
const luaGroupPosition = `
local function group_position(stream, starts, group)
  local last = group_field(stream, group, 'last-delivered-id')
  if not last then return nil, nil end
  -- miniredis reports the ID a group was created at as given ("0").
  if not string.find(last, '-', 1, true) then last = last .. '-0' end
  local start = redis.call('HGET', starts, group)
  if start and not string.find(start, '-', 1, true) then start = start .. '-0' end
  if start and id_less(last, start) then start = nil end
  return last, start
end
`

// replayScript counts (mode "count") or copies (mode "copy") the acked
// entries of one chunk of an ID range: those a group delivered and that
// are no longer pending, neither dead-lettered (their outcome record says)
// nor skipped (at or before the group's start, with no record). A copy is
// a new entry at the end of the stream with the original's fields, but
// any FIELD_REPLAY_OF, then FIELD_REPLAY_OF = the original's ID; the
// original is untouched.
//
// KEYS[1] stream, KEYS[2] outcomes, KEYS[3] group starts
// ARGV[1] group, ARGV[2] first ID, ARGV[3] last ID (both inclusive),
// ARGV[4] most entries to look at, ARGV[5] mode, ARGV[6] MAXLEN ~ of the
// copies ("" never trims).
//
// Reply: {acked entries counted or copied, entries looked at, the next ID
// to look at ("" when the range is done), copies' IDs}. A missing group
// fails with NOGROUP.
var replayScript = valkey.NewLuaScript(luaSource(luaIDs, luaRecordLookup, luaRecords, luaGroupPosition, `
local stream, starts = KEYS[1], KEYS[3]
rec.outcomes = KEYS[2]
local group, from, to, chunk, mode, maxlen = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local last, start = group_position(stream, starts, group)
if not last then return redis.error_reply('NOGROUP no such consumer group') end
local r = redis.call('XRANGE', stream, from, to, 'COUNT', chunk)
local n, copies = 0, {}
for _, e in ipairs(r) do
  local id = e[1]
  local acked = not id_less(last, id) and #redis.call('XPENDING', stream, group, id, id, 1) == 0
  if acked then
    local t = rec_get(id)
    if t then
      acked = t[1] ~= @KIND_DEAD@
    elseif start and not id_less(start, id) then
      acked = false
    end
  end
  if acked then
    n = n + 1
    if mode == 'copy' then
      local args = {'XADD', stream}
      if maxlen ~= '' then
        args[3] = 'MAXLEN'
        args[4] = '~'
        args[5] = maxlen
      end
      args[#args + 1] = '*'
      local f = e[2]
      for i = 1, #f, 2 do
        if f[i] ~= @FIELD_REPLAY_OF@ then
          args[#args + 1] = f[i]
          args[#args + 1] = f[i + 1]
        end
      end
      args[#args + 1] = @FIELD_REPLAY_OF@
      args[#args + 1] = id
      copies[#copies + 1] = redis.call(unpack(args))
    end
  end
end
local nxt = ''
if #r == chunk then nxt = next_id(r[#r][1]) or '' end
return {n, #r, nxt, copies}
`))

// addOnceScript adds an entry unless its idempotency key added one within
// the window, in one step: the check and the XADD cannot be split by a
// second submit.
//
// KEYS[1] stream, KEYS[2] the idempotency key's key (idempotencyKey)
// ARGV[1] window (ms), ARGV[2] the entry's timestamp to answer with ("" for
// none), ARGV[3] MAXLEN ~ ("" never trims), ARGV[4…] field, value pairs.
//
// Reply: {id, timestamp, 1 when the key had added an entry already (its
// ID and timestamp are answered, nothing is added) else 0}.
var addOnceScript = valkey.NewLuaScript(addOnceSource)

// addOnceSHA names addOnceScript for EVALSHA in AddContacts' pipeline.
var addOnceSHA = scriptSHA(addOnceSource)

const addOnceSource = `
local prev = redis.call('GET', KEYS[2])
if prev then
  local nl = string.find(prev, '\n', 1, true)
  if nl then return {string.sub(prev, 1, nl - 1), string.sub(prev, nl + 1), 1} end
  return {prev, '', 1}
end
local args = {'XADD', KEYS[1]}
if ARGV[3] ~= '' then
  args[3] = 'MAXLEN'
  args[4] = '~'
  args[5] = ARGV[3]
end
args[#args + 1] = '*'
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
local id = redis.call(unpack(args))
redis.call('SET', KEYS[2], id .. '\n' .. ARGV[2], 'PX', ARGV[1])
return {id, ARGV[2], 0}
`

func scriptSHA(src string) string {
	sum := sha1.Sum([]byte(src))
	return hex.EncodeToString(sum[:])
}

// loadScript loads a script on every node, so that EVALSHA in a pipeline
// finds it.
func (c *Client) loadScript(ctx context.Context, src string) error {
	for _, n := range c.vk.Nodes() {
		if err := n.Do(ctx, n.B().ScriptLoad().Script(src).Build()).Error(); err != nil {
			return err
		}
	}
	return nil
}

// searchScript looks at one chunk of a stream, newest first, for entries
// whose name, email or message contains one of the needles, with ASCII
// letters compared case-insensitively: each value is lowered (A-Z only,
// the same on every server: gopher-lua's string.lower folds all of
// Unicode, a real server's only ASCII) and searched for the needles, which
// the caller lowered the same way. It reads nothing beyond the chunk.
//
// KEYS[1] stream, KEYS[2] outcomes
// ARGV[1] group, ARGV[2] the newest ID to look at (inclusive, or "+"),
// ARGV[3] most entries to look at, ARGV[4] preview bytes, ARGV[5…]
// needles.
//
// Reply: {matches, entries looked at, the last ID looked at ("" for
// none)}; a match is {{id, fields cut to the preview, cut}, pending owner
// ("" when not pending), deliveries, outcome record ("" for none)}.
//
// It only reads, but goes as EVALSHA, not EVALSHA_RO: servers before Redis
// 7 (which reviewq still serves) lack the latter. Search retries it itself.
var searchScript = valkey.NewLuaScript(luaSource(luaRecordLookup, `
local stream, outcomes = KEYS[1], KEYS[2]
local group, chunk, preview = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local LOWER = {}
for c = 65, 90 do LOWER[string.char(c)] = string.char(c + 32) end
local searched = {[@FIELD_NAME@] = true, [@FIELD_EMAIL@] = true, [@FIELD_MESSAGE@] = true}
local r = redis.call('XREVRANGE', stream, ARGV[2], '-', 'COUNT', chunk)
local matches = {}
for _, e in ipairs(r) do
  local f, hit = e[2], false
  for i = 1, #f - 1, 2 do
    if searched[f[i]] then
      local v = string.gsub(f[i + 1], '%u', LOWER)
      for j = 5, #ARGV do
        if string.find(v, ARGV[j], 1, true) then
          hit = true
          break
        end
      end
    end
    if hit then break end
  end
  if hit then
    local fields, cut = {}, 0
    for j, v in ipairs(f) do
      if #v > preview then
        v = string.sub(v, 1, preview)
        cut = 1
      end
      fields[j] = v
    end
    local owner, deliveries = '', 0
    local p = redis.call('XPENDING', stream, group, e[1], e[1], 1)
    if #p > 0 then
      owner = p[1][2]
      deliveries = p[1][4]
    end
    matches[#matches + 1] = {{e[1], fields, cut}, owner, deliveries, record_of(outcomes, e[1]) or ''}
  end
end
local last = ''
if #r > 0 then last = r[#r][1] end
return {matches, #r, last}
`))
