-- replay.lua: counts (mode __MODE_COUNT__) or copies (mode __MODE_COPY__)
-- the acked entries of one chunk of an ID range: those a group delivered
-- and that are no longer pending, neither dead-lettered (their outcome
-- record says) nor skipped (at or before the group's start, with no
-- record), nor put away to wait (snoozed or backing off: acknowledged
-- out of the pending list, but not done with; waiting now, or come back
-- as a new entry, which is replayed once acked). A copy is a new entry at
-- the end of the stream with the original's fields, but any
-- __FIELD_REPLAY_OF__ and the meta fields of a wait, then
-- __FIELD_REPLAY_OF__ = the original's ID; the original is untouched. Runs after its preludes
-- (see replayScript in replay.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] group starts, KEYS[4] the
-- group's waiting set
-- ARGV[1] group, ARGV[2] first ID, ARGV[3] last ID (both inclusive),
-- ARGV[4] most entries to look at, ARGV[5] mode, ARGV[6] MAXLEN ~ of the
-- copies ("" never trims).
--
-- Reply: {acked entries counted or copied, entries looked at, the next ID
-- to look at ("" when the range is done), copies' IDs}. A missing group
-- fails with NOGROUP.

local stream, starts = KEYS[1], KEYS[3]
rec.outcomes = KEYS[2]
local group, from, to, chunk, mode, maxlen = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local last, start = group_position(stream, starts, group)
if not last then return redis.error_reply('NOGROUP no such consumer group') end
local r = redis.call('XRANGE', stream, from, to, 'COUNT', chunk)
local n, copies = 0, {}
for _, e in ipairs(r) do
  local id = e[1]
  local acked = not id_less(last, id) and #redis.call('XPENDING', stream, group, id, id, 1) == 0
  if acked then
    local t = rec_get(id)
    if t then
      acked = t[1] ~= __KIND_DEAD__ and t[1] ~= __KIND_SNOOZED__ and t[1] ~= __KIND_WAITING__
    elseif start and not id_less(start, id) then
      acked = false
    end
  end
  -- Its record may have gone with the retention while it still waits.
  if acked and redis.call('ZSCORE', KEYS[4], id) then acked = false end
  if acked then
    n = n + 1
    if mode == __MODE_COPY__ then
      local args = {'XADD', stream}
      if maxlen ~= '' then
        args[3] = 'MAXLEN'
        args[4] = '~'
        args[5] = maxlen
      end
      args[#args + 1] = '*'
      local f = own_fields(e[2])
      for i = 1, #f, 2 do
        if f[i] ~= __FIELD_REPLAY_OF__ then
          args[#args + 1] = f[i]
          args[#args + 1] = f[i + 1]
        end
      end
      args[#args + 1] = __FIELD_REPLAY_OF__
      args[#args + 1] = id
      copies[#copies + 1] = redis.call(unpack(args))
    end
  end
end
local nxt = ''
if #r == chunk then nxt = next_id(r[#r][1]) or '' end
return {n, #r, nxt, copies}
