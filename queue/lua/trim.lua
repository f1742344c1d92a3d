-- trim.lua: one step of retention (see Client.Trim). It looks at up to a
-- chunk of the stream's entries from a cursor, no further than the last ID
-- before the cutoff, and removes those that every consumer group of the
-- stream has been delivered (at or before its last-delivered ID) and that
-- no group holds pending, released or waiting, with their outcome records
-- in every group; in mode __MODE_COUNT__ it only counts them. Runs after
-- its preludes (see trimScript in trim.go).
--
-- KEYS[1] stream, then three keys per group, in the order ARGV names the
-- groups: its outcomes (outcomesKey), released (releasedKey) and waiting
-- (waitingKey) sets.
-- ARGV[1] the first ID to look at, ARGV[2] the last one (inclusive: the
-- last possible ID before the cutoff), ARGV[3] most entries to look at,
-- ARGV[4] mode (__MODE_COUNT__ or __MODE_TRIM__), ARGV[5…] every group of
-- the stream, by name.
--
-- Reply: {__TAG_OK__, removed, kept undelivered, kept pending, kept
-- released, kept waiting, entries looked at, the next ID to look at (""
-- when the range is done)}; or {__TAG_REGROUP__} when the stream's groups
-- are not those ARGV names (one was created or destroyed since the caller
-- listed them): nothing is decided on a group the step does not know. A
-- missing stream has nothing to trim.
--
-- Bounds, whatever the stream's length: one XRANGE of the chunk; per group
-- one XPENDING over the chunk's delivered IDs of at most a chunk of rows
-- (when one comes back full, the step ends at its last row, so no entry is
-- judged on rows not read); per group its released and waiting sets,
-- read whole when they hold a chunk or fewer (they are small: entries
-- handed back or put aside), else one ZSCORE per entry; per group one
-- read of the records of the step's ID range, of at most twice a chunk
-- (else one lookup per entry that goes) and one ZREM; one XTRIM and one
-- XDEL of at most a chunk.
--
-- A run of removable entries at the head of the stream goes with XTRIM
-- MINID, the rest with XDEL. Both remove only entries every group has
-- been delivered, so neither changes what the server counts of a group's
-- reads (see unread.lua): retention never looks like unread loss.

local stream = KEYS[1]
local from, to, chunk, mode = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local function done(removed, undelivered, pending, released, waiting, looked, nxt)
  return {__TAG_OK__, removed, undelivered, pending, released, waiting, looked, nxt}
end
if redis.call('EXISTS', stream) == 0 then return done(0, 0, 0, 0, 0, 0, '') end

-- The groups, as the server has them now, in ARGV's order.
local names, index = {}, {}
for i = 5, #ARGV do
  names[#names + 1] = ARGV[i]
  index[ARGV[i]] = #names
end
local infos = redis.call('XINFO', 'GROUPS', stream)
if #infos ~= #names then return {__TAG_REGROUP__} end
local lasts, least = {}, nil
for _, g in ipairs(infos) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local k = index[f['name']]
  if not k or lasts[k] then return {__TAG_REGROUP__} end
  local last = f['last-delivered-id']
  -- miniredis reports the ID a group was created at as given ("0").
  if not string.find(last, '-', 1, true) then last = last .. '-0' end
  lasts[k] = last
  if not least or id_less(last, least) then least = last end
end
local function outcomes(k) return KEYS[3 * k - 1] end
local function released(k) return KEYS[3 * k] end
local function waiting(k) return KEYS[3 * k + 1] end

local r = redis.call('XRANGE', stream, from, to, 'COUNT', chunk)
local n = #r
if n == 0 then return done(0, 0, 0, 0, 0, 0, '') end

-- The pending entries among those every group has been delivered, and
-- where the step ends: at the chunk's end, or earlier where a group's
-- pending rows fill a reply.
local stop, pending = n, {}
if least and not id_less(least, r[1][1]) then
  local hi = r[n][1]
  if id_less(least, hi) then hi = least end
  for k, name in ipairs(names) do
    local rows = redis.call('XPENDING', stream, name, r[1][1], hi, chunk)
    for _, row in ipairs(rows) do pending[row[1]] = true end
    if #rows == chunk then
      local seen = rows[#rows][1]
      while stop > 1 and id_less(seen, r[stop][1]) do stop = stop - 1 end
    end
  end
end

-- Released and waiting entries are few: a set of a chunk or fewer is read
-- whole, once per step; a larger one is asked entry by entry.
local function members(key)
  local sets = {}
  for k = 1, #names do
    if redis.call('ZCARD', key(k)) <= chunk then
      local t = {}
      for _, id in ipairs(redis.call('ZRANGE', key(k), 0, -1)) do t[id] = true end
      sets[k] = t
    else
      sets[k] = key(k)
    end
  end
  return sets
end
local function held(id, sets)
  for _, s in ipairs(sets) do
    if type(s) == 'table' then
      if s[id] then return true end
    elseif redis.call('ZSCORE', s, id) then
      return true
    end
  end
  return false
end
local in_released, in_waiting = members(released), members(waiting)

local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1]
local at_head = first == r[1][1]
local head_end = nil -- the last entry of the removable run at the stream's head
local gone, holes = {}, {}
local undelivered, kept_pending, kept_released, kept_waiting = 0, 0, 0, 0
for i = 1, stop do
  local id = r[i][1]
  local kept = true
  if not least or id_less(least, id) then
    undelivered = undelivered + 1
  elseif held(id, in_released) then
    kept_released = kept_released + 1
  elseif held(id, in_waiting) then
    kept_waiting = kept_waiting + 1
  elseif pending[id] then
    kept_pending = kept_pending + 1
  else
    kept = false
    gone[#gone + 1] = id
    if at_head then head_end = id else holes[#holes + 1] = id end
  end
  if kept then at_head = false end
end

if mode == __MODE_TRIM__ and #gone > 0 then
  local below = head_end and next_id(head_end)
  if below then redis.call('XTRIM', stream, 'MINID', '=', below) end
  if head_end and not below then holes[#holes + 1] = head_end end
  if #holes > 0 then redis.call('XDEL', stream, unpack(holes)) end
  -- The records of the step's entries, in bounded reads (see
  -- records_drop).
  for k = 1, #names do records_drop(outcomes(k), gone) end
end

local nxt = ''
if stop < n or n == chunk then nxt = next_id(r[stop][1]) or '' end
return done(#gone, undelivered, kept_pending, kept_released, kept_waiting, stop, nxt)
