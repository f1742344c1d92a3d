-- add_later.lua: adds a message for later: not to the stream, where the
-- web example would read it at once, but to the stream's scheduled set,
-- until it is due (see waiting.lua). With an idempotency key, unless the
-- key added one within the window, in one step. Runs after its preludes
-- (see addLaterScript in wait.go).
--
-- KEYS[1] scheduled set, KEYS[2] scheduled contents, KEYS[3] the
-- idempotency key's key (idempotencyKey), when there is one
-- ARGV[1] window (ms), ARGV[2] the entry's timestamp to answer with ("" for
-- none), ARGV[3] due (ms), ARGV[4] now (ms), ARGV[5…] field, value pairs.
--
-- The scheduled ID is "s" and a stream ID of the time it was added: an
-- order of adds, not a stream entry.
--
-- Reply: {scheduled ID, timestamp, 0, due (ms)}, or, when the key had
-- added a message already, what add_once.lua answers then: {its ID or
-- scheduled ID, timestamp, 1, due (ms) or ""}.

local sched, content, idem = KEYS[1], KEYS[2], KEYS[3]
if idem then
  local prev = redis.call('GET', idem)
  if prev then
    local parts = {}
    for line in string.gmatch(prev .. '\n', '([^\n]*)\n') do parts[#parts + 1] = line end
    return {parts[1], parts[2] or '', 1, parts[3] or ''}
  end
end
-- The next ID after the last one handed out, as a stream orders its own.
local now = tonumber(ARGV[4])
local ms, seq = now, 0
local last = redis.call('HGET', content, 'last')
if last then
  local lms, lseq = string.match(last, '^(%d+)-(%d+)$')
  if lms and tonumber(lms) >= now then ms, seq = tonumber(lms), tonumber(lseq) + 1 end
end
local stamp = string.format('%d-%d', ms, seq)
redis.call('HSET', content, 'last', stamp)
local sid = 's' .. stamp
local c = {ARGV[3], idem or '', ARGV[2]}
for i = 5, #ARGV do c[#c + 1] = ARGV[i] end
redis.call('HSET', content, sid, enc(c))
redis.call('ZADD', sched, ARGV[3], sid)
if idem then redis.call('SET', idem, sid .. '\n' .. ARGV[2] .. '\n' .. ARGV[3], 'PX', ARGV[1]) end
return {sid, ARGV[2], 0, ARGV[3]}
