-- unread.lua: what a group has not read. Runs after its preludes (see
-- unreadScript in group.go).
--
-- KEYS[1] stream
-- ARGV[1] group, ARGV[2] count limit, ARGV[3] chunk size
--
-- Reply: {undelivered, trimmed unread}, each -1 when it cannot be told. A
-- missing group fails with NOGROUP.
--
-- undelivered is how many of the stream's entries come after the group's
-- last-delivered ID. When none is at or before that ID (a group that has
-- read nothing yet, or one the trimming overtook) it is the length, however
-- long. Otherwise both sides are counted a chunk at a time, turn about,
-- until one ends: the entries after the ID, or those at or before it
-- (undelivered is then the length less them), so a group near either end
-- costs little; past the limit on both sides it is unknown. Only a chunk of
-- entries is held at a time.
--
-- trimmed unread is how many entries were removed from the stream before
-- the group read them (the web example's XADD … MAXLEN ~ 10000 when the
-- reviewers are behind, an XDEL of an entry nobody read). The server counts
-- the entries ever added (XINFO STREAM entries-added) and, for the group,
-- the entries it read (XINFO GROUPS entries-read): a counter it keeps one
-- by one as the group reads, so entries trimmed before the group got to
-- them are never in it. Whatever was added and neither read nor still
-- waiting was lost unread:
--
--   trimmed unread = entries-added - entries-read - undelivered
--
-- Entries removed after the group read them (reviewq's own retention,
-- which removes only entries every group has been delivered, an XDEL of
-- an acked entry) change none of the three. The server's lag is not used:
-- it is nil while an XDEL'd ID lies at or after the group's position,
-- though the counters hold. It is unknown (-1) when a server does not keep
-- the counters (before Redis 7, the embedded server), when the group's
-- counter is nil (a group created at an ID other than 0 or $, until it
-- reads the newest entry; one that read past an entry deleted before
-- anyone read it, until then too), when undelivered is unknown, and when
-- the counters say less than nothing (set by hand: XSETID … ENTRIESADDED,
-- XGROUP SETID … ENTRIESREAD). The server restarts a group's counter from
-- its position when the group first reads, and when it reads past an entry
-- deleted before anyone read it: losses before that are no longer counted.

local stream, group = KEYS[1], ARGV[1]
local limit, chunk = tonumber(ARGV[2]), tonumber(ARGV[3])
local g = group_info(stream, group)
if not g then return redis.error_reply('NOGROUP no such consumer group') end
local last = g['last-delivered-id']
local length = redis.call('XLEN', stream)

local undelivered = -1
local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
if #first == 0 or id_less(last, first[1][1]) then
  undelivered = length
else
  local after, upto = next_id(last), '-'
  local n_after, n_upto = 0, 0
  if not after then undelivered = 0 end
  -- step reads the next chunk of one side, never past limit + 1 entries
  -- in all: the count of that side, and where it goes on (nil: it ended).
  local function step(from, to, n)
    local want = math.min(chunk, limit + 1 - n)
    local r = redis.call('XRANGE', stream, from, to, 'COUNT', want)
    if #r < want then return n + #r, nil end
    return n + #r, next_id(r[#r][1])
  end
  while undelivered < 0 and (n_after <= limit or n_upto <= limit) do
    if n_after <= limit then
      n_after, after = step(after, '+', n_after)
      if not after then undelivered = n_after end
    end
    if undelivered < 0 and n_upto <= limit then
      n_upto, upto = step(upto, last, n_upto)
      if not upto then undelivered = length - n_upto end
    end
  end
end

local trimmed = -1
local read = g['entries-read']
if undelivered >= 0 and type(read) == 'number' then
  local info = redis.call('XINFO', 'STREAM', stream)
  local added
  for i = 1, #info, 2 do
    if info[i] == 'entries-added' then added = info[i + 1] end
  end
  if type(added) == 'number' and added - read - undelivered >= 0 then
    trimmed = added - read - undelivered
  end
end
return {undelivered, trimmed}
