-- waiting.lua (prelude, after records.lua and dead_letter.lua): messages that wait out of
-- everyone's reach until they are due, and their return to the stream.
--
-- The web example reads with XREADGROUP ... > and reclaims with
-- XAUTOCLAIM, min-idle 0 in its tests: whatever sits in the group's
-- pending list, or in the stream after the group's last-delivered ID, it
-- hands out at once. So a message that must wait is in neither:
--
--   - scheduled (added for later): not in the stream yet; its fields wait
--     in wt.scheduled_content (field: its scheduled ID), its ID in
--     wt.scheduled by due time. The stream's, not a group's.
--   - snoozed, or backing off before a retry (released or reclaimed while
--     --retry-backoff is on): its entry is acknowledged (out of the
--     pending list; the entry itself stays), its ID waits in wt.set by
--     due time and its fields, with what the wait is, in wt.snoozed or
--     wt.backoff (field: the entry's ID), so that a trim of the entry
--     loses nothing. The group's.
--
-- When due, promote adds it to the stream again as a new entry (XADD *),
-- removing it from its set in the same step: a due message is offered
-- once, as any new entry, to reviewq and the web example alike. Sorted
-- sets find the due ones in O(log n + k), however many wait.
--
-- A message that would come back past the max deliveries (a release or
-- a reclaim counted its last one) is moved to the dead-letter stream
-- instead, when it is due, as a claim moves one it would deliver once too
-- often: the dead letter's ID is the entry it was.
--
-- A script using it sets rec's fields (records.lua) and wt's first:
--
--   wt.group      the consumer group
--   wt.set        waitingKey: the group's waiting IDs by due time (ms)
--   wt.snoozed    snoozedKey, wt.backoff backoffKey: their contents
--   wt.scheduled  scheduledKey, wt.scheduled_content scheduledContentKey
--   wt.maxlen     MAXLEN ~ for entries added again ("" never trims)
--   wt.dead       the dead-letter stream, wt.max the max deliveries (0:
--                 never), for promote (which runs after dead_letter.lua)
--
-- A snoozed or backing-off message's content is enc({by, at, until,
-- deliveries, why, field, value, ...}): who put it away (the reviewer who
-- snoozed or released it, the holder who abandoned it), when, until when
-- (ms), how many deliveries it carries, why ("" for a snooze,
-- __WHY_RELEASED__ or __WHY_RECLAIMED__), then its own fields (without
-- the meta fields of an earlier wait). A scheduled one's is
-- enc({not before, idempotency key or "", timestamp answered, field,
-- value, ...}).

local wt = {}
local WAIT_HEAD, SCHEDULED_HEAD = 5, 3

