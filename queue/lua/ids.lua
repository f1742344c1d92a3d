-- ids.lua (prelude): the stream-ID arithmetic the scripts share.
--
-- IDs stay strings: a sequence number may be up to 2^64-1, beyond what a
-- Lua number holds exactly, so only short ones are done in floating point.
-- Tested on its own in lua_test.go (TestLuaIDs).

local MAX64 = '18446744073709551615'

-- incr adds one to a decimal string of digits.
local function incr(s)
  if #s <= 15 then return string.format('%d', tonumber(s) + 1) end
  local d = {string.byte(s, 1, -1)}
  local i = #d
  while i > 0 and d[i] == 57 do d[i] = 48; i = i - 1 end
  if i == 0 then return '1' .. string.char(unpack(d)) end
  d[i] = d[i] + 1
  return string.char(unpack(d))
end

-- next_id is the smallest ID after id (nil after the last possible one).
local function next_id(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if seq ~= MAX64 then return ms .. '-' .. incr(seq) end
  if ms == MAX64 then return nil end
  return incr(ms) .. '-0'
end

-- id_less orders two IDs as the stream does.
local function num_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function id_less(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if am ~= bm then return num_less(am, bm) end
  return num_less(as, bs)
end
