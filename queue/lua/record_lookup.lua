-- record_lookup.lua (prelude): finding outcome records.
--
-- A group's records are the members of one sorted set (outcomesKey), all
-- of score 0, so that it is ordered by member: each member is the entry's
-- ID written so that members sort as the IDs do (record_key: each part's
-- length as one byte, then its digits) followed by the encoded record (see
-- records.lua). Finding an entry's record, replacing it, or the records of
-- every entry before an ID, are each one O(log n) range of that order
-- (ZRANGEBYLEX), and one structure holds both the records and their order
-- (a hash and a sorted set by time cost 235 bytes per record; this, about
-- 170). Tested on its own in lua_test.go (TestLuaRecordKeys).

local function record_key(id)
  local ms, seq = string.match(id, '^(%d+)-?(%d*)$')
  if seq == '' then seq = '0' end
  return string.char(#ms) .. ms .. string.char(#seq) .. seq
end

-- record_member is the member of the set z holding id's record (nil when
-- there is none), and id's key.
local function record_member(z, id)
  local k = record_key(id)
  local m = redis.call('ZRANGEBYLEX', z, '[' .. k, '(' .. k .. '\255', 'LIMIT', 0, 1)
  if #m == 0 then return nil, k end
  return m[1], k
end

-- record_of is id's encoded record, nil when there is none.
local function record_of(z, id)
  local m, k = record_member(z, id)
  if not m then return nil end
  return string.sub(m, #k + 1)
end

-- record_id reads the entry ID back from a member.
local function record_id(m)
  local n = string.byte(m, 1)
  local ms = string.sub(m, 2, n + 1)
  local s = string.byte(m, n + 2)
  return ms .. '-' .. string.sub(m, n + 3, n + 2 + s)
end
