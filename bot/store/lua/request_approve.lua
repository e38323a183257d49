-- KEYS: 6 approved index (approved, not yet collected, by decision time)
-- (the name claim and the requester's open set: their keys are on the hash, see request.lua)
-- ARGV: 6 ask json ("" = keep), 7 registry id of that ask, 8 narrowed ("" = keep), 9 comment,
--       10 approval time (epoch ms), 11 extra audit detail, 12 the version of the request the
--       narrowing was made from ("" = no narrowing)
-- A narrowing replaces the ask only if nobody changed the ask since the approver read it (the
-- version is bumped by every narrowing): a narrowing made from an older version would put back
-- what another approver took away, so it is refused with the request as it is now.
if STATE ~= 'pending' then
  return refuse('approve', 'stale', stale_detail())
end
if ACTOR == field('requester') then
  return refuse('approve', 'self_approval', 'a requester cannot approve their own request')
end
local version = tonumber(field('version')) or 0
if ARGV[6] ~= '' and tonumber(ARGV[12]) ~= version then
  return refuse('approve', 'stale_view',
    'the request was narrowed by another approver since version ' .. ARGV[12])
end
if redis.call('ZADD', APPROVALS, 'NX', ARGV[10], ACTOR) == 0 then
  return refuse('approve', 'already_approved_by_you', 'this approver already approved')
end
local ttl = redis.call('PTTL', REQ)
if ttl > 0 then
  redis.call('PEXPIRE', APPROVALS, ttl)
end
if ARGV[6] ~= '' then
  hset('ask', ARGV[6], 'registry_id', ARGV[7], 'version', version + 1)
end
if ARGV[8] ~= '' then
  local before = field('narrowed')
  hset('narrowed', before == '' and ARGV[8] or (before .. '; ' .. ARGV[8]))
end
local count = redis.call('ZCARD', APPROVALS)
local quorum = tonumber(field('quorum')) or 1
local detail = 'approval ' .. count .. ' of ' .. quorum
if ARGV[11] ~= '' then
  detail = detail .. '; ' .. ARGV[11]
end
if count >= quorum then
  hset('state', 'approved', 'decided_by', ACTOR, 'decided_at', AT)
  if ARGV[9] ~= '' then
    hset('comment', ARGV[9])
  end
  redis.call('ZREM', PENDING, field('id'))
  redis.call('ZADD', KEYS[6], ARGV[10], field('id'))
  leave_open()
  keep_for_retention() -- outlives the pending ttl: the claim ttl runs from here (housekeeping)
  keep_name(RETENTION_MS) -- the name stays this request's until collected or expired
  audit('approved', 'ok', detail)
else
  audit('approval_recorded', 'ok', detail)
end
return finish(true, '', '')
