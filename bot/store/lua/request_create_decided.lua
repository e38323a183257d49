-- Create a request that is decided as it is made (after audit.lua): approved by a self-service
-- rule (under its daily cap, counted here so that racing submissions cannot pass it), or a
-- break-glass request approved by its requester. Over the cap it is created pending instead,
-- exactly as request_create.lua does: no moment exists where it is both.
-- KEYS: 1 request hash, 2 audit stream, 3 audit head, 4 pending index, 5 submission nonce,
--       6 requester's index, 7 approved index, 8 the rule's counter for (user, day),
--       9 open break-glass index, 10 the name claim (keys.name_claim), 11 the requester's open
--       set on this registry (keys.user_open)
-- ARGV: 1 request id, 2 pending hash ttl ms, 3 nonce ttl ms, 4 score (created, epoch ms),
--       5 audit maxlen, 6 retention ms, 7 requester index size, 8 requester, 9 at,
--       10 registry id, 11 request detail, 12 cap (0 = none), 13 counter ttl ms,
--       14 decided by, 15 approval detail, 16 rule name ("" = none), 17 break-glass (1/0),
--       18 most open requests ("" = no limit; counted only when it goes to approvers),
--       19.. hash field/value pairs (as for a pending request)
-- The token name is reserved for the request exactly as request_create.lua does.
-- Reply: {1, id, state} when created, {0, id of the request the nonce already made, ""},
-- {2, holder of the name, ""}, {3, open requests counted, ""}: refusals are audited and store
-- nothing.
local existing = redis.call('GET', KEYS[5])
if existing then
  return {0, existing, ''}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, ARGV[1], ''}
end
local cap = tonumber(ARGV[12])
local approve = true
if cap > 0 and tonumber(redis.call('GET', KEYS[8]) or '0') >= cap then
  approve = false
end

local function refused(detail)
  audit_append(KEYS[2], KEYS[3], ARGV[5], {
    at = ARGV[9], actor = ARGV[8], action = 'refused', outcome = 'refused', registry = ARGV[10],
    token = '', request_id = '', detail = 'request: ' .. detail .. ' (' .. ARGV[11] .. ')', op = '',
  })
end
local claim = 'req:' .. ARGV[1]
local holder = redis.call('GET', KEYS[10])
if holder and holder ~= claim then
  refused('name_taken: the name is held by ' .. holder)
  return {2, holder, ''}
end
if not approve then
  redis.call('ZREMRANGEBYSCORE', KEYS[11], '-inf', '(' .. (tonumber(ARGV[4]) - tonumber(ARGV[3])))
  if ARGV[18] ~= '' then
    local open = redis.call('ZCARD', KEYS[11])
    if open >= tonumber(ARGV[18]) then
      refused('too_many_open: ' .. open .. ' requests already wait for approval')
      return {3, tostring(open), ''}
    end
  end
end

redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[3])
local fields = {}
for i = 19, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[1], 'name_key', KEYS[10], 'open_key', KEYS[11])
local flag = ''
if ARGV[17] == '1' then
  redis.call('HSET', KEYS[1], 'break_glass', '1')
  flag = '[break-glass] '
end

local count_words = ''
if approve and cap > 0 then
  local count = redis.call('INCR', KEYS[8])
  redis.call('PEXPIRE', KEYS[8], ARGV[13])
  count_words = ' (' .. count .. ' of ' .. cap .. ' today)'
end

local function entry(actor, action, detail)
  audit_append(KEYS[2], KEYS[3], ARGV[5], {
    at = ARGV[9], actor = actor, action = action, outcome = 'ok', registry = ARGV[10],
    token = '', request_id = ARGV[1], detail = flag .. detail, op = '',
  })
end

if approve then
  redis.call('HSET', KEYS[1], 'state', 'approved', 'decided_by', ARGV[14], 'decided_at', ARGV[9])
  if ARGV[16] ~= '' then
    redis.call('HSET', KEYS[1], 'auto_rule', ARGV[16])
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  redis.call('SET', KEYS[10], claim, 'PX', ARGV[6])
  redis.call('ZADD', KEYS[7], ARGV[4], ARGV[1])
  if ARGV[17] == '1' then
    redis.call('ZADD', KEYS[9], ARGV[4], ARGV[1])
  end
  entry(ARGV[8], 'requested', ARGV[11])
  entry(ARGV[14], 'approved', ARGV[15] .. count_words)
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[10], claim, 'PX', ARGV[2])
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('ZADD', KEYS[11], ARGV[4], ARGV[1])
  redis.call('PEXPIRE', KEYS[11], ARGV[2])
  entry(ARGV[8], 'requested', ARGV[11] .. '; rule ' .. ARGV[16] .. ' is at its cap of ' .. cap ..
    ' today: sent to approvers')
end
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -(tonumber(ARGV[7]) + 1))
redis.call('PEXPIRE', KEYS[6], ARGV[6])
if approve then
  return {1, ARGV[1], 'approved'}
end
return {1, ARGV[1], 'pending'}
