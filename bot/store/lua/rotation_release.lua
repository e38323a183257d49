-- The claimed step failed on IONOS: drop the claim (the next housekeeping tries again).
-- ARGV: 6 audit action, 7 audit detail
if field('rotation_claimed_at') == '' then
  return quiet_refusal('stale', 'no step under way')
end
hdel('rotation_claimed_at')
audit_old_token(ARGV[6], 'failed', ARGV[7])
return finish(true, '', '')
