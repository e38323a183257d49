-- Prelude of the rotation steps (after audit.lua and request.lua): the old token of a collected
-- rotation is disabled, then deleted. Field "rotation" holds how far it got ("" = still live);
-- "rotation_claimed_at" marks a step under way. KEYS[6] is the rotations sorted set.
local ROTATIONS = KEYS[6]

local function rotation_stage()
  local stage = field('rotation')
  if stage == '' then
    return 'live'
  end
  return stage
end

-- Audit against the OLD token (the request's token_id is the new one).
local function audit_old_token(action, outcome, detail)
  return audit_append(STREAM, HEAD, MAXLEN, {
    at = AT, actor = ACTOR, action = action, outcome = outcome, registry = field('registry_id'),
    token = field('target_token_id'), request_id = field('id'), detail = detail, op = OP,
  })
end

if STATE ~= 'collected' or field('kind') ~= 'rotate' then
  return quiet_refusal('stale', stale_detail())
end
