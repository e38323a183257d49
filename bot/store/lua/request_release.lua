-- ARGV: 6 audit action (creation_failed, rolled_back, delivery_failed), 7 detail
if STATE ~= 'collecting' then
  return refuse('release', 'stale', stale_detail())
end
hset('state', 'approved')
hdel('claimed_at', 'claim_op')
audit(ARGV[6], 'failed', ARGV[7])
return finish(true, '', '')
