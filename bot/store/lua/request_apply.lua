-- An approved extension is being applied (approved -> collecting) by whoever got here first;
-- a claim older than ARGV[6] belongs to a replica that died mid-way and may be taken over.
-- ARGV: 6 stale_before (ISO, same format as AT)
if STATE ~= 'approved' and STATE ~= 'collecting' then
  return quiet_refusal('stale', stale_detail())
end
local detail = 'applying the new expiry'
if STATE == 'collecting' then
  local since = field('claimed_at')
  if since > ARGV[6] then
    return quiet_refusal('in_progress', 'being applied since ' .. since)
  end
  detail = detail .. '; the attempt made at ' .. since .. ' was abandoned'
end
hset('state', 'collecting', 'claimed_at', AT)
audit('claimed', 'ok', detail)
return finish(true, '', '')
