-- Extend a key's lifetime only if it still holds the caller's value (renewing a lease).
-- KEYS: 1 the key; ARGV: 1 the value the caller set, 2 the new ttl in milliseconds.
-- Reply: 1 renewed, 0 lost (expired, or another holder's now).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
