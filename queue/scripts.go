package queue

import "github.com/valkey-io/valkey-go"

// Every change that takes more than one command is a Lua script: atomic, and
// one round trip. Scripts never call TIME; the caller passes "now" so tests
// can fix the clock and replicas see the same value.

// luaDeadLetter is shared by the scripts that move entries to the dead-letter
// stream. The five meta pairs always come first and in this order (see
// deadMetaFields); the original fields follow.
const luaDeadLetter = `
local function dead_letter(stream, dead, group, id, fields, reason, deliveries, owner, now)
  local args = {'XADD', dead, '*',
    'dead.id', id, 'dead.reason', reason, 'dead.deliveries', tostring(deliveries),
    'dead.consumer', owner, 'dead.at', now}
  for i = 1, #fields do args[#args + 1] = fields[i] end
  local did = redis.call(unpack(args))
  redis.call('XACK', stream, group, id)
  return did
end
`

// luaIDs holds the stream-ID arithmetic the scripts share. IDs stay strings:
// a sequence number may be up to 2^64-1, beyond what a Lua number holds
// exactly, so only short ones are done in floating point.
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
`

// claimScript claims the next message for a consumer, after acknowledging
// the one it finished (AckAndClaim), in one round trip whose server work is
// bounded whatever the length of the pending list.
//
// KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] the group's sweep
// cursor (claimCursorKey)
// ARGV[1] group, ARGV[2] consumer, ARGV[3] reclaim-after (ms),
// ARGV[4] max deliveries (0: never dead-letter), ARGV[5] now (ms),
// ARGV[6] how many unusable pending entries one call may clear away,
// ARGV[7] ID to acknowledge first ("" for none), ARGV[8] head rows,
// ARGV[9] budget (steps), ARGV[10] dense-window width,
// ARGV[11] cursor lifetime (ms).
//
// The budget is counted in steps, one step being what walking one pending
// entry inside XPENDING costs (about 70 ns on Redis 7.0). Handing one
// XPENDING row to Lua costs about 14 steps (ROW), and every call about 30
// (CALL). No call below walks more entries, or reads more rows, than the
// budget pays for, so a claim costs about the same on ten pending entries
// or ten million. (XPENDING IDLE over an open range, as the claim used to
// do, walks until it finds an idle entry: the whole list when none is, 87
// ms at a million. XAUTOCLAIM bounds its walk by COUNT, but looks every
// entry up in the stream, about 1.6 us each.)
//
// Which entry idle past reclaim-after it takes, by the length of the
// pending list:
//
//   - Fewer than ARGV[8] entries (read as rows), or at most ARGV[9] (the
//     group's count, from XINFO GROUPS; then XPENDING IDLE walks the whole
//     list): the oldest idle entry, as before.
//   - Longer: the oldest idle one among the first ARGV[8] (the head, what
//     the web example's XAUTOCLAIM ... 0-0 COUNT 1 looks at), else the next
//     idle one the sweep comes to. The sweep walks the rest of the list in
//     ID order from a cursor kept in KEYS[3], one bounded stretch per claim,
//     and starts over after the end. Entries delivered once and never
//     touched since become idle in ID order, so abandoned work is normally
//     at the head and found oldest first; an entry idle anywhere else (a
//     released one, or one reclaimed and abandoned again) is found within
//     one sweep, ceil(pending / stretch) claims. The stretch reads rows
//     (XPENDING cursor + n: exact, about 200 entries per claim) and, where
//     a millisecond holds many pending entries (bulk adds, bursts), walks
//     the rest of that millisecond with XPENDING IDLE over at most
//     ARGV[10] sequence numbers, so at most that many entries, at step
//     cost: about 1,000 entries per claim or more.
//
// Every idle entry found is either gone from the stream (acknowledged away
// and recorded in the dead-letter stream), past the max deliveries (moved
// to the dead-letter stream and acknowledged), or claimed with XCLAIM,
// which counts one more delivery. Without one, it reads one new entry with
// XREADGROUP ... >.
//
// Reply: {kind, id, fields, deliveries, previous owner, idle ms, dropped
// ids, dead-lettered ids, acked, {rows read, windows walked, steps spent}};
// kind is "reclaimed", "new" or "empty". Reading the entry with XRANGE
// before XCLAIM tells a deleted entry apart exactly, on every server
// version (XCLAIM's reply for one changed in Redis 7).
var claimScript = valkey.NewLuaScript(luaDeadLetter + luaIDs + `
local stream, dead, cursor_key = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, min_idle_ms, min_idle = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[3])
local max_deliveries, now, unusable = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local ack_id, head_rows, budget = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local width, lifetime = tonumber(ARGV[10]), ARGV[11]
local ROW, CALL, DENSE_PROBE, SPARSE_PROBE, WALK = 14, 30, 4, 64, 4

