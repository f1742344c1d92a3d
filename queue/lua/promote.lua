-- promote.lua: adds due messages to the stream (see waiting.lua's
-- promote), for the paths that run every few seconds without claiming
-- (the stats the console and the SSH desk read), so that a due message
-- reaches the web example's XREADGROUP ... > even while no reviewq
-- reviewer claims. Bounded: at most ARGV[3] of each kind per call. Runs
-- after its preludes (see promoteScript in wait.go).
--
-- KEYS[1] stream, KEYS[2] outcomes, KEYS[3] released entries, KEYS[4]
-- this minute's activity, KEYS[5] the group's waiting set, KEYS[6]
-- snoozed contents, KEYS[7] backing-off contents, KEYS[8] the stream's
-- scheduled set, KEYS[9] scheduled contents, KEYS[10] dead-letter stream
-- ARGV[1] group, ARGV[2] the consumer acting, ARGV[3] most of each kind
-- to add, ARGV[4] MAXLEN ~ ("" never trims), ARGV[5] max deliveries (0:
-- never dead-letter), ARGV[6] now (ms), ARGV[7] record retention (ms),
-- ARGV[8] records trimmed per call at most.
--
-- Reply: {how many it added, the IDs it dead-lettered instead, and then
-- how many still wait: scheduled, snoozed, backing off}.

rec.stream, rec.outcomes, rec.released, rec.activity = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
rec.now, rec.actor, rec.retention, rec.step = ARGV[6], ARGV[2], tonumber(ARGV[7]), tonumber(ARGV[8])
wt.group, wt.set, wt.snoozed, wt.backoff = ARGV[1], KEYS[5], KEYS[6], KEYS[7]
wt.scheduled, wt.scheduled_content, wt.maxlen = KEYS[8], KEYS[9], ARGV[4]
wt.dead, wt.max = KEYS[10], tonumber(ARGV[5])
local dead_ids = {}
local added = promote(tonumber(ARGV[3]), dead_ids)
return {added, dead_ids, redis.call('ZCARD', wt.scheduled), redis.call('HLEN', wt.snoozed), redis.call('HLEN', wt.backoff)}
