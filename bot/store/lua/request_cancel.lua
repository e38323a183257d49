-- KEYS: 6 approved index (name claim and open set: keys on the hash, see request.lua).
-- ARGV: 6 audit detail (what was withdrawn).
-- The requester withdraws their own request while it is pending or approved (not yet being
-- collected). Racing an approval, a deny, a claim or the expiry sweep, exactly one applies:
-- whichever script Redis runs first moves STATE, and the other finds it moved.
if ACTOR ~= field('requester') then
  return refuse('cancel', 'not_requester', 'only the requester can withdraw this request')
end
if STATE == 'collecting' then
  return refuse('cancel', 'in_progress', 'the token is being created right now')
end
if STATE ~= 'pending' and STATE ~= 'approved' then
  return refuse('cancel', 'stale', stale_detail())
end
hset('state', 'cancelled', 'cancelled_at', AT)
redis.call('ZREM', PENDING, field('id'))
redis.call('ZREM', KEYS[6], field('id'))
release_name()
leave_open()
keep_for_retention()
audit('cancelled', 'ok', ARGV[6])
return finish(true, '', '')
