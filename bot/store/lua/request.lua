-- Prelude shared by the request transitions (after audit.lua).
-- KEYS: 1 request hash, 2 approvals zset, 3 audit stream, 4 audit head, 5 pending index, 6.. per script
-- ARGV: 1 op id, 2 actor, 3 at (ISO 8601 UTC, fixed width), 4 audit maxlen, 5 retention ms, 6.. per script
-- Reply: {result json, HGETALL request, ZRANGE approvals WITHSCORES}; result json is
-- {applied, refusal ("" when applied), approvals, detail}. An applied or audited result is
-- stored on the request as field "op:<op id>" and replayed when the same op id comes again.
local REQ, APPROVALS, STREAM, HEAD, PENDING = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local OP, ACTOR, AT, MAXLEN, RETENTION_MS = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

-- The request hash is read once (HGETALL) and kept in HASH; every write to it in a script goes
-- through hset / hdel, which write Redis and HASH alike, so field() always answers what Redis
-- holds (a script runs alone: nothing else writes the hash meanwhile).
local HASH = nil

local function load_hash()
  HASH = {}
  local flat = redis.call('HGETALL', REQ)
  for i = 1, #flat, 2 do
    HASH[flat[i]] = flat[i + 1]
  end
end

local function field(name)
  if HASH == nil then
    load_hash()
  end
  return HASH[name] or ''
end

local function hset(...)
  local pairs_ = {...}
  redis.call('HSET', REQ, unpack(pairs_))
  if HASH == nil then
    load_hash()
  end
  for i = 1, #pairs_, 2 do
    HASH[pairs_[i]] = tostring(pairs_[i + 1])
  end
end

local function hdel(...)
  local names = {...}
  redis.call('HDEL', REQ, unpack(names))
  if HASH ~= nil then
    for _, name in ipairs(names) do
      HASH[name] = nil
    end
  end
end

local function reply(result)
  if HASH == nil then
    load_hash()
  end
  local flat = {}
  for name, value in pairs(HASH) do
    flat[#flat + 1] = name
    flat[#flat + 1] = value
  end
  return {result, flat, redis.call('ZRANGE', APPROVALS, 0, -1, 'WITHSCORES')}
end

local function result_json(applied, refusal, detail)
  return cjson.encode({
    applied = applied, refusal = refusal, approvals = redis.call('ZCARD', APPROVALS), detail = detail,
  })
end

local function audit(action, outcome, detail)
  local token = field('token_id')
  if token == '' then
    token = field('target_token_id')
  end
  if field('break_glass') == '1' then
    detail = '[break-glass] ' .. detail -- every step of a break-glass request is flagged
  end
  return audit_append(STREAM, HEAD, MAXLEN, {
    at = AT, actor = ACTOR, action = action, outcome = outcome, registry = field('registry_id'),
    token = token, request_id = field('id'), detail = detail, op = OP,
  })
end

-- Record the op id with its result, then answer.
local function finish(applied, refusal, detail)
  local result = result_json(applied, refusal, detail)
  hset('op:' .. OP, result)
  return reply(result)
end

-- A refusal worth an audit entry (a person tried something the rules do not allow).
local function refuse(verb, refusal, detail)
  audit('refused', 'refused', verb .. ': ' .. refusal .. ': ' .. detail)
  return finish(false, refusal, detail)
end

-- A refusal that writes nothing (a double click, a sweep that came late).
local function quiet_refusal(refusal, detail)
  return reply(result_json(false, refusal, detail))
end

local function keep_for_retention()
  redis.call('PEXPIRE', REQ, RETENTION_MS)
  redis.call('PEXPIRE', APPROVALS, RETENTION_MS)
end

load_hash()
if next(HASH) == nil then -- no such request (an empty hash does not exist in Redis)
  return {cjson.encode({applied = false, refusal = 'unknown_request', approvals = 0, detail = ''}), {}, {}}
end
local recorded = field('op:' .. OP)
if recorded ~= '' then
  return reply(recorded)
end
local STATE = field('state')

local function stale_detail()
  if STATE == 'approved' or STATE == 'denied' then
    return 'already ' .. STATE .. ' by ' .. field('decided_by') .. ' at ' .. field('decided_at')
  elseif STATE == 'expired' then
    return 'already expired at ' .. field('expired_at')
  elseif STATE == 'collecting' then
    return 'already being collected since ' .. field('claimed_at')
  elseif STATE == 'collected' then
    return 'already collected at ' .. field('collected_at')
  elseif STATE == 'cancelled' then
    return 'already withdrawn by the requester at ' .. field('cancelled_at')
  end
  return 'already ' .. STATE
end

-- The request's token-name claim and its entry in the requester's open set: their keys were
-- stored on the hash at creation (fields name_key / open_key, never changed; built by
-- bot/store/keys.py, so in the {regbot} hash tag's slot like every key the script declares);
-- a request stored before those fields existed has neither, and these do nothing for it.
local function release_name()
  local key = field('name_key')
  if key ~= '' and redis.call('GET', key) == 'req:' .. field('id') then
    redis.call('DEL', key)
  end
end

local function keep_name(ttl_ms)
  local key = field('name_key')
  if key ~= '' and redis.call('GET', key) == 'req:' .. field('id') then
    redis.call('PEXPIRE', key, ttl_ms)
  end
end

local function leave_open()
  local key = field('open_key')
  if key ~= '' then
    redis.call('ZREM', key, field('id'))
  end
end
