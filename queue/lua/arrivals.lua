-- arrivals.lua: counts the stream's entries per minute of their ID time,
-- going on from where the last call stopped: a cursor (the next ID to
-- count) kept in the arrivals hash, beside the counts (field: the
-- minute's start in ms). Entries are counted once, as they arrive, so the
-- count neither depends on what was trimmed or deleted since nor grows
-- with the stream: each call reads at most ARGV[2] entries. Runs after its
-- preludes (see arrivalsScript in activity.go).
--
-- KEYS[1] stream, KEYS[2] arrivals hash (arrivalsKey)
-- ARGV[1] the first minute to report (ms), ARGV[2] most entries to read,
-- ARGV[3] minute (ms), ARGV[4] counts older than this (ms) are removed,
-- ARGV[5] lifetime of the hash (ms), ARGV[6] minutes to report.
--
-- A cursor before ARGV[1] (nobody counted for more than the window) moves
-- up to it: earlier entries are outside what is reported.
--
-- Reply: {1 when the count reached the end of the stream else 0, the
-- counts of ARGV[6] minutes from ARGV[1] ("" for none)}.

local stream, h = KEYS[1], KEYS[2]
local start, chunk, width = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local keep, minutes = tonumber(ARGV[4]), tonumber(ARGV[6])
local stored = redis.call('HGET', h, __ARRIVALS_CURSOR__)
local cur = stored
if not cur or tonumber(string.match(cur, '^(%d+)-')) < start then cur = ARGV[1] .. '-0' end
local r = redis.call('XRANGE', stream, cur, '+', 'COUNT', chunk)
local counts, order = {}, {}
for _, e in ipairs(r) do
  local m = math.floor(tonumber(string.match(e[1], '^(%d+)-')) / width) * width
  if not counts[m] then
    counts[m] = 0
    order[#order + 1] = m
  end
  counts[m] = counts[m] + 1
end
for _, m in ipairs(order) do
  redis.call('HINCRBY', h, string.format('%d', m), counts[m])
end
if #r > 0 then cur = next_id(r[#r][1]) or cur end
if cur ~= stored then redis.call('HSET', h, __ARRIVALS_CURSOR__, cur) end
-- Counts older than keep go; only the window's minutes are ever written,
-- so the hash stays small and this stays short.
if redis.call('HLEN', h) > 2 * minutes + 10 then
  for _, f in ipairs(redis.call('HKEYS', h)) do
    local n = tonumber(f)
    if n and n < keep then redis.call('HDEL', h, f) end
  end
end
redis.call('PEXPIRE', h, ARGV[5])
local fields = {}
for i = 1, minutes do fields[i] = string.format('%d', start + (i - 1) * width) end
local got = redis.call('HMGET', h, unpack(fields))
for i = 1, minutes do got[i] = got[i] or '' end
local done = 0
if #r < chunk then done = 1 end
return {done, got}
