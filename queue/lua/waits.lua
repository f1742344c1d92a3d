-- waits.lua: the messages that wait, soonest due first, with their
-- values cut to a preview size: a group's snoozed and backing-off ones
-- (mode __WAIT_LIST_GROUP__), or the stream's scheduled ones (mode
-- __WAIT_LIST_SCHEDULED__). One ZRANGE and a lookup per row: bounded by
-- the count asked, however many wait. Runs after its preludes (see
-- waitsScript in wait.go).
--
-- KEYS[1] the group's waiting set, KEYS[2] snoozed contents, KEYS[3]
-- backing-off contents, KEYS[4] the stream's scheduled set, KEYS[5]
-- scheduled contents
-- ARGV[1] mode, ARGV[2] most rows, ARGV[3] preview bytes.
--
-- Reply: {how many wait in all, rows}, a row {id, kind, by, at, until,
-- deliveries, why, fields, cut}: kind __WAIT_SNOOZED__,
-- __WAIT_BACKOFF__ or __WAIT_SCHEDULED__ (id is then the scheduled ID,
-- by, at, deliveries and why are "").

wt.set, wt.snoozed, wt.backoff = KEYS[1], KEYS[2], KEYS[3]
local n, preview = tonumber(ARGV[2]), tonumber(ARGV[3])
local function cut_fields(c, from)
  local fields, cut = {}, 0
  for i = from, #c do
    local v = c[i]
    if #v > preview then v = string.sub(v, 1, preview); cut = 1 end
    fields[#fields + 1] = v
  end
  return fields, cut
end
local rows = {}
if ARGV[1] == __WAIT_LIST_SCHEDULED__ then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[4], 0, n - 1)) do
    local raw = redis.call('HGET', KEYS[5], sid)
    if raw then
      local c = dec(raw)
      local fields, cut = cut_fields(c, SCHEDULED_HEAD + 1)
      rows[#rows + 1] = {sid, __WAIT_SCHEDULED__, '', '', c[1], '', '', fields, cut}
    end
  end
  return {redis.call('ZCARD', KEYS[4]), rows}
end
for _, id in ipairs(redis.call('ZRANGE', wt.set, 0, n - 1)) do
  local kind, raw = __WAIT_SNOOZED__, redis.call('HGET', wt.snoozed, id)
  if not raw then kind, raw = __WAIT_BACKOFF__, redis.call('HGET', wt.backoff, id) end
  if raw then
    local c = dec(raw)
    local fields, cut = cut_fields(c, WAIT_HEAD + 1)
    rows[#rows + 1] = {id, kind, c[1], c[2], c[3], c[4], c[5], fields, cut}
  end
end
return {redis.call('ZCARD', wt.set), rows}