-- own_fields are an entry's fields without the meta fields a wait added
-- (a replay's __FIELD_REPLAY_OF__ stays: it says what the content is).
-- The set of them is built here, when a message is put away to wait, not
-- on every call of every script that runs after this file.
local function own_fields(f)
  local WAIT_META = {
    [__FIELD_SNOOZE_OF__] = true, [__FIELD_SNOOZE_BY__] = true, [__FIELD_SNOOZE_UNTIL__] = true,
    [__FIELD_SNOOZE_DELIVERIES__] = true, [__FIELD_RETRY_OF__] = true, [__FIELD_RETRY_BY__] = true,
    [__FIELD_RETRY_UNTIL__] = true, [__FIELD_RETRY_DELIVERIES__] = true, [__FIELD_RETRY_AFTER__] = true,
  }
  local out = {}
  for i = 1, #f - 1, 2 do
    if not WAIT_META[f[i]] then
      out[#out + 1] = f[i]
      out[#out + 1] = f[i + 1]
    end
  end
  return out
end

-- carried_of is how many deliveries an entry added again carries from
-- before its wait (0 for any other entry): its deliveries in all are
-- these plus its own pending count.
local function carried_of(f)
  for i = 1, #f - 1, 2 do
    if f[i] == __FIELD_SNOOZE_DELIVERIES__ or f[i] == __FIELD_RETRY_DELIVERIES__ then
      return tonumber(f[i + 1]) or 0
    end
  end
  return 0
end

-- backoff_ms is the wait before a retry: base x 2^(deliveries-1), at most
-- cap (all in ms).
local function backoff_ms(base, cap, deliveries)
  local d = base
  for _ = 2, deliveries do
    if d >= cap then break end
    d = d * 2
  end
  if d > cap then d = cap end
  return d
end

-- dec_head decodes the first n parts of an encoded list (see enc).
local function dec_head(s, n)
  local t, i = {}, 1
  while i <= #s and #t < n do
    local c = string.find(s, ':', i, true)
    if not c then break end
    local len = tonumber(string.sub(s, i, c - 1))
    t[#t + 1] = string.sub(s, c + 1, c + len)
    i = c + len + 1
  end
  return t
end

-- wait_of is what id waits as, nil when it does not: {kind, by, at,
-- until, deliveries, why}, kind __WAIT_SNOOZED__ or __WAIT_BACKOFF__.
-- One ZSCORE for an entry that does not wait.
local function wait_of(id)
  if not redis.call('ZSCORE', wt.set, id) then return nil end
  local kind, raw = __WAIT_SNOOZED__, redis.call('HGET', wt.snoozed, id)
  if not raw then kind, raw = __WAIT_BACKOFF__, redis.call('HGET', wt.backoff, id) end
  if not raw then return nil end
  local h = dec_head(raw, WAIT_HEAD)
  return {kind, h[1], h[2], h[3], h[4], h[5]}
end

-- wait_put takes id, pending with owner (idle ms) and holding fields f,
-- out of the group's pending list to wait until due (ms, a number), as
-- kind, carrying deliveries; by is who put it away, why says how (see
-- above). It records the wait as the entry's outcome ({kind, at, by,
-- held, until, back as, back at, why}: see records.lua) and counts it in
-- the minute's activity.
local function wait_put(kind, id, f, by, owner, idle, due, deliveries, why)
  local before, old, k = rec_find(id)
  local held = held_of(before, owner, idle)
  redis.call('XACK', rec.stream, wt.group, id)
  redis.call('ZADD', wt.set, fmt(due), id)
  local c = {by, rec.now, fmt(due), fmt(deliveries), why}
  for _, v in ipairs(own_fields(f)) do c[#c + 1] = v end
  local key, record, act = wt.snoozed, __KIND_SNOOZED__, __ACT_SNOOZES__
  if kind == __WAIT_BACKOFF__ then key, record, act = wt.backoff, __KIND_WAITING__, __ACT_RETRIES__ end
  redis.call('HSET', key, id, enc(c))
  rec_put(k, old, {record, rec.now, by, fmt(held), fmt(due), '', '', why})
  unrelease(before, id)
  count(act, true)
end

local function xadd_args()
  local args = {'XADD', rec.stream}
  if wt.maxlen ~= '' then
    args[3] = 'MAXLEN'
    args[4] = '~'
    args[5] = wt.maxlen
  end
  args[#args + 1] = '*'
  return args
end

-- promote adds at most n due scheduled messages and n due waiting ones
-- to the stream, oldest due first, and returns how many it added; the
-- IDs of those it dead-lettered instead are appended to dead_ids. An
-- idempotency key that answered with a scheduled ID answers with the new
-- entry from then on; the original entry of a waiting one has its record
-- say what it came back as.
local function promote(n, dead_ids)
  local added = 0
  -- One call when nothing waits, as on most claims of most queues.
  if redis.call('EXISTS', wt.scheduled, wt.set) == 0 then return 0 end
  for _, sid in ipairs(redis.call('ZRANGEBYSCORE', wt.scheduled, '-inf', rec.now, 'LIMIT', 0, n)) do
    redis.call('ZREM', wt.scheduled, sid)
    local raw = redis.call('HGET', wt.scheduled_content, sid)
    if raw then
      redis.call('HDEL', wt.scheduled_content, sid)
      local c = dec(raw)
      local args = xadd_args()
      local head = #args
      for i = SCHEDULED_HEAD + 1, #c do args[#args + 1] = c[i] end
      if #args > head then
        local nid = redis.call(unpack(args))
        added = added + 1
        local idem = c[2]
        if idem ~= '' then
          local prev, ttl = redis.call('GET', idem), redis.call('PTTL', idem)
          if prev and ttl > 0 and string.sub(prev, 1, #sid + 1) == sid .. '\n' then
            redis.call('SET', idem, nid .. '\n' .. c[3], 'PX', ttl)
          end
        end
      end
    end
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', wt.set, '-inf', rec.now, 'LIMIT', 0, n)) do
    redis.call('ZREM', wt.set, id)
    local key, raw = wt.snoozed, redis.call('HGET', wt.snoozed, id)
    local of, by, untl, carried, after = __FIELD_SNOOZE_OF__, __FIELD_SNOOZE_BY__, __FIELD_SNOOZE_UNTIL__, __FIELD_SNOOZE_DELIVERIES__, nil
    if not raw then
      key, raw = wt.backoff, redis.call('HGET', wt.backoff, id)
      of, by, untl, carried, after = __FIELD_RETRY_OF__, __FIELD_RETRY_BY__, __FIELD_RETRY_UNTIL__, __FIELD_RETRY_DELIVERIES__, __FIELD_RETRY_AFTER__
    end
    if raw then
      redis.call('HDEL', key, id)
      local c = dec(raw)
      local fields = {}
      for i = WAIT_HEAD + 1, #c do fields[#fields + 1] = c[i] end
      for _, kv in ipairs({{of, id}, {by, c[1]}, {untl, c[3]}, {carried, c[4]}}) do
        fields[#fields + 1] = kv[1]
        fields[#fields + 1] = kv[2]
      end
      if after then
        fields[#fields + 1] = after
        fields[#fields + 1] = c[5]
      end
      local deliveries = tonumber(c[4])
      if wt.max > 0 and deliveries >= wt.max then
        dead_letter(rec.stream, wt.dead, wt.group, id, fields, __REASON_MAX_DELIVERIES__, deliveries, c[1], 0, rec.now, true)
        dead_ids[#dead_ids + 1] = id
      else
        local args = xadd_args()
        for _, v in ipairs(fields) do args[#args + 1] = v end
        local nid = redis.call(unpack(args))
        added = added + 1
        local r, old, k = rec_find(id)
        if r and (r[1] == __KIND_SNOOZED__ or r[1] == __KIND_WAITING__) then
          for i = #r + 1, 8 do r[i] = '' end
          r[6], r[7] = nid, rec.now
          rec_put(k, old, r)
        end
      end
    end
  end
  return added
end
