-- KEYS: 6 approved index (name claim and open set: keys on the hash). ARGV: 6 reason.
-- A request already past pending/approved is left alone, unaudited: the sweep simply came late.
if STATE ~= 'pending' and STATE ~= 'approved' then
  return quiet_refusal('stale', stale_detail())
end
hset('state', 'expired', 'expired_at', AT)
redis.call('ZREM', PENDING, field('id'))
redis.call('ZREM', KEYS[6], field('id'))
release_name()
leave_open()
keep_for_retention()
audit('expired', 'ok', ARGV[6])
return finish(true, '', '')
