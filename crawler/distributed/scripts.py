"""The Lua scripts that make each step of the shared queue atomic in Redis.

Why Lua: a worker can be killed between any two commands. Each script below is one atomic
step, so a `kill -9` never leaves a request seen-but-not-queued or popped-but-not-leased.
Keys are built inside the scripts from a run prefix, so one Redis (not a cluster) is assumed.

Run keys (prefix `govwire:<site>:<run id>:`):
  queue           zset   encoded request -> -priority (ZPOPMIN gives the most urgent)
  seen            set    request fingerprints (the run's duplicate filter)
  lease_seq       int    lease counter
  leases:<w>      hash   "<lease id>:<score>" -> encoded request, for worker w (its processing list)
  alive:<w>       string w's heartbeat; expires after the lease TTL when w stops beating
  workers         set    workers that joined and have not closed
  starting        set    workers still reading their spider's start() (still producing)
  state           hash   URL -> crawl state entry, merged into the store once at the end
  summary         hash   worker -> its JSON figures, written when it closes
  lost            hash   worker -> requests re-queued after it died
  final           string the worker that finalises the run (SET NX)
"""
from __future__ import annotations

# KEYS[1] site's run lock; ARGV: wanted id ('' = any), new id, ttl ms, done-marker prefix,
# site prefix, worker. Returns {verdict, run id}.
JOIN = """
local cur = redis.call('GET', KEYS[1])
local id
local verdict
if cur then
  if ARGV[1] ~= '' and cur ~= ARGV[1] then return {'locked', cur} end
  id = cur
  verdict = 'joined'
else
  if ARGV[1] ~= '' then id = ARGV[1] else id = ARGV[2] end
  if redis.call('EXISTS', ARGV[4] .. id) == 1 then return {'finished', id} end
  verdict = 'started'
end
redis.call('SET', KEYS[1], id, 'PX', ARGV[3])
local p = ARGV[5] .. id .. ':'
redis.call('SADD', p .. 'workers', ARGV[6])
redis.call('SADD', p .. 'starting', ARGV[6])
redis.call('SET', p .. 'alive:' .. ARGV[6], '1', 'PX', ARGV[3])
return {verdict, id}
"""

# ARGV: prefix, fingerprint, score, encoded request, '1' to skip the duplicate filter.
PUSH = """
local p = ARGV[1]
if ARGV[5] ~= '1' and redis.call('SADD', p .. 'seen', ARGV[2]) == 0 then return 0 end
redis.call('ZADD', p .. 'queue', ARGV[3], ARGV[4])
return 1
"""

# ARGV: prefix, worker. Returns {lease field, encoded request} or false when the queue is empty.
POP = """
local p = ARGV[1]
local r = redis.call('ZPOPMIN', p .. 'queue')
if #r == 0 then return false end
local id = redis.call('INCR', p .. 'lease_seq')
local field = id .. ':' .. r[2]
redis.call('HSET', p .. 'leases:' .. ARGV[2], field, r[1])
return {field, r[1]}
"""

# ARGV: prefix. Re-queues the leases of workers whose heartbeat expired, then reports
# {queued, leased by live workers, workers still starting, re-queued now, live workers}.
STATUS = """
local p = ARGV[1]
local leased, requeued, live = 0, 0, 0
for _, w in ipairs(redis.call('SMEMBERS', p .. 'workers')) do
  if redis.call('EXISTS', p .. 'alive:' .. w) == 0 then
    local h = redis.call('HGETALL', p .. 'leases:' .. w)
    for i = 1, #h, 2 do
      local f = h[i]
      local score = string.sub(f, string.find(f, ':', 1, true) + 1)
      redis.call('ZADD', p .. 'queue', score, h[i + 1])
      requeued = requeued + 1
    end
    redis.call('HINCRBY', p .. 'lost', w, #h / 2)
    redis.call('DEL', p .. 'leases:' .. w)
    redis.call('SREM', p .. 'workers', w)
    redis.call('SREM', p .. 'starting', w)
  else
    live = live + 1
    leased = leased + redis.call('HLEN', p .. 'leases:' .. w)
  end
end
return {redis.call('ZCARD', p .. 'queue'), leased, redis.call('SCARD', p .. 'starting'), requeued, live}
"""

# KEYS[1] site's run lock; ARGV: prefix, worker, ttl ms, run id, key expiry s, key names...
# Beats for the worker (re-registering it if a late beat got it declared dead) and the run.
HEARTBEAT = """
local p = ARGV[1]
redis.call('SET', p .. 'alive:' .. ARGV[2], '1', 'PX', ARGV[3])
redis.call('SADD', p .. 'workers', ARGV[2])
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[4] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
elseif not cur then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
end
for i = 6, #ARGV do redis.call('EXPIRE', p .. ARGV[i], ARGV[5]) end
return cur == ARGV[4] or not cur
"""

# ARGV: prefix, worker, summary JSON. Returns 1 when this worker is the last one: it finalises.
# Leases the worker still holds (it was stopped early: an error, CloseSpider) go back to the queue.
CLOSE = """
local p = ARGV[1]
local w = ARGV[2]
local h = redis.call('HGETALL', p .. 'leases:' .. w)
for i = 1, #h, 2 do
  local f = h[i]
  redis.call('ZADD', p .. 'queue', string.sub(f, string.find(f, ':', 1, true) + 1), h[i + 1])
end
redis.call('DEL', p .. 'leases:' .. w)
redis.call('HSET', p .. 'summary', w, ARGV[3])
redis.call('SREM', p .. 'workers', w)
redis.call('SREM', p .. 'starting', w)
redis.call('DEL', p .. 'alive:' .. w)
for _, other in ipairs(redis.call('SMEMBERS', p .. 'workers')) do
  if redis.call('EXISTS', p .. 'alive:' .. other) == 1 then return 0 end
end
if redis.call('SET', p .. 'final', w, 'NX', 'EX', 86400) then return 1 end
return 0
"""

# KEYS[1] a site's pace key; ARGV: delay ms. 0 when the caller may send now (and the next
# send of the whole cluster is then due `delay` later), else how many ms to wait before asking
# again. Granted only at send time, never reserved ahead: a worker that wakes up late (busy
# reactor) must not squeeze the next worker's turn. Redis's clock is the only clock.
PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < nxt then return nxt - now end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
return 0
"""

# KEYS[1] a site's concurrency zset; ARGV: token, limit, lease ms. 1 when a slot was taken.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 60000)
  return 1
end
return 0
"""
