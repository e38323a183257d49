-- Prelude shared by the request transitions (after audit.lua).
-- KEYS: 1 request hash, 2 approvals zset, 3 audit stream, 4 audit head, 5 pending index, 6.. per script
-- ARGV: 1 op id, 2 actor, 3 at (ISO 8601 UTC, fixed width), 4 audit maxlen, 5 retention ms, 6.. per script
-- Reply: {result json, HGETALL request, ZRANGE approvals WITHSCORES}; result json is
-- {applied, refusal ("" when applied), approvals, detail}. An applied or audited result is
-- stored on the request as field "op:<op id>" and replayed when the same op id comes again.
local REQ, APPROVALS, STREAM, HEAD, PENDING = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local OP, ACTOR, AT, MAXLEN, RETENTION_MS = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

local function field(name)
  return redis.call('HGET', REQ, name) or ''
end

local function reply(result)
  return {result, redis.call('HGETALL', REQ), redis.call('ZRANGE', APPROVALS, 0, -1, 'WITHSCORES')}
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
  redis.call('HSET', REQ, 'op:' .. OP, result)
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

if redis.call('EXISTS', REQ) == 0 then
  return {cjson.encode({applied = false, refusal = 'unknown_request', approvals = 0, detail = ''}), {}, {}}
end
local recorded = redis.call('HGET', REQ, 'op:' .. OP)
if recorded then
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

-- The request's token-name claim and its entry in the requester's open set: the caller passes
-- their keys (read from the hash's name_key / open_key fields, which never change); a request
-- stored before those fields existed has neither, and these do nothing for it.
local function ours(name, key)
  local own = field(name)
  return own ~= '' and own == key
end

local function release_name(key)
  if ours('name_key', key) and redis.call('GET', key) == 'req:' .. field('id') then
    redis.call('DEL', key)
  end
end

local function keep_name(key, ttl_ms)
  if ours('name_key', key) and redis.call('GET', key) == 'req:' .. field('id') then
    redis.call('PEXPIRE', key, ttl_ms)
  end
end

local function leave_open(key)
  if ours('open_key', key) then
    redis.call('ZREM', key, field('id'))
  end
end
