-- group.lua (prelude, after ids.lua): what the scripts read of a consumer
-- group, and where it started (the group-start hash; see GroupInfo.Start).
-- Tested on its own in lua_test.go (TestLuaGroup).

-- group_info is group's entry in XINFO GROUPS of stream as a table of its
-- fields, nil when the stream has no such group (a missing stream fails
-- with "no such key"). Its last-delivered-id is written in full: miniredis
-- reports the ID a group was created at as given ("0").
local function group_info(stream, group)
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    if f['name'] == group then
      local last = f['last-delivered-id']
      if last and not string.find(last, '-', 1, true) then f['last-delivered-id'] = last .. '-0' end
      return f
    end
  end
  return nil
end

-- group_field is one field of group's entry (nil when there is no such
-- group).
local function group_field(stream, group, field)
  local g = group_info(stream, group)
  if not g then return nil end
  return g[field]
end

-- group_position reads a group's last-delivered ID and its recorded start
-- in the hash starts, as parseGroup does: the start is nil when unknown
-- (__START_UNKNOWN__), or when it lies after the last-delivered ID (left
-- from an earlier group of the same name). Both are nil without the group.
local function group_position(stream, starts, group)
  local last = group_field(stream, group, 'last-delivered-id')
  if not last then return nil, nil end
  local start = redis.call('HGET', starts, group)
  if start == __START_UNKNOWN__ then start = nil end
  if start and not string.find(start, '-', 1, true) then start = start .. '-0' end
  if start and id_less(last, start) then start = nil end
  return last, start
end

-- note_start records where group started the first time a script meets
-- it, as Client.noteStart does: while nobody has read from the group (no
-- consumers, nothing pending) its last-delivered ID is the ID it was
-- created at. A group already used has an unknown start, recorded as
-- __START_UNKNOWN__ so that later calls need not look again. Once
-- anything is recorded it costs one HEXISTS. It returns false when the
-- stream has no such group. (It does not look at a record left from an
-- earlier group of the same name: readers ignore one that lies after the
-- last-delivered ID, and Client.noteStart replaces it.)
local function note_start(stream, starts, group)
  if redis.call('HEXISTS', starts, group) == 1 then return true end
  local g = group_info(stream, group)
  if not g then return false end
  local start = __START_UNKNOWN__
  if g['consumers'] == 0 and g['pending'] == 0 then start = g['last-delivered-id'] end
  redis.call('HSET', starts, group, start)
  return true
end
