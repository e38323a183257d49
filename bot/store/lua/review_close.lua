-- Close a campaign at its due date, once across replicas.
-- KEYS: 1 campaign hash, 2 the registry's open key, 3 due index, 4 unfinished set,
--       5 audit stream, 6 audit head
-- ARGV: 1 campaign id, 2 at (ISO), 3 audit maxlen, 4 audit detail
-- Reply: 1 closed by this call, 0 already closed (or unknown)
if redis.call('HGET', KEYS[1], 'open') ~= '1' then
  return 0
end
redis.call('HSET', KEYS[1], 'open', '0', 'closed_at', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
redis.call('ZREM', KEYS[3], ARGV[1])
local counts = redis.call('HMGET', KEYS[1], 'total', 'kept', 'disabled', 'deleted', 'gone')
local left = tonumber(counts[1] or 0)
for i = 2, 5 do
  left = left - tonumber(counts[i] or 0)
end
if left > 0 then
  redis.call('SADD', KEYS[4], ARGV[1])
end
audit_append(KEYS[5], KEYS[6], ARGV[3], {
  at = ARGV[2], actor = 'regbot', action = 'review_closed', outcome = 'ok',
  registry = redis.call('HGET', KEYS[1], 'registry_id') or '', token = '', request_id = ARGV[1],
  detail = ARGV[4], op = ARGV[1] .. ':close',
})
return 1
