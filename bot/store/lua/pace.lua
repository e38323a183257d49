-- One pace shared by every replica (GCRA, reserving): each call takes the next free start
-- slot, `interval` microseconds after the one before, and answers how many microseconds the
-- caller waits for it. Redis's own clock (TIME), so replicas' clocks do not matter.
-- KEYS[1] the pace key (theoretical arrival time, microseconds since the epoch)
-- ARGV[1] interval in microseconds
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local slot = math.max(now, tat)
local after = slot + interval
-- %.0f: a plain integer (tostring would write 1.7e+15)
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return string.format('%.0f', slot - now)
