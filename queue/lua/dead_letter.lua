-- dead_letter.lua (prelude): moving an entry to the dead-letter stream.
--
-- The five meta pairs always come first and in this order (see
-- deadMetaFields); the original fields follow. It records the outcome too
-- (after records.lua): owner and idle are the pending entry's, auto is
-- true when reviewq moved the entry by itself (deleted while pending, past
-- the max deliveries), false for a reviewer's reject.

local function dead_letter(stream, dead, group, id, fields, reason, deliveries, owner, idle, now, auto)
  local args = {'XADD', dead, '*',
    __DEAD_ID__, id, __DEAD_REASON__, reason, __DEAD_DELIVERIES__, tostring(deliveries),
    __DEAD_CONSUMER__, owner, __DEAD_AT__, now}
  for i = 1, #fields do args[#args + 1] = fields[i] end
  local did = redis.call(unpack(args))
  redis.call('XACK', stream, group, id)
  record_dead(id, reason, auto, owner, idle)
  return did
end
