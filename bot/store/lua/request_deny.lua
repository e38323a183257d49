-- KEYS: 6 name claim, 7 the requester's open set. ARGV: 6 comment
if STATE ~= 'pending' then
  return refuse('deny', 'stale', stale_detail())
end
if ACTOR == field('requester') then
  return refuse('deny', 'self_approval', 'a requester cannot decide on their own request')
end
redis.call('HSET', REQ, 'state', 'denied', 'decided_by', ACTOR, 'decided_at', AT, 'comment', ARGV[6])
redis.call('ZREM', PENDING, field('id'))
release_name(KEYS[6])
leave_open(KEYS[7])
keep_for_retention()
audit('denied', 'ok', ARGV[6])
return finish(true, '', '')
