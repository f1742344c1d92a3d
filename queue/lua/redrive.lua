-- redrive.lua: puts a dead letter back on the main stream, as a new entry
-- with the original fields (but the meta fields of a wait: it starts
-- afresh, carrying no deliveries), and removes it from the dead-letter
-- stream.
-- The original entry's outcome record gains who redrove it, when, and as
-- what. Runs after its preludes (see redriveScript in browse.go).
--
-- KEYS[1] dead-letter stream, KEYS[2] stream, KEYS[3] outcomes
-- ARGV[1] dead-letter id, ARGV[2] now (ms), ARGV[3] the consumer redriving
--
-- Reply: {__TAG_OK__, new id} | {__TAG_MISSING__} (no such dead letter) |
-- {__TAG_EMPTY__} (it holds no original fields).

local dead, stream, id = KEYS[1], KEYS[2], ARGV[1]
rec.outcomes = KEYS[3]
local e = redis.call('XRANGE', dead, id, id)
if #e == 0 then return {__TAG_MISSING__} end
local fields = e[1][2]
local args = {'XADD', stream, '*'}
-- The original fields follow the dead-letter entry's meta pairs.
local original = {}
for i = 2 * __DEAD_META_FIELDS__ + 1, #fields do original[#original + 1] = fields[i] end
for _, v in ipairs(own_fields(original)) do args[#args + 1] = v end
if #args == 3 then return {__TAG_EMPTY__} end
local nid = redis.call(unpack(args))
redis.call('XDEL', dead, id)
if fields[1] == __DEAD_ID__ then
  local r = rec_get(fields[2])
  if r and r[1] == __KIND_DEAD__ then
    for i = #r + 1, 5 do r[i] = '' end
    r[6], r[7], r[8] = nid, ARGV[2], ARGV[3]
    rec_set(fields[2], r)
  end
end
return {__TAG_OK__, nid}
