-- touch.lua: keeps a held entry alive (mode __MODE_KEEP__) or hands it
-- back (mode __MODE_RELEASE__), but only while the consumer still holds
-- it: a plain XCLAIM would take it back from a reviewer who reclaimed it
-- meanwhile. Runs after its preludes (see touchScript in ops.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] released entries, KEYS[4]
-- this minute's activity, KEYS[5] the group's waiting set, KEYS[6]
-- backing-off contents
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] mode,
-- ARGV[5] idle (ms) to set on release, so that other programs' claims
-- (the web example's XAUTOCLAIM) may take it at once too, ARGV[6] now (ms),
-- ARGV[7] record retention (ms), ARGV[8] records trimmed per call at most,
-- ARGV[9] retry backoff base (ms; 0: off), ARGV[10] its cap (ms).
--
-- A release records who handed the entry back and when, and puts it in
-- KEYS[3], which the next claim takes from first (see claim.lua). With
-- the retry backoff on, a release is a retry instead: the entry waits
-- (waiting.lua) base x 2^(deliveries-1), capped, and comes back as a new
-- entry whose next delivery counts. The first keep-alive of a hold
-- records when it began (now minus the idle time it is about to reset),
-- for the ack's held time (see records.lua).
--
-- Reply: {__TAG_OK__, due (ms) of a release that waits, else ""} |
-- {__TAG_NOT_PENDING__} | {__TAG_HELD__, owner} |
-- {__TAG_GONE__} (neither pending nor in the stream) | {__TAG_DELETED__}
-- (still pending, but deleted from the stream while held). A missing group
-- fails with NOGROUP.
--
-- Deviation (miniredis v2.40.0, XCLAIM): it counts a delivery for every
-- XCLAIM, JUSTID or not, where a real server counts none for JUSTID. A
-- reviewer holding a message for two minutes gained a delivery per
-- keep-alive and was then dead-lettered, "delivered 9 times". RETRYCOUNT
-- restates the count read from XPENDING, so neither server adds one.
--
-- Deviation (XCLAIM of an entry deleted from the stream): Redis 7 drops it
-- from the pending list; miniredis keeps it, counts a delivery and moves
-- its owner's pending count without the entry. The entry is therefore
-- looked up first and never claimed once deleted: it stays pending, for
-- the next claim to record in the dead-letter stream as deleted while
-- pending.

local stream, group, consumer, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[2], KEYS[3], KEYS[4]
rec.now, rec.actor, rec.retention, rec.step = ARGV[6], consumer, tonumber(ARGV[7]), tonumber(ARGV[8])
wt.group, wt.set, wt.backoff = group, KEYS[5], KEYS[6]
local backoff, cap = tonumber(ARGV[9]), tonumber(ARGV[10])
local p = redis.call('XPENDING', stream, group, id, id, 1)
if #p == 0 then
  if #redis.call('XRANGE', stream, id, id) == 0 then return {__TAG_GONE__} end
  return {__TAG_NOT_PENDING__}
end
if p[1][2] ~= consumer then return {__TAG_HELD__, p[1][2]} end
local e = redis.call('XRANGE', stream, id, id)
if #e == 0 then return {__TAG_DELETED__} end
local deliveries = p[1][4]
if ARGV[4] == __MODE_RELEASE__ and backoff > 0 then
  local total = deliveries + carried_of(e[1][2])
  local due = tonumber(ARGV[6]) + backoff_ms(backoff, cap, total)
  wait_put(__WAIT_BACKOFF__, id, e[1][2], consumer, consumer, p[1][3], due, total, __WHY_RELEASED__)
  return {__TAG_OK__, fmt(due)}
elseif ARGV[4] == __MODE_RELEASE__ then
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'IDLE', ARGV[5], 'RETRYCOUNT', deliveries, 'JUSTID')
  rec_set(id, {__KIND_RELEASED__, ARGV[6], consumer})
  redis.call('ZADD', rec.released, ARGV[6], id)
else
  record_hold(id, consumer, p[1][3])
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', deliveries, 'JUSTID')
end
return {__TAG_OK__, ''}
