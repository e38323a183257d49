-- SET key value NX PX ttl, where the caller's own value already there also counts as success:
-- redis-py retries a command after a timeout (e.g. this process was paused while the reply was
-- on its way), and a plain SET NX retried would answer "taken" for what this caller took.
-- KEYS: 1 the key; ARGV: 1 the caller's value, 2 ttl in milliseconds. Reply: 1 taken, 0 not.
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  return 1
end
return 0
