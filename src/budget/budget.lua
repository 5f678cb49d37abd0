-- The account's request budget, shared by every console and CLI run of a team: one atomic step
-- per call, so no two processes can both take the last slot. The same rules as the local budget
-- (src/transfer/budget.rs): a rolling window of calls, each counted from the latest moment it
-- could reach the platform (taken, plus the request timeout) until it is answered, then from its
-- answer; a pause after a 429; a transfer waiting holds bulk and background calls
-- back, a bulk run waiting holds background calls back; background calls leave a reserve.
--
-- KEYS[1] sorted set: one member per call, scored by the millisecond it counts from
-- KEYS[2] hash: paused, transfer, bulk, recover (until when, in ms), recovered (an epoch)
-- KEYS[3] string: this data's epoch, so a Redis that lost its data is noticed
-- ARGV[1] operation, ARGV[2] window in ms, ARGV[3] an epoch to set if there is none,
-- ARGV[4] the epoch the caller last saw ('' if none), then
--   take:   priority, limit for transfers and bulk, limit for background, mark hold ms, member,
--           how many calls are wanted (a batch of a bulk run: as many as there is room for, at
--           least one; each is named member:n), ms an unanswered call may still take to arrive
--   done:   member, how many calls it named
--   release: member, the first and the end of the calls never made (member:first .. end - 1)
--   pause:  ms
--   resync: member, age in ms, member, age in ms, ... (negative for a call not yet answered)
--   look:   nothing
-- Returns {calls taken (0 if none), wait ms, epoch, paused ms, transfer mark ms, bulk mark ms,
--          recovering ms, now, then (bucket end relative to now in ms, calls) pairs, oldest first}.
-- Times are the server's (TIME), so consoles whose clocks disagree still agree here.

local calls, marks, epoch_key = KEYS[1], KEYS[2], KEYS[3]
local op, window = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local epoch = redis.call('GET', epoch_key)
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', epoch_key, epoch)
end
redis.call('ZREMRANGEBYSCORE', calls, '-inf', now - window)

-- A caller that saw another epoch: Redis lost the team's count (a restart without its data).
-- For two windows from the first such caller, nobody takes from it: each console counts alone
-- on its share and puts its calls back at its next call (every console that is making calls
-- calls within a window); by then none of the lost calls counts any more.
local seen = ARGV[4]
if seen ~= '' and seen ~= epoch and redis.call('HGET', marks, 'recovered') ~= epoch then
  redis.call('HSET', marks, 'recover', now + 2 * window, 'recovered', epoch)
end

local function mark(field)
  local v = tonumber(redis.call('HGET', marks, field) or '0')
  if v > now then return v end
  return nil
end

-- Milliseconds until a call fits within `limit`, or nil if one fits now.
local function wait(limit)
  local until_ = mark('paused')
  local total = redis.call('ZCARD', calls)
  if total >= limit then
    local oldest = redis.call('ZRANGE', calls, total - limit, total - limit, 'WITHSCORES')
    local free = tonumber(oldest[2]) + window
    if not until_ or free > until_ then until_ = free end
  end
  if until_ then return until_ - now end
  return nil
end

local taken, waited = 0, 0
if op == 'take' and mark('recover') then
  -- Nothing taken: the caller counts alone until the recovery is over.
  waited = 0
elseif op == 'take' then
  local priority, all, background = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
  local hold, member, wanted = tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10])
  local unanswered = tonumber(ARGV[11])
  local ahead = nil
  if priority == 'bulk' then
    ahead = mark('transfer')
  elseif priority == 'background' then
    ahead = mark('transfer')
    local bulk = mark('bulk')
    if bulk and (not ahead or bulk > ahead) then ahead = bulk end
  end
  local limit = all
  if priority == 'background' then limit = background end
  local w
  if ahead then
    -- Try again when the budget could next allow it, or once the mark is refreshed.
    w = math.max(wait(limit) or 0, math.min(ahead - now, math.floor(hold / 4)))
  else
    w = wait(limit)
  end
  if w then
    waited = w
    if priority ~= 'background' then
      local until_ = now + w + hold
      if until_ > tonumber(redis.call('HGET', marks, priority) or '0') then
        redis.call('HSET', marks, priority, until_)
      end
    end
  else
    repeat
      redis.call('ZADD', calls, now + unanswered, member .. ':' .. taken)
      taken = taken + 1
    until taken >= wanted or wait(limit)
  end
elseif op == 'done' then
  -- From its answer on, a call counts from then: it surely reached the platform by now.
  for n = 0, tonumber(ARGV[6]) - 1 do
    redis.call('ZADD', calls, now + 1, ARGV[5] .. ':' .. n)
  end
elseif op == 'release' then
  for n = tonumber(ARGV[6]), tonumber(ARGV[7]) - 1 do
    redis.call('ZREM', calls, ARGV[5] .. ':' .. n)
  end
elseif op == 'pause' then
  local until_ = now + tonumber(ARGV[5])
  if until_ > tonumber(redis.call('HGET', marks, 'paused') or '0') then
    redis.call('HSET', marks, 'paused', until_)
  end
elseif op == 'resync' then
  -- Calls a console made while it could not reach this Redis, or that a restart lost.
  for i = 5, #ARGV - 1, 2 do
    local at = now - tonumber(ARGV[i + 1])
    if at > now - window then
      redis.call('ZADD', calls, 'GT', at, ARGV[i])
    end
  end
end
-- Nothing outlives the window by long: an account nobody uses leaves nothing behind.
redis.call('PEXPIRE', calls, 2 * window + 600000)
redis.call('PEXPIRE', marks, 2 * window + 600000)

local function left(field)
  local v = mark(field)
  if v then return v - now end
  return 0
end
local reply = {taken, waited, epoch, left('paused'), left('transfer'), left('bulk'), left('recover'), now}
-- The window in 50 ms buckets, as the local budget keeps it: a few hundred numbers at most.
local all = redis.call('ZRANGE', calls, 0, -1, 'WITHSCORES')
local last, count = nil, 0
for i = 2, #all, 2 do
  local bucket = math.ceil(tonumber(all[i]) / 50) * 50
  if bucket ~= last then
    if last then
      reply[#reply + 1] = last - now
      reply[#reply + 1] = count
    end
    last, count = bucket, 0
  end
  count = count + 1
end
if last then
  reply[#reply + 1] = last - now
  reply[#reply + 1] = count
end
return reply
