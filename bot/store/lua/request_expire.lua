-- KEYS: 6 approved index, 7 name claim, 8 the requester's open set. ARGV: 6 reason.
-- A request already past pending/approved is left alone, unaudited: the sweep simply came late.
if STATE ~= 'pending' and STATE ~= 'approved' then
  return quiet_refusal('stale', stale_detail())
end
redis.call('HSET', REQ, 'state', 'expired', 'expired_at', AT)
redis.call('ZREM', PENDING, field('id'))
redis.call('ZREM', KEYS[6], field('id'))
release_name(KEYS[7])
leave_open(KEYS[8])
keep_for_retention()
audit('expired', 'ok', ARGV[6])
return finish(true, '', '')
