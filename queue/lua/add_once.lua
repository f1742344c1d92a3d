-- add_once.lua: adds an entry unless its idempotency key added one within
-- the window, in one step: the check and the XADD cannot be split by a
-- second submit. No preludes (see addOnceScript in ops.go).
--
-- KEYS[1] stream, KEYS[2] the idempotency key's key (idempotencyKey)
-- ARGV[1] window (ms), ARGV[2] the entry's timestamp to answer with ("" for
-- none), ARGV[3] MAXLEN ~ ("" never trims), ARGV[4…] field, value pairs.
--
-- Reply: {id, timestamp, 1 when the key had added an entry already (its
-- ID and timestamp are answered, nothing is added) else 0, ""}. A key
-- whose add was for later (add_later.lua) and is not due yet answers
-- with the scheduled ID and, last, when it is due (ms).
--
-- The key's value is "ID\ntimestamp", or "scheduled ID\ntimestamp\ndue"
-- until the scheduled message is added to the stream (see waiting.lua's
-- promote, which rewrites it).

local prev = redis.call('GET', KEYS[2])
if prev then
  local parts = {}
  for line in string.gmatch(prev .. '\n', '([^\n]*)\n') do parts[#parts + 1] = line end
  return {parts[1], parts[2] or '', 1, parts[3] or ''}
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
return {id, ARGV[2], 0, ''}
