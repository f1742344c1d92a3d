-- search.lua: looks at one chunk of a stream, newest first, for entries
-- whose name, email or message contains one of the needles, with ASCII
-- letters compared case-insensitively: each value is lowered (A-Z only,
-- the same on every server: gopher-lua's string.lower folds all of
-- Unicode, a real server's only ASCII) and searched for the needles, which
-- the caller lowered the same way. It reads nothing beyond the chunk. Runs
-- after its preludes (see searchScript in search.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] the group's waiting set,
-- KEYS[4] snoozed contents, KEYS[5] backing-off contents
-- ARGV[1] group, ARGV[2] the newest ID to look at (inclusive, or "+"),
-- ARGV[3] most entries to look at, ARGV[4] preview bytes, ARGV[5…]
-- needles.
--
-- Reply: {matches, entries looked at, the last ID looked at ("" for
-- none)}; a match is {{id, fields cut to the preview, cut}, pending owner
-- ("" when not pending), deliveries, outcome record ("" for none), wait
-- ({} when it does not wait, else as page.lua's waits)}.
--
-- It only reads, but goes as EVALSHA, not EVALSHA_RO: servers before Redis
-- 7 (which reviewq still serves) lack the latter. Search retries it itself.

local stream, outcomes = KEYS[1], KEYS[2]
wt.set, wt.snoozed, wt.backoff = KEYS[3], KEYS[4], KEYS[5]
local group, chunk, preview = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local LOWER = {}
for c = 65, 90 do LOWER[string.char(c)] = string.char(c + 32) end
local searched = {[__FIELD_NAME__] = true, [__FIELD_EMAIL__] = true, [__FIELD_MESSAGE__] = true}
local r = redis.call('XREVRANGE', stream, ARGV[2], '-', 'COUNT', chunk)
local matches = {}
for _, e in ipairs(r) do
  local f, hit = e[2], false
  for i = 1, #f - 1, 2 do
    if searched[f[i]] then
      local v = string.gsub(f[i + 1], '%u', LOWER)
      for j = 5, #ARGV do
        if string.find(v, ARGV[j], 1, true) then
          hit = true
          break
        end
      end
    end
    if hit then break end
  end
  if hit then
    local fields, cut = {}, 0
    for j, v in ipairs(f) do
      if #v > preview then
        v = string.sub(v, 1, preview)
        cut = 1
      end
      fields[j] = v
    end
    local owner, deliveries = '', 0
    local p = redis.call('XPENDING', stream, group, e[1], e[1], 1)
    if #p > 0 then
      owner = p[1][2]
      deliveries = p[1][4]
    end
    local w = wait_of(e[1]) or {}
    if #w > 0 then table.insert(w, 1, e[1]) end
    matches[#matches + 1] = {{e[1], fields, cut}, owner, deliveries, record_of(outcomes, e[1]) or '', w}
  end
end
local last = ''
if #r > 0 then last = r[#r][1] end
return {matches, #r, last}
