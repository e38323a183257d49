-- One step of one token's review, atomically (see bot/domain/reviews.py for the states).
-- KEYS: 1 campaign hash, 2 items hash, 3 token's last-reviewed key, 4 unfinished set,
--       5 audit stream, 6 audit head
-- ARGV: 1 step (claim | done | release | gone), 2 token id, 3 actor, 4 at (ISO),
--       5 decision, 6 note, 7 stale-before (ISO: an older "deciding" claim may be taken over),
--       8 audit maxlen, 9 audit detail, 10 campaign id
-- Reply: {outcome, item json}; outcome: claimed | done | released | gone | unknown | own |
--        decided | busy | not_yours
local raw = redis.call('HGET', KEYS[2], ARGV[2])
if not raw then
  return {'unknown', ''}
end
local item = cjson.decode(raw)
local step, actor = ARGV[1], ARGV[3]
local decided = {keep = 'kept', disable = 'disabled', delete = 'deleted'}

local function save()
  local encoded = cjson.encode(item)
  redis.call('HSET', KEYS[2], ARGV[2], encoded)
  return encoded
end

local function audit(action, outcome)
  audit_append(KEYS[5], KEYS[6], ARGV[8], {
    at = ARGV[4], actor = actor, action = action, outcome = outcome,
    registry = redis.call('HGET', KEYS[1], 'registry_id') or '', token = ARGV[2],
    request_id = ARGV[10], detail = ARGV[9], op = '',
  })
end

local function settle()
  local counts = redis.call('HMGET', KEYS[1], 'total', 'kept', 'disabled', 'deleted', 'gone')
  local left = tonumber(counts[1] or 0)
  for i = 2, 5 do
    left = left - tonumber(counts[i] or 0)
  end
  if left <= 0 then
    redis.call('SREM', KEYS[4], ARGV[10])
  end
end

if step == 'claim' then
  if item.owner ~= '' and item.owner == actor then
    return {'own', raw}
  end
  if decided[item.state] or item.state == 'gone' then
    return {'decided', raw}
  end
  if item.state == 'deciding' and item.claimed_at > ARGV[7] then
    return {'busy', raw}
  end
  item.state = 'deciding'
  item.claimant = actor
  item.claimed_at = ARGV[4]
  return {'claimed', save()}
end

if step == 'gone' then
  if item.state ~= 'pending' and not (item.state == 'deciding' and item.claimant == actor) then
    return {'decided', raw}
  end
  item.state = 'gone'
  item.decided_at = ARGV[4]
  redis.call('HINCRBY', KEYS[1], 'gone', 1)
  settle()
  audit('reviewed', 'ok')
  return {'gone', save()}
end

if item.state ~= 'deciding' or item.claimant ~= actor then
  return {'not_yours', raw}
end
if step == 'release' then
  item.state = 'pending'
  item.claimant = ''
  audit('reviewed', 'failed')
  return {'released', save()}
end
-- done
local decision = ARGV[5]
item.state = decision
item.reviewer = actor
item.note = ARGV[6]
item.decided_at = ARGV[4]
redis.call('HINCRBY', KEYS[1], decided[decision], 1)
redis.call('SET', KEYS[3], ARGV[4], 'EX', 63072000)  -- "last reviewed", kept two years
settle()
audit('reviewed', 'ok')
return {'done', save()}
