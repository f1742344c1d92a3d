-- record_lookup.lua (prelude, after ids.lua): where a group's outcome
-- records are kept, and finding them.
--
-- Most records live in small hashes, "buckets", each holding the records
-- of a run of entry IDs: field the entry's ID, value its encoded record
-- (see records.lua). A bucket is named after the first ID of its run,
-- z .. ':b:' .. that ID (z is outcomesKey), and the bucket index,
-- z .. ':i', is a sorted set of those first IDs, all of score 0, written
-- so that they sort as the IDs do (record_key: each part's length as one
-- byte, then its digits). The bucket of an ID is the one with the
-- greatest first ID at or before it: one ZREVRANGEBYLEX, then one HGET. A
-- bucket holds at most __RECORDS_PER_BUCKET__ records and each value at
-- most __RECORD_BUCKET_VALUE__ bytes, under the servers' default
-- hash-max-listpack-entries (128) and -value (64), so every bucket stays
-- one listpack: about 75 bytes a record where a sorted-set member costs
-- about 160.
--
-- A record longer than that (a dead letter's reason, a long consumer
-- name) is a member of the sorted set z itself, all of score 0, as every
-- record was before the buckets: record_key(id) followed by the encoded
-- record. Records written before the buckets are read there in place, and
-- move into a bucket when they are next written; retention removes them
-- from there as before. Tested on its own in lua_test.go
-- (TestLuaRecordKeys, TestLuaRecordBuckets).

local function record_key(id)
  local ms, seq = string.match(id, '^(%d+)-?(%d*)$')
  if seq == '' then seq = '0' end
  return string.char(#ms) .. ms .. string.char(#seq) .. seq
end

-- record_long says whether the set z of long records exists, asked once
-- a call: most groups have none, and a page looks up fifty records.
local record_long_seen = {}
local function record_long(z)
  if record_long_seen[z] == nil then record_long_seen[z] = redis.call('EXISTS', z) == 1 end
  return record_long_seen[z]
end

-- record_member is the member of the set z holding id's record (nil when
-- there is none), and id's key.
local function record_member(z, id)
  local k = record_key(id)
  if not record_long(z) then return nil, k end
  local m = redis.call('ZRANGEBYLEX', z, '[' .. k, '(' .. k .. '\255', 'LIMIT', 0, 1)
  if #m == 0 then return nil, k end
  return m[1], k
end

-- record_id reads the entry ID back from a member (or an index entry).
local function record_id(m)
  local n = string.byte(m, 1)
  local ms = string.sub(m, 2, n + 1)
  local s = string.byte(m, n + 2)
  return ms .. '-' .. string.sub(m, n + 3, n + 2 + s)
end

-- sort_ids sorts a bucket's IDs (its fields) in place, each parsed once.
local function sort_ids(ids)
  local t = {}
  for i, id in ipairs(ids) do
    local ms, seq = string.match(id, '^(%d+)-(%d+)$')
    t[i] = {ms, seq, id}
  end
  table.sort(t, function(a, b)
    if a[1] ~= b[1] then return num_less(a[1], b[1]) end
    return num_less(a[2], b[2])
  end)
  for i, x in ipairs(t) do ids[i] = x[3] end
  return ids
end

local function bucket_index(z) return z .. ':i' end
local function bucket_key(z, first) return z .. ':b:' .. first end

-- record_bucket is the first ID of the bucket id's record is in or would
-- go to: nil when no bucket starts at or before id.
local function record_bucket(z, id)
  local m = redis.call('ZREVRANGEBYLEX', bucket_index(z), '[' .. record_key(id), '-', 'LIMIT', 0, 1)
  if #m == 0 then return nil end
  return record_id(m[1])
end

