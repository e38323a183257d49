-- Create a request once per submission nonce (after audit.lua).
-- KEYS: 1 request hash, 2 audit stream, 3 audit head, 4 pending index, 5 submission nonce,
--       6 requester's index
-- ARGV: 1 request id, 2 hash ttl ms, 3 nonce ttl ms, 4 score (created, epoch ms), 5 audit maxlen,
--       6 retention ms, 7 requester index size, 8 pending (1/0), 9 actor, 10 at, 11 registry,
--       12 detail, 13.. hash field/value pairs
-- Reply: {1, id} when created, {0, id of the request the nonce already made}.
local existing = redis.call('GET', KEYS[5])
if existing then
  return {0, existing}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, ARGV[1]}
end
redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[3])
local fields = {}
for i = 13, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[8] == '1' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
end
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -(tonumber(ARGV[7]) + 1))
redis.call('PEXPIRE', KEYS[6], ARGV[6])
audit_append(KEYS[2], KEYS[3], ARGV[5], {
  at = ARGV[10], actor = ARGV[9], action = 'requested', outcome = 'ok', registry = ARGV[11],
  token = '', request_id = ARGV[1], detail = ARGV[12], op = '',
})
return {1, ARGV[1]}
