-- Set fields on a hash only if it still exists (never resurrect an expired request without a TTL).
-- KEYS: 1 hash; ARGV: field/value pairs. Reply: 1 when written, 0 when the hash is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
