-- ARGV: 6 stale_before (ISO, same format as AT): a claim older than this was abandoned
if STATE ~= 'approved' and STATE ~= 'collecting' then
  return refuse('claim', 'stale', stale_detail())
end
if ACTOR ~= field('requester') then
  return refuse('claim', 'not_requester', 'only the requester can collect the token')
end
local detail = ''
if STATE == 'collecting' then
  local since = field('claimed_at')
  if since > ARGV[6] then
    return quiet_refusal('in_progress', 'being collected since ' .. since)
  end
  detail = 're-claimed: the claim made at ' .. since .. ' was abandoned'
end
hset('state', 'collecting', 'claimed_at', AT, 'claim_op', OP)
if field('create_attempted_at') == '' then
  -- recorded before IONOS is asked: a token of this name made before it is not this request's
  hset('create_attempted_at', AT)
end
keep_for_retention()
audit('claimed', 'ok', detail)
return finish(true, '', '')
