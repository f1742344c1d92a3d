-- snooze.lua: puts a message the consumer holds away until a time: out
-- of the group's pending list and out of the stream's new entries, where
-- nobody's claim (the web example's XAUTOCLAIM ... 0 included) can take
-- it, until it is due and comes back as a new entry (see waiting.lua).
-- Runs after its preludes (see snoozeScript in wait.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] released entries, KEYS[4]
-- this minute's activity, KEYS[5] the group's waiting set, KEYS[6]
-- snoozed contents
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] id, ARGV[4] until (ms),
-- ARGV[5] now (ms), ARGV[6] record retention (ms), ARGV[7] records
-- trimmed per call at most.
--
-- A snooze is not a failed delivery: the message comes back at the
-- delivery count it has now (it carries one less, and its return counts
-- one).
--
-- Reply: {__TAG_OK__, until} | {__TAG_NOT_PENDING__} | {__TAG_HELD__, owner} |
-- {__TAG_GONE__} (neither pending nor in the stream) | {__TAG_DELETED__}
-- (still pending, but deleted from the stream while held). A missing group
-- fails with NOGROUP.

local stream, group, consumer, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[2], KEYS[3], KEYS[4]
rec.now, rec.actor, rec.retention, rec.step = ARGV[5], consumer, tonumber(ARGV[6]), tonumber(ARGV[7])
wt.group, wt.set, wt.snoozed = group, KEYS[5], KEYS[6]
local p = redis.call('XPENDING', stream, group, id, id, 1)
local e = redis.call('XRANGE', stream, id, id)
if #p == 0 then
  if #e == 0 then return {__TAG_GONE__} end
  return {__TAG_NOT_PENDING__}
end
if p[1][2] ~= consumer then return {__TAG_HELD__, p[1][2]} end
if #e == 0 then return {__TAG_DELETED__} end
local f = e[1][2]
local deliveries = p[1][4] + carried_of(f)
wait_put(__WAIT_SNOOZED__, id, f, consumer, consumer, p[1][3], tonumber(ARGV[4]), math.max(deliveries - 1, 0), '')
return {__TAG_OK__, ARGV[4]}
