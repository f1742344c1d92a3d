-- page.lua: reads one page of a stream with every value cut to a preview
-- size (an entry may hold megabytes; a page should not), plus which of the
-- page's entries are pending and with whom, and the page's outcome
-- records, and which of them wait (snoozed or backing off: see
-- waiting.lua). Runs after its preludes (see pageScript in browse.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] the group's waiting set,
-- KEYS[4] snoozed contents, KEYS[5] backing-off contents (read only with
-- a group)
-- ARGV[1] group ("" for none), ARGV[2] "XRANGE" or "XREVRANGE",
-- ARGV[3] first bound, ARGV[4] second bound (in the command's order),
-- ARGV[5] count, ARGV[6] preview bytes.
--
-- Reply: {entries, pending, records, waits} where entries are {id, fields,
-- cut}, pending is a flat list of id, consumer, deliveries, records holds
-- each entry's outcome record in the entries' order ("" for none), and
-- waits the entries that wait, each {id, kind, by, at, until, deliveries,
-- why} (see wait_of): a few lookups per entry of the page, whatever the
-- number of records or of waiting messages.

local stream, group, cmd, preview = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[6])
local raw = redis.call(cmd, stream, ARGV[3], ARGV[4], 'COUNT', ARGV[5])
wt.set, wt.snoozed, wt.backoff = KEYS[3], KEYS[4], KEYS[5]
local entries, pending, records, waits = {}, {}, {}, {}
local ids = {}
for i, e in ipairs(raw) do
  local fields, cut = {}, 0
  for j, v in ipairs(e[2]) do
    if #v > preview then v = string.sub(v, 1, preview); cut = 1 end
    fields[j] = v
  end
  entries[i] = {e[1], fields, cut}
  ids[i] = e[1]
end
if group ~= '' and #raw > 0 then
  -- Deviation (miniredis v2.40.0, gopher-lua): an assignment whose right
  -- side reads the variables it assigns, like "lo, hi = hi, lo", gives
  -- both the same value. Swapped so, a newest-first page looked for
  -- pending entries at its oldest ID only, and the Stream screen showed a
  -- reviewer's own held message as acked. Never write such a swap here.
  local lo, hi = raw[1][1], raw[#raw][1]
  if cmd == 'XREVRANGE' then
    lo = raw[#raw][1]
    hi = raw[1][1]
  end
  while lo do
    local p = redis.call('XPENDING', stream, group, lo, hi, 100)
    for _, row in ipairs(p) do
      pending[#pending + 1] = row[1]
      pending[#pending + 1] = row[2]
      pending[#pending + 1] = tostring(row[4])
    end
    if #p < 100 then break end
    -- the next ID after the last row, without the "(" syntax older
    -- servers lack
    lo = next_id(p[#p][1])
  end
  local recs = records_of(KEYS[2], ids)
  local any_wait = redis.call('EXISTS', wt.set) == 1
  for i, id in ipairs(ids) do
    records[i] = recs[id] or ''
    local w = any_wait and wait_of(id)
    if w then
      table.insert(w, 1, id)
      waits[#waits + 1] = w
    end
  end
end
return {entries, pending, records, waits}
