-- claim.lua: claims the next message for a consumer, after acknowledging
-- the one it finished (AckAndClaim), in one round trip whose server work is
-- bounded whatever the length of the pending list. Runs after its
-- preludes (see claimScript in ops.go).
--
-- KEYS[1] stream, KEYS[2] dead-letter stream, KEYS[3] the group's sweep
-- cursor (claimCursorKey), KEYS[4] outcomes, KEYS[5] released entries,
-- KEYS[6] this minute's activity (see records.lua), KEYS[7] group starts
-- (see group.lua), KEYS[8] the group's waiting set, KEYS[9] snoozed
-- contents, KEYS[10] backing-off contents, KEYS[11] the stream's
-- scheduled set, KEYS[12] scheduled contents (see waiting.lua)
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] reclaim-after (ms),
-- ARGV[4] max deliveries (0: never dead-letter), ARGV[5] now (ms),
-- ARGV[6] ID to acknowledge first ("" for none; written in full,
-- ms-seq), ARGV[7] record retention (ms), ARGV[8] retry backoff base
-- (ms; 0: off), ARGV[9] its cap (ms), ARGV[10] MAXLEN ~ for entries
-- added again ("" never trims).
--
-- What is the same on every call is written into the script (see
-- luaConstants), not sent with each: how many unusable pending entries
-- one call may clear away (__CLAIM_UNUSABLE__), the head rows
-- (__CLAIM_HEAD_ROWS__), the budget in steps (__CLAIM_BUDGET__), the
-- busy-millisecond window width (__CLAIM_WINDOW__), the sweep cursor's
-- lifetime (__CLAIM_CURSOR_TTL_MS__ ms), records trimmed per call at most
-- (__TRIM_STEP__) and how many due messages of each kind one call adds to
-- the stream (__PROMOTE_BATCH__). A shorter request is a cheaper one.
--
-- The group comes first: a missing one fails with NOGROUP, before
-- anything is acked, and one met for the first time has its start recorded
-- (note_start: one HEXISTS once it is), so that a claim is the only command
-- a fresh `reviewq claim` sends after connecting.
--
-- The ack reads the head of the pending list (below) with one row more
-- than the head, and finds the entry it acks there, as a reviewer's own
-- entry nearly always is: one XPENDING for both. Only an entry further on
-- than that is looked up on its own. That read comes first: it fails with
-- NOGROUP when the group is missing, and when it finds entries pending
-- the group is in use, so that its start, if not recorded yet, could only
-- be recorded unknown, which a claim without an ack does later (readers
-- take a start not recorded as unknown too): the ack-and-claim of the
-- review loop skips note_start's HEXISTS.
--
-- On the common claim nothing waits and nothing was released: one EXISTS
-- over the scheduled set, the waiting set and the released set says so,
-- and the two steps below are skipped.
--
-- Due messages come next (see waiting.lua): at most __PROMOTE_BATCH__
-- scheduled and as many waiting ones are added to the stream as new entries, so
-- that this claim, or the next, reads them with XREADGROUP ... > behind
-- any older new entries. A message that comes back carries its earlier
-- deliveries: the counts below are those plus the pending list's.
--
-- Released entries come next: an entry its holder handed back (Release)
-- is in KEYS[5], oldest release first, and is claimed at once, whatever
-- the claimer's reclaim-after, without counting a delivery (a release is
-- not a failed delivery, nor past the max deliveries). Entries there that
-- someone else took or acked since are dropped from it, at most
-- __RELEASED_STALE_MAX__ per call. An entry the head or the sweep finds
-- that was released (the release left it idle past the releaser's
-- threshold) is treated the same.
--
-- The budget is counted in steps, one step being what walking one pending
-- entry inside XPENDING costs (about 70 ns on Redis 7.0). Handing one
-- XPENDING row to Lua costs about 14 steps (ROW), every call about 30
-- (CALL). No call below walks more entries, or hands over more rows, than
-- the budget pays for, so a claim costs about the same on ten pending
-- entries or ten million. (XPENDING IDLE over an open range, as the claim
-- used to do, walks until it finds an idle entry: the whole list when none
-- is, 87 ms at a million. XAUTOCLAIM bounds its walk by COUNT, but looks
-- every entry up in the stream, about 1.6 us each; rows cost 1 us each.)
--
-- Which entry idle past reclaim-after it takes, by the length of the
-- pending list:
--
--   - Fewer than the head rows (all read as rows), or at most the budget
--     (the group's count, from XINFO GROUPS; XPENDING IDLE then walks the
--     whole list, which the budget pays for): the oldest idle entry.
--   - Longer: the oldest idle one among the head rows (what
--     the web example's XAUTOCLAIM ... 0-0 COUNT 1 looks at), else the next
--     idle one the sweep comes to. The sweep goes through the rest of the
--     list in ID order from a cursor kept in KEYS[3], one stretch per claim
--     paid for by the budget, and starts over after the end. Entries
--     delivered once and never touched since turn idle in ID order, so
--     abandoned work is normally at the head and found oldest first; an
--     entry idle anywhere else (a released one, one reclaimed and left
--     again) is found within one sweep: ceil(pending / stretch) claims.
--
-- A stretch reads rows (XPENDING cursor + n, exact). Where the rows end in
-- a busy millisecond (an ID BUSY further on in it is pending: bulk adds,
-- bursts), it walks on in it with XPENDING IDLE over at most __CLAIM_WINDOW__
-- sequence numbers of that millisecond, so at most that many entries, at
-- step cost. A stretch is at least 160 entries (where entries are spread
-- out) and 1,000 to 2,000 where hundreds share a millisecond.
--
-- Every idle entry found is either gone from the stream (acknowledged away
-- and recorded in the dead-letter stream), past the max deliveries (moved
-- to the dead-letter stream and acknowledged; a released entry never is),
-- or claimed with XCLAIM, which counts one more delivery (a released entry
-- keeps its count). With the retry backoff on (ARGV[8] > 0), an idle
-- entry that is not released is not claimed but put away to wait base x
-- 2^(deliveries-1), capped, before its retry (waiting.lua), and the
-- claim looks on. Without one, it reads one new entry with
-- XREADGROUP ... >.
--
-- Every claim records who claimed it and when (the start of the hold an
-- ack measures), the ack records the ack, and each dead letter its outcome;
-- records past the retention or the stream's first entry are trimmed, a
-- bounded number per call (see records.lua). None of this depends on the
-- length of the pending list or of the records.
--
-- Reply: {kind, id, fields, deliveries, previous owner, idle ms, dropped
-- ids, dead-lettered ids, acked, {rows read, windows walked, steps spent},
-- released by, released at (ms), ids put away to wait for a retry}; kind is __CLAIM_RELEASED__,
-- __CLAIM_RECLAIMED__, __CLAIM_NEW__ or __TAG_EMPTY__. Reading the entry
-- with XRANGE before XCLAIM tells a deleted entry apart exactly, on every
-- server version (XCLAIM's reply for one changed in Redis 7).

local stream, dead, cursor_key = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, min_idle_ms, min_idle = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[3])
local max_deliveries, now, unusable = tonumber(ARGV[4]), ARGV[5], __CLAIM_UNUSABLE__
local ack_id, head_rows, budget = ARGV[6], __CLAIM_HEAD_ROWS__, __CLAIM_BUDGET__
local width, lifetime = __CLAIM_WINDOW__, __CLAIM_CURSOR_TTL_MS__
local backoff, cap = tonumber(ARGV[8]), tonumber(ARGV[9])
rec.stream, rec.outcomes, rec.released, rec.activity = stream, KEYS[4], KEYS[5], KEYS[6]
rec.now, rec.actor, rec.retention, rec.step = now, consumer, tonumber(ARGV[7]), __TRIM_STEP__
wt.group, wt.set, wt.snoozed, wt.backoff = group, KEYS[8], KEYS[9], KEYS[10]
wt.scheduled, wt.scheduled_content, wt.maxlen = KEYS[11], KEYS[12], ARGV[10]
wt.dead, wt.max = dead, max_deliveries
local ROW, CALL, BUSY, SPARSE_PROBE, WALK = 14, 30, 20, 64, 4

-- Before anything else: a missing group fails with NOGROUP (the caller
-- creates it and claims again), and a group met for the first time has its
-- start recorded before this claim may first deliver from it.
local first = nil
if ack_id ~= '' then
  first = redis.pcall('XPENDING', stream, group, '-', '+', head_rows + 1)
  if first.err then return redis.error_reply(first.err) end
end
if not (first and #first > 0) and not note_start(stream, KEYS[7], group) then
  return redis.error_reply('NOGROUP no such consumer group')
end

-- Deviation (miniredis v2.40.0, XACK): see ack.lua; XPENDING says
-- alike on both servers whether the entry was pending.
--
-- head is the first head_rows entries of the pending list after the ack
-- (nil: not read yet). Acking, it is read with one row more, and the
-- acked entry taken out of it: what is left, cut to head_rows, is the
-- head after the ack (an entry further on than the rows read leaves them
-- as they are).
local acked, head, rows = 0, nil, 0
if ack_id ~= '' then
  head = first
  rows = #head
  local p = nil
  for i = 1, #head do
    if head[i][1] == ack_id then
      p = table.remove(head, i)
      break
    end
  end
  if #head > head_rows then
    head[#head] = nil
    if not p then
      p = redis.call('XPENDING', stream, group, ack_id, ack_id, 1)[1]
      if p then rows = rows + 1 end
    end
  end
  if p then
    redis.call('XACK', stream, group, ack_id)
    record_ack(ack_id, p[2], p[3])
    acked = 1
  end
end
local dropped, deadlettered, waited = {}, {}, {}
-- Nothing scheduled, waiting or released: one call, then neither step.
local quiet = redis.call('EXISTS', wt.scheduled, wt.set, rec.released) == 0
if not quiet then promote(__PROMOTE_BATCH__, deadlettered) end
local windows, steps = 0, 0

-- claim hands the entry to the consumer: one more delivery, or, for an
-- entry handed back (rel, its release record), the same count. The reply
-- counts the deliveries it carries from before a wait too.
local function claim(id, fields, deliveries, owner, idle, rel)
  local kind, n, rel_by, rel_at = __CLAIM_RECLAIMED__, deliveries + 1, '', ''
  if rel then
    kind, n, rel_by, rel_at, idle = __CLAIM_RELEASED__, deliveries, rel[3], rel[2], 0
  end
  -- JUSTID alone would not count the delivery; RETRYCOUNT sets it.
  redis.call('XCLAIM', stream, group, consumer, 0, id, 'RETRYCOUNT', n, 'JUSTID')
  if rel then record_claim(id) end
  return {kind, id, fields, n + carried_of(fields), owner, idle, dropped, deadlettered, acked, {rows, windows, steps}, rel_by, rel_at, waited}
end

-- Released entries first, oldest release first.
local stale = 0
if not quiet then head = nil end -- the steps below may change the pending list
while not quiet and stale < __RELEASED_STALE_MAX__ do
  local top = redis.call('ZRANGE', rec.released, 0, 0)
  if #top == 0 then break end
  local id = top[1]
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  local rel = nil
  if #p > 0 then rel = released_record(id, p[1][2]) end
  local e = {}
  if rel then e = redis.call('XRANGE', stream, id, id) end
  -- Claiming it takes it out of the released set (record_claim).
  if #e > 0 then return claim(id, e[1][2], p[1][4], p[1][2], 0, rel) end
  redis.call('ZREM', rec.released, id)
  if rel then
    dead_letter(stream, dead, group, id, {}, __REASON_DELETED__, p[1][4], p[1][2], p[1][3], now, true)
    dropped[#dropped + 1] = id
  end
  stale = stale + 1
end

if not head then
  head = redis.call('XPENDING', stream, group, '-', '+', head_rows)
  rows = rows + #head
end
local queue, qi = {}, 1
local mode = 'head'
if #head == head_rows then
  local pending = group_field(stream, group, 'pending') or budget + 1
  steps = steps + CALL
  if pending <= budget then mode = 'walk' else mode = 'sweep' end
end
if mode ~= 'walk' then
  for _, r in ipairs(head) do
    if r[3] >= min_idle then queue[#queue + 1] = r end
  end
end

-- walk: the whole list, a few idle entries at a time, oldest first.
local walk_pos = '-'
local function walk()
  if not walk_pos then return nil end
  local p = redis.call('XPENDING', stream, group, 'IDLE', min_idle_ms, walk_pos, '+', WALK)
  rows = rows + #p
  if #p < WALK then walk_pos = nil else walk_pos = next_id(p[#p][1]) end
  if #p == 0 then return nil end
  return p
end

-- The sweep's state: pos is the first ID it has not looked at yet, nil
-- once this claim has nothing left to look at.
local stored, pos, wrapped, probe = nil, nil, false, 2
local after_head
if mode == 'sweep' then
  after_head = next_id(head[#head][1])
  stored = redis.call('GET', cursor_key) or nil
  pos = stored
  if not pos or not id_less(head[#head][1], pos) then pos = after_head end
end

-- sweep looks at the next stretch and returns the idle rows it found,
-- oldest first; nil when the budget is spent or the list was swept.
local function sweep()
  while pos do
    local n = math.min(probe, math.floor((budget - steps - CALL) / ROW))
    if n < 1 then return nil end
    local page = redis.call('XPENDING', stream, group, pos, '+', n)
    rows = rows + #page
    steps = steps + CALL + #page * ROW
    local found = {}
    for _, r in ipairs(page) do
      if r[3] >= min_idle then found[#found + 1] = r end
    end
    if #page < n then
      -- The end of the list: start over after the head, once per claim.
      if wrapped then pos = nil else pos = after_head end
      wrapped = true
    else
      local last = page[#page][1]
      pos = next_id(last)
      local ms, seq = string.match(last, '^(%d+)-(%d+)$')
      local walked = false
      -- A millisecond that may be busy: the page ends with two of its
      -- entries, or the last one was busy and this is the next entry.
      local maybe = n == 1 or string.match(page[#page - 1][1], '^(%d+)-') == ms
      if #found == 0 and pos and maybe and #seq <= 15 and steps + 2 * CALL + ROW + width <= budget then
        -- Busy if an ID BUSY further on in it is pending: then a window
        -- likely costs less than reading what is left as rows.
        local far = redis.call('XPENDING', stream, group, ms .. '-' .. string.format('%d', tonumber(seq) + BUSY), ms .. '-' .. MAX64, 1)
        rows = rows + #far
        steps = steps + CALL + #far * ROW
        if #far > 0 then
          -- Walk on in it, at most width IDs.
          local hi = ms .. '-' .. string.format('%d', tonumber(seq) + width)
          local p = redis.call('XPENDING', stream, group, 'IDLE', min_idle_ms, pos, hi, 1)
          windows = windows + 1
          steps = steps + CALL + width
          walked = true
          if #p > 0 then
            found[1] = p[1]
            pos = next_id(p[1][1])
          else
            pos = next_id(hi)
          end
        end
      end
      if walked then probe = 1 else probe = SPARSE_PROBE end
    end
    if #found > 0 then return found end
  end
  return nil
end

local function save_cursor(p)
  if mode ~= 'sweep' or p == stored then return end
  if p then redis.call('SET', cursor_key, p, 'PX', lifetime)
  else redis.call('DEL', cursor_key) end
end

local in_head, cleared = true, 0
while cleared < unusable do
  if qi > #queue then
    queue, qi = nil, 1
    if mode == 'walk' then queue = walk() elseif mode == 'sweep' then queue, in_head = sweep(), false end
    if not queue then break end
  end
  local r = queue[qi]
  qi = qi + 1
  local id, owner, idle, deliveries = r[1], r[2], r[3], r[4]
  local e = redis.call('XRANGE', stream, id, id)
  local rel, total = nil, deliveries
  if #e > 0 then
    rel = released_record(id, owner)
    total = deliveries + carried_of(e[1][2])
  end
  if #e == 0 then
    dead_letter(stream, dead, group, id, {}, __REASON_DELETED__, deliveries, owner, idle, now, true)
    dropped[#dropped + 1] = id
    cleared = cleared + 1
  elseif not rel and max_deliveries > 0 and total >= max_deliveries then
    dead_letter(stream, dead, group, id, e[1][2], __REASON_MAX_DELIVERIES__, total, owner, idle, now, true)
    deadlettered[#deadlettered + 1] = id
    cleared = cleared + 1
  elseif not rel and backoff > 0 then
    wait_put(__WAIT_BACKOFF__, id, e[1][2], owner, owner, idle, tonumber(now) + backoff_ms(backoff, cap, total), total, __WHY_RECLAIMED__)
    waited[#waited + 1] = id
    cleared = cleared + 1
  else
    if in_head then
      save_cursor(stored)
    elseif qi <= #queue then
      save_cursor(next_id(id)) -- the rest of this stretch is looked at again next time
    else
      save_cursor(pos)
    end
    return claim(id, e[1][2], deliveries, owner, idle, rel)
  end
end
if in_head then save_cursor(stored) else save_cursor(pos) end

local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
if r and #r > 0 and #r[1][2] > 0 then
  local e = r[1][2][1]
  return {__CLAIM_NEW__, e[1], e[2], 1 + carried_of(e[2]), '', 0, dropped, deadlettered, acked, {rows, windows, steps}, '', '', waited}
end
return {__TAG_EMPTY__, '', {}, 0, '', 0, dropped, deadlettered, acked, {rows, windows, steps}, '', '', waited}
