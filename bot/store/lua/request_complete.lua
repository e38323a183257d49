-- KEYS: 6 ownership hash of the new token, 7 requester's token set, 8 approved index,
--       9 rotations (a rotation's old token gets its grace period from now); the name claim
--       (its key on the hash, see request.lua) is handed from the request to the token: the
--       ownership store sets its end
-- ARGV: 6 token id, 7 token name, 8 requester the caller read (KEYS[7] was built from it),
--       9 now (epoch ms), 10 set the ends below ("1") or leave them ("": the name claim keeps
--       the retention and the ownership record has none, for the caller to set), 11 the
--       ownership record's end (epoch ms; "" = never), 12 the name claim's end ("" = never)
if STATE ~= 'collecting' then
  return refuse('complete', 'stale', stale_detail())
end
if field('requester') ~= ARGV[8] then
  return redis.error_reply('requester changed under complete')
end
local ask = cjson.decode(field('ask'))
hset('state', 'collected', 'token_id', ARGV[6], 'collected_at', AT)
redis.call('HSET', KEYS[6],
  'token_id', ARGV[6], 'owner', ARGV[8], 'registry_id', ask.registry_id,
  'registry_name', ask.registry_name, 'token_name', ARGV[7], 'request_id', field('id'),
  'created_at', AT)
if ARGV[10] == '1' then
  if ARGV[11] ~= '' then
    redis.call('PEXPIREAT', KEYS[6], ARGV[11])
  else
    redis.call('PERSIST', KEYS[6])
  end
end
redis.call('SADD', KEYS[7], ARGV[6])
local name_key = field('name_key')
if name_key ~= '' then
  local holder = redis.call('GET', name_key)
  if not holder or holder == 'req:' .. field('id') then -- never take another's claim over
    if ARGV[10] ~= '1' then
      redis.call('SET', name_key, 'token:' .. ARGV[6], 'PX', RETENTION_MS)
    elseif ARGV[12] ~= '' then
      redis.call('SET', name_key, 'token:' .. ARGV[6], 'PXAT', ARGV[12])
    else
      redis.call('SET', name_key, 'token:' .. ARGV[6])
    end
  end
end
redis.call('ZREM', KEYS[8], field('id'))
if field('kind') == 'rotate' and field('target_token_id') ~= '' then
  redis.call('ZADD', KEYS[9], ARGV[9], field('id'))
end
keep_for_retention()
audit('created', 'ok', 'token ' .. ARGV[7])
audit('delivered', 'ok', 'to ' .. ARGV[8])
return finish(true, '', '')
