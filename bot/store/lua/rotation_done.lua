-- The claimed step happened on IONOS: record the stage reached and when the next one is due.
-- ARGV: 6 stage expected, 7 stage reached (disabled|deleted), 8 now (epoch ms),
--       9 audit action, 10 audit detail
if rotation_stage() ~= ARGV[6] or field('rotation_claimed_at') == '' then
  return quiet_refusal('stale', 'the old token is already ' .. rotation_stage())
end
hset('rotation', ARGV[7])
hdel('rotation_claimed_at')
if ARGV[7] == 'deleted' then
  redis.call('ZREM', ROTATIONS, field('id'))
else
  redis.call('ZADD', ROTATIONS, ARGV[8], field('id'))
end
audit_old_token(ARGV[9], 'ok', ARGV[10])
return finish(true, '', '')
