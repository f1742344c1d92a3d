-- trim_dead.lua: one step of the dead letters' retention (see
-- Client.Trim): the dead-letter stream's entries from a cursor up to the
-- last ID before the cutoff (a dead letter's ID is when it was
-- dead-lettered), a chunk at most, are removed (with XTRIM MINID: they are
-- the head of the stream, everything before them having gone in earlier
-- steps) or, in mode __MODE_COUNT__, counted. No group reads the
-- dead-letter stream, so none is asked. Runs after ids.lua (see
-- trimDeadScript in trim.go).
--
-- KEYS[1] dead-letter stream
-- ARGV[1] the first ID to look at, ARGV[2] the last one (inclusive),
-- ARGV[3] most entries to look at, ARGV[4] mode (__MODE_COUNT__ or
-- __MODE_TRIM__)
--
-- Reply: {removed or counted, the next ID to look at ("" when done)}.

local dead, from, to, chunk, mode = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local r = redis.call('XRANGE', dead, from, to, 'COUNT', chunk)
if #r == 0 then return {0, ''} end
local below = next_id(r[#r][1])
if mode == __MODE_TRIM__ then
  if below then
    redis.call('XTRIM', dead, 'MINID', '=', below)
  else
    local ids = {}
    for i, e in ipairs(r) do ids[i] = e[1] end
    redis.call('XDEL', dead, unpack(ids))
  end
end
local nxt = ''
if #r == chunk then nxt = below or '' end
return {#r, nxt}
