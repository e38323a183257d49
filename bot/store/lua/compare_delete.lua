-- Delete a key only if it still holds the caller's value (a lease or a claim it owns), so a
-- holder whose lease expired never deletes the next holder's.
-- KEYS: 1 the key; ARGV: 1 the value the caller set. Reply: 1 deleted, 0 not the caller's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
