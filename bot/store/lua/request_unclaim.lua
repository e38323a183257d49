-- collecting -> approved, undoing one claim whose caller never learnt it was made (its answer
-- was lost to a broken connection or a failover, or the replicas did not confirm it): only
-- that claim, named by its op id; any other state or claim is left alone, unaudited.
-- ARGV: 6 the claim's op id, 7 detail
if STATE ~= 'collecting' or field('claim_op') ~= ARGV[6] then
  return quiet_refusal('stale', stale_detail())
end
hset('state', 'approved')
hdel('claimed_at', 'claim_op')
audit('creation_failed', 'failed', ARGV[7])
return finish(true, '', '')
