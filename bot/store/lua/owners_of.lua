-- The owner of each token, in one round trip: a page of the sweep costs one command, not one
-- per token (a pipeline still parses one reply per token on the client).
-- KEYS: the tokens' ownership hashes
-- Reply: one entry per key, its "owner" field or nil (false) when there is no record
local owners = {}
for i, key in ipairs(KEYS) do
  owners[i] = redis.call('HGET', key, 'owner')
end
return owners
