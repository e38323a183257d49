-- Write or delete a token's ownership, moving it between owners' sets, if the owner is still
-- the one the caller read (else reply 0 and the caller reads again).
-- KEYS: 1 ownership hash, 2 new owner's token set (unused when deleting), 3 previous owner's set
-- ARGV: 1 previous owner as read ("" = none), 2 token id, 3 new owner ("" = delete), 4.. field pairs
local current = redis.call('HGET', KEYS[1], 'owner') or ''
if current ~= ARGV[1] then
  return 0
end
if current ~= '' then
  redis.call('SREM', KEYS[3], ARGV[2])
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
  return 1
end
local fields = {}
for i = 4, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
