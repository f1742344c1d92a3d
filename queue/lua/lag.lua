-- lag.lua: counts a stream's entries after a group's last-delivered ID,
-- for servers that cannot say how many a group has not read yet (see
-- settleLag in group.go). Runs after its preludes (see lagScript there).
--
-- KEYS[1] stream
-- ARGV[1] the last-delivered ID, ARGV[2] the ID after it, ARGV[3] limit,
-- ARGV[4] chunk size
--
-- Reply: {count, 1}, or {limit + 1, 0} when there are more than the limit
-- (it reads at most limit + 1 entries). When no entry is at or before the
-- last-delivered ID (a group that has read nothing yet, or one the
-- trimming overtook), every entry counts: XLEN, whatever the length.
-- Otherwise the work is bounded by the limit, and only a chunk of entries
-- is held at a time.

local stream, last, from = KEYS[1], ARGV[1], ARGV[2]
local limit, chunk = tonumber(ARGV[3]), tonumber(ARGV[4])
if #redis.call('XRANGE', stream, '-', last, 'COUNT', 1) == 0 then
  return {redis.call('XLEN', stream), 1}
end
local n = 0
while true do
  local want = math.min(chunk, limit + 1 - n)
  local r = redis.call('XRANGE', stream, from, '+', 'COUNT', want)
  n = n + #r
  if #r < want then return {n, 1} end
  if n > limit then return {n, 0} end
  from = next_id(r[#r][1])
  if not from then return {n, 1} end
end
