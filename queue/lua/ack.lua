-- ack.lua: acknowledges entries, counting those that were pending, and
-- records each ack: who, when, after how long a hold (see records.lua).
-- Runs after its preludes (see ackScript in ops.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] released entries, KEYS[4]
-- this minute's activity
-- ARGV[1] group, ARGV[2] now (ms), ARGV[3] the consumer acking,
-- ARGV[4] record retention (ms), ARGV[5] records trimmed per call at most,
-- ARGV[6…] ids
--
-- Reply: {acked, gone ids}: how many were pending (and are acked now), and
-- the IDs that were neither pending nor in the stream. A missing group
-- fails with NOGROUP (XACK alone answers 0 on a missing group, on every
-- server).
--
-- Deviation (miniredis v2.40.0, XACK): an entry deleted from the stream
-- while pending is removed from the pending list but not counted; a real
-- server counts it. The count comes from XPENDING, which both report
-- alike.

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
