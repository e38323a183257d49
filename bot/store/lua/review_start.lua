-- Open a review campaign for a registry: one open campaign per registry, across replicas.
-- KEYS: 1 open key (registry -> campaign id), 2 last-start key, 3 campaign hash,
--       4 the registry's campaign index, 5 due index, 6 audit stream, 7 audit head
-- ARGV: 1 campaign id, 2 now (epoch ms), 3 scheduled: start only if the last start is at or
--       before this (epoch ms; "" = started by hand), 4 due (epoch ms), 5 audit maxlen,
--       6 at (ISO), 7 actor, 8 registry id, 9 audit detail, 10.. campaign hash field pairs
-- Reply: {"started", id} | {"open", id of the campaign already open} | {"not_due", ""}
local open = redis.call('GET', KEYS[1])
if open then
  return {'open', open}
end
if ARGV[3] ~= '' then
  local last = redis.call('GET', KEYS[2])
  if last and tonumber(last) > tonumber(ARGV[3]) then
    return {'not_due', ''}
  end
end
local fields = {}
for i = 10, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
audit_append(KEYS[6], KEYS[7], ARGV[5], {
  at = ARGV[6], actor = ARGV[7], action = 'review_started', outcome = 'ok', registry = ARGV[8],
  token = '', request_id = ARGV[1], detail = ARGV[9], op = ARGV[1] .. ':start',
})
return {'started', ARGV[1]}
