-- KEYS: none of its own (name claim and open set: keys on the hash). ARGV: 6 comment
if STATE ~= 'pending' then
  return refuse('deny', 'stale', stale_detail())
end
if ACTOR == field('requester') then
  return refuse('deny', 'self_approval', 'a requester cannot decide on their own request')
end
hset('state', 'denied', 'decided_by', ACTOR, 'decided_at', AT, 'comment', ARGV[6])
redis.call('ZREM', PENDING, field('id'))
release_name()
leave_open()
keep_for_retention()
audit('denied', 'ok', ARGV[6])
return finish(true, '', '')
