-- Nudge the approvers of a pending request, once per nudge number across replicas: the first
-- nudge is due `nudge_after` after creation, each next one twice the delay before it later.
-- ARGV: 6 nudge_after (ms), 7 now (epoch ms), 8 created (epoch ms)
-- A request not pending, or not due, writes nothing. Applied: detail is the nudge number.
if STATE ~= 'pending' then
  return quiet_refusal('stale', stale_detail())
end
local count = tonumber(field('nudges')) or 0
local last = tonumber(field('nudged_at_ms')) or tonumber(ARGV[8])
local due = last + tonumber(ARGV[6]) * (2 ^ count)
if tonumber(ARGV[7]) < due then
  return quiet_refusal('stale', 'not due')
end
count = count + 1
hset('nudges', count, 'nudged_at_ms', ARGV[7])
audit('nudged', 'ok', 'approvers reminded (' .. count .. ')')
return finish(true, '', tostring(count))