local acked = 0
if ack_id ~= '' then acked = redis.call('XACK', stream, group, ack_id) end

local head = redis.call('XPENDING', stream, group, '-', '+', head_rows)
local rows, windows, steps = #head, 0, 0
local queue, qi = {}, 1
local mode = 'head'
if #head == head_rows then
  local pending = budget + 1
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local name, count
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'pending' then count = g[i + 1] end
    end
    if name == group then pending = count end
  end
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

-- The sweep's state: pos is the first ID it has not looked at yet, false
-- when it is to start over after the head.
local stored, pos, wrapped, probe = nil, nil, false, SPARSE_PROBE
local after_head = next_id(head[#head] and head[#head][1] or '0-0')
if mode == 'sweep' then
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
      local ms1 = string.match(page[1][1], '^(%d+)-')
      local ms, seq = string.match(last, '^(%d+)-(%d+)$')
      if #found == 0 and pos and ms == ms1 and #seq <= 15 and steps + CALL + width <= budget then
        -- A dense millisecond: walk the rest of it, at most width IDs.
        local hi = ms .. '-' .. string.format('%d', tonumber(seq) + width)
        local p = redis.call('XPENDING', stream, group, 'IDLE', min_idle_ms, pos, hi, 1)
        windows = windows + 1
        steps = steps + CALL + width
        if #p > 0 then
          found[1] = p[1]
          pos = next_id(p[1][1])
        else
          pos = next_id(hi)
        end
        probe = DENSE_PROBE
      else
        probe = SPARSE_PROBE
      end
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

local dropped, deadlettered = {}, {}
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
  if #e == 0 then
    dead_letter(stream, dead, group, id, {}, 'deleted from the stream while pending', deliveries, owner, now)
    dropped[#dropped + 1] = id
    cleared = cleared + 1
  elseif max_deliveries > 0 and deliveries >= max_deliveries then
    dead_letter(stream, dead, group, id, e[1][2], 'max deliveries exceeded', deliveries, owner, now)
    deadlettered[#deadlettered + 1] = id
    cleared = cleared + 1
  else
    -- JUSTID alone would not count the delivery; RETRYCOUNT sets it.
    redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', deliveries + 1, 'JUSTID')
    if in_head then
      save_cursor(stored)
    elseif qi <= #queue then
      save_cursor(next_id(id)) -- the rest of this stretch is looked at again next time
    else
      save_cursor(pos)
    end
    return {'reclaimed', id, e[1][2], deliveries + 1, owner, idle, dropped, deadlettered, acked, {rows, windows, steps}}
  end
end
if in_head then save_cursor(stored) else save_cursor(pos) end

local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
if r and #r > 0 and #r[1][2] > 0 then
  local e = r[1][2][1]
  return {'new', e[1], e[2], 1, '', 0, dropped, deadlettered, acked, {rows, windows, steps}}
end
return {'empty', '', {}, 0, '', 0, dropped, deadlettered, acked, {rows, windows, steps}}
`)

// claimIDScript claims one given pending entry for a consumer.
//
// KEYS[1] stream, KEYS[2] dead-letter stream
// ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] min idle (ms) the
// entry must have when another consumer holds it (0 takes it regardless),
// ARGV[5] now (ms).
//
// Reply: {"ok", id, fields, deliveries, previous owner, idle ms} |
// {"notpending"} | {"held", owner, idle ms} | {"deleted"}.
var claimIDScript = valkey.NewLuaScript(luaDeadLetter + `
local stream, dead = KEYS[1], KEYS[2]
local group, consumer, id, min_idle, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local p = redis.call('XPENDING', stream, group, id, id, 1)
if #p == 0 then return {'notpending'} end
local owner, idle, deliveries = p[1][2], p[1][3], p[1][4]
if owner ~= consumer and idle < min_idle then return {'held', owner, idle} end
local e = redis.call('XRANGE', stream, id, id)
if #e == 0 then
  dead_letter(stream, dead, group, id, {}, 'deleted from the stream while pending', deliveries, owner, now)
  return {'deleted'}
end
redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', deliveries + 1, 'JUSTID')
return {'ok', id, e[1][2], deliveries + 1, owner, idle}
`)

// touchScript keeps a held entry alive (mode "keep") or hands it back
// (mode "release"), but only while the consumer still holds it: a plain
// XCLAIM would take it back from a reviewer who reclaimed it meanwhile.
//
// KEYS[1] stream
// ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] mode,
// ARGV[5] idle (ms) to set on release, so any claimer may take it at once.
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
var touchScript = valkey.NewLuaScript(`
local stream, group, consumer, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
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
else
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', deliveries, 'JUSTID')
end
return {'ok'}
`)

// rejectScript moves a pending entry to the dead-letter stream now, with the
// reviewer's reason, and acknowledges it.
//
// KEYS[1] stream, KEYS[2] dead-letter stream
// ARGV[1] group, ARGV[2] id, ARGV[3] reason, ARGV[4] now (ms)
//
// Reply: {"ok", dead-letter id} | {"notpending"} | {"gone"} (neither pending
// nor in the stream). A missing group fails with NOGROUP.
var rejectScript = valkey.NewLuaScript(luaDeadLetter + `
local stream, dead = KEYS[1], KEYS[2]
local group, id, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local p = redis.call('XPENDING', stream, group, id, id, 1)
local e = redis.call('XRANGE', stream, id, id)
if #p == 0 then
  if #e == 0 then return {'gone'} end
  return {'notpending'}
end
local fields = {}
if #e > 0 then fields = e[1][2] end
return {'ok', dead_letter(stream, dead, group, id, fields, reason, p[1][4], p[1][2], now)}
`)

// ackScript acknowledges entries, counting those that were pending.
//
// KEYS[1] stream
// ARGV[1] group, ARGV[2…] ids
//
// Reply: {acked, gone ids}: how many were pending (and are acked now), and
// the IDs that were neither pending nor in the stream. A missing group fails
// with NOGROUP (XACK alone answers 0 on a missing group, on every server).
//
// Deviation (miniredis v2.40.0, XACK): an entry deleted from the stream
// while pending is removed from the pending list but not counted; a real
// server counts it. The count comes from XPENDING, which both report alike.
var ackScript = valkey.NewLuaScript(`
local stream, group = KEYS[1], ARGV[1]
local acked, gone = 0, {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if #redis.call('XPENDING', stream, group, id, id, 1) > 0 then
    redis.call('XACK', stream, group, id)
    acked = acked + 1
  elseif #redis.call('XRANGE', stream, id, id) == 0 then
    gone[#gone + 1] = id
  end
end
return {acked, gone}
`)

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
// with the original fields, and removes it from the dead-letter stream.
//
// KEYS[1] dead-letter stream, KEYS[2] stream
// ARGV[1] dead-letter id
//
// Reply: {"ok", new id} | {"missing"} | {"empty"}.
var redriveScript = valkey.NewLuaScript(`
local dead, stream, id = KEYS[1], KEYS[2], ARGV[1]
local e = redis.call('XRANGE', dead, id, id)
if #e == 0 then return {'missing'} end
local fields = e[1][2]
local args = {'XADD', stream, '*'}
for i = 11, #fields do args[#args + 1] = fields[i] end
if #args == 3 then return {'empty'} end
local nid = redis.call(unpack(args))
redis.call('XDEL', dead, id)
return {'ok', nid}
`)

// pageScript reads one page of a stream with every value cut to a preview
// size (an entry may hold megabytes; a page should not), plus which of the
// page's entries are pending and with whom.
//
// KEYS[1] stream
// ARGV[1] group ("" for none), ARGV[2] "XRANGE" or "XREVRANGE",
// ARGV[3] first bound, ARGV[4] second bound (in the command's order),
// ARGV[5] count, ARGV[6] preview bytes.
//
// Reply: {entries, pending} where entries are {id, fields, cut} and pending
// is a flat list of id, consumer, deliveries.
var pageScript = valkey.NewLuaScript(`
local stream, group, cmd, preview = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[6])
local raw = redis.call(cmd, stream, ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local entries, pending = {}, {}
for i, e in ipairs(raw) do
  local fields, cut = {}, 0
  for j, v in ipairs(e[2]) do
    if #v > preview then v = string.sub(v, 1, preview); cut = 1 end
    fields[j] = v
  end
  entries[i] = {e[1], fields, cut}
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
end
return {entries, pending}
`)
