-- lock.lua: a lock one holder has at a time (see TrimLock), its value the
-- holder's token: taken with SET NX PX, so that it expires by itself when
-- its holder stops renewing it; renewed and released only by its holder.
--
-- KEYS[1] the lock
-- ARGV[1] mode (__MODE_TAKE__, __MODE_RENEW__ or __MODE_RELEASE__), ARGV[2] the
-- token, ARGV[3] how long it holds from now (ms)
--
-- Reply: {1, ""} when the token has the lock (taken or renewed) or had it
-- (released); otherwise {0, the token that has it, or "" when none has}.

local key, mode, token, ttl = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
if mode == __MODE_TAKE__ and redis.call('SET', key, token, 'NX', 'PX', ttl) then
  return {1, ''}
end
local holder = redis.call('GET', key)
if holder ~= token then return {0, holder or ''} end
if mode == __MODE_RELEASE__ then
  redis.call('DEL', key)
else
  redis.call('PEXPIRE', key, ttl)
end
return {1, ''}
