-- records.lua (prelude, after ids.lua and record_lookup.lua): writing the
-- outcome records (where they are kept: see record_lookup.lua) and the
-- activity counts, in the same script as the change they record. A
-- script using it sets rec's fields first:
--
--   rec.stream    the stream (its first entry bounds the records kept)
--   rec.outcomes  outcomesKey: the records (see record_lookup.lua)
--   rec.released  releasedKey: entries handed back, by release time
--   rec.activity  activityKey of the minute of rec.now
--   rec.now       now (ms, a string), rec.actor the consumer acting,
--   rec.retention records of entries older than this (ms) go,
--   rec.step      at most this many records go per call.
--
-- A record is a list of strings, each written as its byte length, ":",
-- and the bytes, so a consumer name or a reason may hold any byte:
--
--   {kind, at ms, by, held ms or "", reason, redriven as, redriven at, redriven by}
--
-- kind is __KIND_CLAIMED__ (by claimed it at), __KIND_RELEASED__ (by handed
-- it back at), __KIND_ACKED__ or __KIND_DEAD__; an entry has one record,
-- its latest. __KIND_SNOOZED__ and __KIND_WAITING__ (put away to wait: see
-- waiting.lua) read {kind, at, by, held, until ms, back as, back at, why}. held is how long the holder had it, from its claim to the
-- ack or dead-letter (keep-alives do not restart it, a reclaim does). A
-- claim writes nothing: a pending entry's idle time is the time since its
-- delivery until a keep-alive resets it, so the first keep-alive of a
-- hold notes when it began (a claimed record), and the ack takes the hold
-- from that record when its holder wrote it, else from the idle time. See
-- parseRecord for the Go side; lua_test.go tests enc, dec and bucket on
-- their own (TestLuaRecordCodec, TestLuaBuckets).

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
-- needs to replace it: where it is (see record_find) and id.
local function rec_find(id)
  local v, where = record_find(rec.outcomes, id)
  if not v then return nil, where, id end
  return dec(v), where, id
end
local function rec_get(id)
  local r = rec_find(id)
  return r
end
-- rec_put writes id's record t in place of the one found at where.
local function rec_put(id, where, t)
  record_write(rec.outcomes, id, where, enc(t))
end
local function rec_set(id, t)
  local _, where = rec_find(id)
  rec_put(id, where, t)
end
-- bucket numbers a duration (ms) in the histograms: __HIST_SUB__ linear
-- steps per doubling, exact in integers on every server (no math.log).
local function bucket(ms)
  if ms < 1 then return 0 end
  local e, p = 0, 1
  while p * 2 <= ms do p = p * 2; e = e + 1 end
  return e * __HIST_SUB__ + math.floor((ms - p) * __HIST_SUB__ / p) + 1
end
-- held_of is how long owner has held the entry: since the claim its first
-- keep-alive noted (a claimed record by owner), else since its delivery
-- (the pending entry's idle time, exact until a keep-alive resets it).
local function held_of(before, owner, idle)
  if before and before[1] == __KIND_CLAIMED__ and before[3] == owner then
    local held = tonumber(rec.now) - tonumber(before[2])
    if held < 0 then held = 0 end
    return held
  end
  return idle
end
-- trim removes, at most rec.step at a time, the records of entries before
-- the stream's first entry (trimmed away) or older than the retention. It
-- runs with the first ack or dead letter of each minute and every
-- __TRIM_EVERY__th after it (see count): up to rec.step/__TRIM_EVERY__ records
-- removed per ack, where a message adds at most one.
local function trim()
  local cutoff = tonumber(rec.now) - rec.retention
  if cutoff < 0 then cutoff = 0 end
  cutoff = fmt(cutoff) .. '-0'
  local first = redis.call('XRANGE', rec.stream, '-', '+', 'COUNT', 1)
  if #first > 0 and id_less(cutoff, first[1][1]) then cutoff = first[1][1] end
  local ids = records_before(rec.outcomes, cutoff, rec.step)
  if #ids == 0 then return end
  redis.call('ZREM', rec.released, unpack(ids))
end
-- count adds one to a field of this minute's activity. For a minute's
-- acks or dead letters (first), the first count gives the hash its
-- lifetime, and every __TRIM_EVERY__th from the first trims the records.
local function count(field, first)
  local n = redis.call('HINCRBY', rec.activity, field, 1)
  if not first then return end
  if n == 1 then redis.call('PEXPIRE', rec.activity, __ACTIVITY_TTL_MS__) end
  if n % __TRIM_EVERY__ == 1 then trim() end
end
local function unrelease(before, id)
  if before and before[1] == __KIND_RELEASED__ then redis.call('ZREM', rec.released, id) end
end
-- record_hold notes when owner claimed the entry, before a keep-alive
-- resets its idle time: once per hold, not for a released entry.
local function record_hold(id, owner, idle)
  local before, old, k = rec_find(id)
  if before and (before[1] == __KIND_CLAIMED__ or before[1] == __KIND_RELEASED__) and before[3] == owner then return end
  rec_put(k, old, {__KIND_CLAIMED__, fmt(tonumber(rec.now) - idle), owner})
end
-- record_claim starts a hold now: a released entry claimed (its release
-- record goes, and it leaves the released set).
local function record_claim(id)
  local before, old, k = rec_find(id)
  rec_put(k, old, {__KIND_CLAIMED__, rec.now, rec.actor})
  unrelease(before, id)
end
-- An ack counts once in the minute's acks and once in one field that says
-- its time-to-ack bucket, its held bucket and who acked: Activity sums the
-- rest from those.
local function record_ack(id, owner, idle)
  local before, old, k = rec_find(id)
  local held = held_of(before, owner, idle)
  rec_put(k, old, {__KIND_ACKED__, rec.now, rec.actor, fmt(held)})
  unrelease(before, id)
  count(__ACT_ACKS__, true)
  count(__ACT_ACK__ .. fmt(bucket(tonumber(rec.now) - tonumber(id_ms(id)))) .. ':' .. fmt(bucket(held)) .. ':' .. rec.actor)
end
local function record_dead(id, reason, auto, owner, idle)
  local before, old, k = rec_find(id)
  rec_put(k, old, {__KIND_DEAD__, rec.now, rec.actor, fmt(held_of(before, owner, idle)), reason})
  unrelease(before, id)
  count(__ACT_DEAD__, true)
  if not auto then count(__ACT_DEAD_BY__ .. rec.actor) end
end
-- released_record is the entry's release record when owner handed it back
-- and nobody took it since; nil otherwise.
local function released_record(id, owner)
  local r = rec_get(id)
  if r and r[1] == __KIND_RELEASED__ and r[3] == owner then return r end
  return nil
end