-- record_find is id's encoded record (nil when none) and where it is:
-- {bucket = first ID} or {long = the member of z}, with the bucket a new
-- record would go to (first, nil for none: see record_bucket).
local function record_find(z, id)
  local first = record_bucket(z, id)
  if first then
    local v = redis.call('HGET', bucket_key(z, first), id)
    if v then return v, {bucket = first} end
  end
  local m, k = record_member(z, id)
  if m then return string.sub(m, #k + 1), {long = m, looked = true, first = first} end
  return nil, {looked = true, first = first}
end

-- record_of is id's encoded record, nil when there is none.
local function record_of(z, id)
  local v = record_find(z, id)
  return v
end

-- records_of is the encoded records of ids (a table by ID; none for an ID
-- without one), found bucket by bucket: a page's consecutive IDs mostly
-- share a bucket or two, so each bucket costs two index reads and one
-- HMGET, where record_of costs two calls an ID. Bounded by #ids.
local function records_of(z, ids)
  local out, sorted = {}, {}
  for i, id in ipairs(ids) do sorted[i] = id end
  sort_ids(sorted)
  local idx = bucket_index(z)
  local i, n = 1, #sorted
  while i <= n do
    -- The bucket of sorted[i], and the next bucket's first ID, which ends
    -- its run: every ID before that is in it or in none.
    local first = record_bucket(z, sorted[i])
    local from = '-'
    if first then from = '(' .. record_key(first) end
    local m = redis.call('ZRANGEBYLEX', idx, from, '+', 'LIMIT', 0, 1)
    local after = nil
    if #m > 0 then after = record_id(m[1]) end
    local run = {}
    while i <= n and (after == nil or id_less(sorted[i], after)) do
      run[#run + 1] = sorted[i]
      i = i + 1
    end
    if first then
      local vs = redis.call('HMGET', bucket_key(z, first), unpack(run))
      for j, id in ipairs(run) do
        if vs[j] then out[id] = vs[j] end
      end
    end
  end
  if record_long(z) then
    for _, id in ipairs(ids) do
      if out[id] == nil then
        local lm, k = record_member(z, id)
        if lm then out[id] = string.sub(lm, #k + 1) end
      end
    end
  end
  return out
end

-- bucket_drop removes ids' records (fields) from the bucket that starts
-- at first, and the bucket from the index once it is empty.
local function bucket_drop(z, first, ids)
  if #ids == 0 then return end
  local b = bucket_key(z, first)
  redis.call('HDEL', b, unpack(ids))
  if redis.call('EXISTS', b) == 0 then redis.call('ZREM', bucket_index(z), record_key(first)) end
end

-- bucket_add puts a new record v (id has none) in its bucket: at most
-- __RECORDS_PER_BUCKET__ reads and writes (a full bucket splits). where
-- is record_find's, when it looked up the bucket.
local function bucket_add(z, id, v, where)
  local index = bucket_index(z)
  local first = where.first
  if not where.looked then first = record_bucket(z, id) end
  if not first then
    -- Before every bucket: the first bucket starts at id instead, when it
    -- has room, else a new one does.
    local f = redis.call('ZRANGEBYLEX', index, '-', '+', 'LIMIT', 0, 1)
    if #f > 0 then
      local n = redis.call('HLEN', bucket_key(z, record_id(f[1])))
      if n < __RECORDS_PER_BUCKET__ then
        if n > 0 then redis.call('RENAME', bucket_key(z, record_id(f[1])), bucket_key(z, id)) end
        redis.call('ZREM', index, f[1])
      end
    end
    redis.call('ZADD', index, 0, record_key(id))
    redis.call('HSET', bucket_key(z, id), id, v)
    return
  end
  local b = bucket_key(z, first)
  if redis.call('HLEN', b) < __RECORDS_PER_BUCKET__ then
    redis.call('HSET', b, id, v)
    return
  end
  -- Full. Past its last record (records are mostly written in ID order),
  -- id starts a bucket of its own; else the upper half moves to a new one.
  local ids = sort_ids(redis.call('HKEYS', b))
  local split = id
  if id_less(id, ids[#ids]) then split = ids[math.floor(#ids / 2) + 1] end
  if split ~= id then
    local moving = {}
    for i = math.floor(#ids / 2) + 1, #ids do moving[#moving + 1] = ids[i] end
    local values = redis.call('HMGET', b, unpack(moving))
    local args = {}
    for i, m in ipairs(moving) do
      args[#args + 1] = m
      args[#args + 1] = values[i]
    end
    redis.call('HDEL', b, unpack(moving))
    redis.call('HSET', bucket_key(z, split), unpack(args))
  end
  redis.call('ZADD', index, 0, record_key(split))
  if id_less(id, split) then
    redis.call('HSET', b, id, v)
  else
    redis.call('HSET', bucket_key(z, split), id, v)
  end
end

-- record_write writes id's encoded record v in place of the one found at
-- where (see record_find): in its bucket, or as a member of z when too
-- long for one.
local function record_write(z, id, where, v)
  if #v <= __RECORD_BUCKET_VALUE__ then
    if where.bucket then
      redis.call('HSET', bucket_key(z, where.bucket), id, v)
      return
    end
    if where.long then redis.call('ZREM', z, where.long) end
    bucket_add(z, id, v, where)
    return
  end
  if where.bucket then bucket_drop(z, where.bucket, {id}) end
  if where.long then redis.call('ZREM', z, where.long) end
  redis.call('ZADD', z, 0, record_key(id) .. v)
  record_long_seen[z] = true
end

-- records_drop removes the records of ids (in ID order, at most a trim
-- chunk): each bucket's in one HDEL, the long ones in one ZREM.
local function records_drop(z, ids)
  if #ids == 0 then return end
  local going, long = {}, {}
  for _, id in ipairs(ids) do going[id] = true end
  local lo, hi = record_key(ids[1]), record_key(ids[#ids]) .. '\255'
  local span = {}
  if record_long(z) then span = redis.call('ZRANGEBYLEX', z, '[' .. lo, '(' .. hi, 'LIMIT', 0, 2 * #ids + 1) end
  if #span <= 2 * #ids then
    for _, m in ipairs(span) do
      if going[record_id(m)] then long[#long + 1] = m end
    end
  else
    for _, id in ipairs(ids) do
      local m = record_member(z, id)
      if m then long[#long + 1] = m end
    end
  end
  if #long > 0 then redis.call('ZREM', z, unpack(long)) end
  -- Two index reads per bucket the IDs fall in: the bucket, and where the
  -- next one starts.
  local looked, first, upto, batch = false, nil, nil, {}
  for _, id in ipairs(ids) do
    if not looked or (upto and not id_less(id, upto)) then
      if first then bucket_drop(z, first, batch) end
      looked, batch = true, {}
      first = record_bucket(z, id)
      local from = '-'
      if first then from = '(' .. record_key(first) end
      local after = redis.call('ZRANGEBYLEX', bucket_index(z), from, '+', 'LIMIT', 0, 1)
      upto = nil
      if #after > 0 then upto = record_id(after[1]) end
    end
    if first then batch[#batch + 1] = id end
  end
  if first then bucket_drop(z, first, batch) end
end

-- records_before removes up to step records of entries before the ID
-- cutoff, the oldest first, from the long members and from at most three
-- buckets, and returns their IDs.
local function records_before(z, cutoff, step)
  local gone = {}
  local old = {}
  if record_long(z) then old = redis.call('ZRANGEBYLEX', z, '-', '(' .. record_key(cutoff), 'LIMIT', 0, step) end
  if #old > 0 then
    redis.call('ZREM', z, unpack(old))
    for _, m in ipairs(old) do gone[#gone + 1] = record_id(m) end
  end
  local firsts = redis.call('ZRANGEBYLEX', bucket_index(z), '-', '(' .. record_key(cutoff), 'LIMIT', 0, 3)
  for _, m in ipairs(firsts) do
    if #gone >= step then break end
    local first = record_id(m)
    local ids = sort_ids(redis.call('HKEYS', bucket_key(z, first)))
    local drop = {}
    for _, id in ipairs(ids) do
      if #gone >= step or not id_less(id, cutoff) then break end
      drop[#drop + 1] = id
      gone[#gone + 1] = id
    end
    if #ids == 0 then
      redis.call('ZREM', bucket_index(z), m)
    else
      bucket_drop(z, first, drop)
      -- What is left is named after its first ID again, so that the next
      -- call does not read it while it holds nothing before the cutoff.
      local left = ids[#drop + 1]
      if left and left ~= first then
        redis.call('RENAME', bucket_key(z, first), bucket_key(z, left))
        redis.call('ZREM', bucket_index(z), m)
        redis.call('ZADD', bucket_index(z), 0, record_key(left))
      end
    end
  end
  return gone
end
