-- Escalate a pending request to its backup approvers, once across replicas.
-- ARGV: 6 after (ms), 7 now (epoch ms), 8 created (epoch ms), 9 who is asked (audit detail)
-- A request not pending, not due, or escalated before, writes nothing.
if STATE ~= 'pending' then
  return quiet_refusal('stale', stale_detail())
end
if field('escalated_at') ~= '' then
  return quiet_refusal('stale', 'already escalated')
end
if tonumber(ARGV[7]) < tonumber(ARGV[8]) + tonumber(ARGV[6]) then
  return quiet_refusal('stale', 'not due')
end
hset('escalated_at', AT)
audit('escalated', 'ok', 'undecided: put to ' .. ARGV[9])
return finish(true, '', '')
