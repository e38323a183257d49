-- A single audit entry (for events outside a request transition).
-- KEYS: 1 stream, 2 head, 3 op key (optional: a retried call returns the first id)
-- ARGV: 1 maxlen, 2 op key ttl (s), 3 at, 4 actor, 5 action, 6 outcome, 7 registry, 8 token,
--       9 request_id, 10 detail, 11 op id
if KEYS[3] then
  local done = redis.call('GET', KEYS[3])
  if done then
    return done
  end
end
local id = audit_append(KEYS[1], KEYS[2], ARGV[1], {
  at = ARGV[3], actor = ARGV[4], action = ARGV[5], outcome = ARGV[6], registry = ARGV[7],
  token = ARGV[8], request_id = ARGV[9], detail = ARGV[10], op = ARGV[11],
})
if KEYS[3] then
  redis.call('SET', KEYS[3], id, 'EX', ARGV[2])
end
return id
