-- claim_id.lua: claims one given pending entry for a consumer. Runs after
-- its preludes (see claimIDScript in ops.go).
--
-- KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] outcomes, KEYS[4]
-- released entries, KEYS[5] this minute's activity
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] min idle (ms) the
-- entry must have when another consumer holds it (0 takes it regardless),
-- ARGV[5] now (ms), ARGV[6] record retention (ms), ARGV[7] records trimmed
-- per call at most.
--
-- An entry its holder handed back is not held: it is taken at once, and
-- without counting a delivery, as the claim takes it. The deliveries
-- answered count those an entry added again after a wait carries (see
-- waiting.lua).
--
-- Reply: {__TAG_OK__, id, fields, deliveries, previous owner, idle ms,
-- released by, released at} | {__TAG_NOT_PENDING__} | {__TAG_HELD__,
-- owner, idle ms} | {__TAG_DELETED__}. A missing group fails with NOGROUP.

local stream, dead = KEYS[1], KEYS[2]
local group, consumer, id, min_idle, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[3], KEYS[4], KEYS[5]
rec.now, rec.actor, rec.retention, rec.step = now, consumer, tonumber(ARGV[6]), tonumber(ARGV[7])
local p = redis.call('XPENDING', stream, group, id, id, 1)
if #p == 0 then return {__TAG_NOT_PENDING__} end
local owner, idle, deliveries = p[1][2], p[1][3], p[1][4]
local rel = released_record(id, owner)
if not rel and owner ~= consumer and idle < min_idle then return {__TAG_HELD__, owner, idle} end
local e = redis.call('XRANGE', stream, id, id)
if #e == 0 then
  dead_letter(stream, dead, group, id, {}, __REASON_DELETED__, deliveries, owner, idle, now, true)
  return {__TAG_DELETED__}
end
local n, rel_by, rel_at = deliveries + 1, '', ''
if rel then
  n, rel_by, rel_at, idle = deliveries, rel[3], rel[2], 0
end
redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', n, 'JUSTID')
if rel then record_claim(id) end
return {__TAG_OK__, id, e[1][2], n + carried_of(e[1][2]), owner, idle, rel_by, rel_at}
