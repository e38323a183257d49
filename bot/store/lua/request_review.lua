-- The post-hoc review of a break-glass request: acknowledge it, or revoke it (once, by one
-- approver; the service checks who is an approver before calling).
-- KEYS: 6 open break-glass index, 7 approved index (the name claim's key is on the hash)
-- ARGV: 6 verb (acknowledge | revoke | release), 7 created (epoch ms), 8 detail
-- revoke of an approved (not yet collected) request cancels it: no token will be made.
-- release undoes a revoke whose IONOS calls failed, so that it can be clicked again.
if field('break_glass') ~= '1' then
  return refuse('review', 'stale', 'not a break-glass request')
end
local verb = ARGV[6]
if verb == 'release' then
  if field('review') ~= 'revoked' then
    return quiet_refusal('stale', 'not being revoked')
  end
  hdel('review', 'reviewed_by', 'reviewed_at')
  redis.call('ZADD', KEYS[6], ARGV[7], field('id'))
  audit('revoke_failed', 'failed', ARGV[8])
  return finish(true, '', '')
end
if field('review') ~= '' then
  return refuse(verb, 'stale', 'already ' .. field('review') .. ' by ' .. field('reviewed_by'))
end
if verb == 'acknowledge' and ACTOR == field('requester') then
  return refuse(verb, 'self_approval', 'the requester cannot review their own break-glass')
end
if verb == 'revoke' and STATE == 'collecting' then
  return quiet_refusal('in_progress', 'the token is being created right now')
end
local past = {acknowledge = 'acknowledged', revoke = 'revoked'}
hset('review', past[verb], 'reviewed_by', ACTOR, 'reviewed_at', AT)
redis.call('ZREM', KEYS[6], field('id'))
if verb == 'revoke' and STATE == 'approved' then
  hset('state', 'cancelled')
  redis.call('ZREM', KEYS[7], field('id'))
  release_name()
end
audit(past[verb], 'ok', ARGV[8])
return finish(true, '', '')
