-- oldest.lua: finds the oldest entry nobody in a group has claimed yet:
-- the first after the group's last-delivered ID. Runs after its preludes
-- (see oldestScript in activity.go).
--
-- KEYS[1] stream
-- ARGV[1] group
--
-- Reply: its ID, or "" when every entry has been delivered. A missing
-- group fails with NOGROUP.

local last = group_field(KEYS[1], ARGV[1], 'last-delivered-id')
if not last then return redis.error_reply('NOGROUP no such consumer group') end
local from = next_id(last)
if not from then return '' end
local r = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 1)
if #r == 0 then return '' end
return r[1][1]
