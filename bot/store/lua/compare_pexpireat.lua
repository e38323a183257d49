-- Set a key's end only if it still holds the caller's value (a name claim handed to a token).
-- KEYS: 1 the key; ARGV: 1 the value expected, 2 epoch ms to expire at ("" = never).
-- Reply: 1 set, 0 the key holds something else (or nothing).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('PERSIST', KEYS[1])
  return 1
end
return redis.call('PEXPIREAT', KEYS[1], ARGV[2])
