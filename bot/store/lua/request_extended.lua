-- collecting -> collected for an extension: IONOS has the new expiry.
-- KEYS: 6 approved index. ARGV: 6 audit detail
if STATE ~= 'collecting' then
  return quiet_refusal('stale', stale_detail())
end
hset('state', 'collected', 'collected_at', AT)
hdel('claimed_at')
redis.call('ZREM', KEYS[6], field('id'))
keep_for_retention()
audit('extended', 'ok', ARGV[6])
return finish(true, '', '')
