-- Claim the next step on the old token, once across replicas.
-- ARGV: 6 stage expected (live|disabled), 7 stale_before (ISO): an older claim was abandoned,
--       8 due_before (epoch ms; "" = now, whatever the grace: the owner said they switched)
if rotation_stage() ~= ARGV[6] then
  return quiet_refusal('stale', 'the old token is already ' .. rotation_stage())
end
local since = field('rotation_claimed_at')
if since ~= '' and since > ARGV[7] then
  return quiet_refusal('in_progress', 'under way since ' .. since)
end
if ARGV[8] ~= '' then
  local score = redis.call('ZSCORE', ROTATIONS, field('id'))
  if not score or tonumber(score) > tonumber(ARGV[8]) then
    return quiet_refusal('stale', 'not due')
  end
end
hset('rotation_claimed_at', AT)
return finish(true, '', '')
