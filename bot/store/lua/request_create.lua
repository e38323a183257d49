-- Create a request once per submission nonce (after audit.lua), reserving its token name on
-- its registry and counting it against the requester's open requests, all in one step.
-- KEYS: 1 request hash, 2 audit stream, 3 audit head, 4 pending index, 5 submission nonce,
--       6 requester's index, 7 the name claim (keys.name_claim), 8 the requester's open set
--       on this registry (keys.user_open)
-- ARGV: 1 request id, 2 hash ttl ms, 3 nonce ttl ms (= request ttl), 4 score (created, epoch ms),
--       5 audit maxlen, 6 retention ms, 7 requester index size, 8 pending (1/0), 9 actor, 10 at,
--       11 registry, 12 detail, 13 reserve the name (1/0), 14 most open requests ("" = no
--       limit), 15.. hash field/value pairs
-- Reply: {1, id, HGETALL of the new request} when created (it has no approvals yet); {0, id of the request the nonce already made}; {2, holder of
-- the name ("req:<id>" or "token:<id>")}; {3, open requests counted}. A refusal is audited
-- (action refused) and stores nothing.
local existing = redis.call('GET', KEYS[5])
if existing then
  return {0, existing}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, ARGV[1]}
end
local function refused(detail)
  audit_append(KEYS[2], KEYS[3], ARGV[5], {
    at = ARGV[10], actor = ARGV[9], action = 'refused', outcome = 'refused', registry = ARGV[11],
    token = '', request_id = '', detail = 'request: ' .. detail .. ' (' .. ARGV[12] .. ')', op = '',
  })
end
local claim = 'req:' .. ARGV[1]
if ARGV[13] == '1' then
  local holder = redis.call('GET', KEYS[7])
  if holder and holder ~= claim then
    refused('name_taken: the name is held by ' .. holder)
    return {2, holder}
  end
end
-- entries older than the request ttl belong to requests that expired without a transition
redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', '(' .. (tonumber(ARGV[4]) - tonumber(ARGV[3])))
if ARGV[14] ~= '' then
  local open = redis.call('ZCARD', KEYS[8])
  if open >= tonumber(ARGV[14]) then
    refused('too_many_open: ' .. open .. ' requests already wait for approval')
    return {3, tostring(open)}
  end
end
redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[3])
local fields = {}
for i = 15, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[13] == '1' then
  redis.call('SET', KEYS[7], claim, 'PX', ARGV[2])
end
if ARGV[8] == '1' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('ZADD', KEYS[8], ARGV[4], ARGV[1])
  redis.call('PEXPIRE', KEYS[8], ARGV[2])
end
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -(tonumber(ARGV[7]) + 1))
redis.call('PEXPIRE', KEYS[6], ARGV[6])
audit_append(KEYS[2], KEYS[3], ARGV[5], {
  at = ARGV[10], actor = ARGV[9], action = 'requested', outcome = 'ok', registry = ARGV[11],
  token = '', request_id = ARGV[1], detail = ARGV[12], op = '',
})
return {1, ARGV[1], redis.call('HGETALL', KEYS[1])}
