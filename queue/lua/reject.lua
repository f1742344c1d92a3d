-- reject.lua: moves a pending entry to the dead-letter stream now, with
-- the reviewer's reason, and acknowledges it, recording who did it. Runs
-- after its preludes (see rejectScript in ops.go).
--
-- KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] outcomes, KEYS[4]
-- released entries, KEYS[5] this minute's activity
-- ARGV[1] group, ARGV[2] id, ARGV[3] reason, ARGV[4] now (ms),
-- ARGV[5] the consumer rejecting it, ARGV[6] record retention (ms),
-- ARGV[7] records trimmed per call at most.
--
-- Reply: {__TAG_OK__, dead-letter id} | {__TAG_NOT_PENDING__} |
-- {__TAG_GONE__} (neither pending nor in the stream). A missing group
-- fails with NOGROUP.

local stream, dead = KEYS[1], KEYS[2]
local group, id, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[3], KEYS[4], KEYS[5]
rec.now, rec.actor, rec.retention, rec.step = now, ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local p = redis.call('XPENDING', stream, group, id, id, 1)
local e = redis.call('XRANGE', stream, id, id)
if #p == 0 then
  if #e == 0 then return {__TAG_GONE__} end
  return {__TAG_NOT_PENDING__}
end
local fields = {}
if #e > 0 then fields = e[1][2] end
-- The deliveries it carries from before a wait count (see waiting.lua).
local did = dead_letter(stream, dead, group, id, fields, reason, p[1][4] + carried_of(fields), p[1][2], p[1][3], now, false)
return {__TAG_OK__, did}
