-- Prelude shared by every script that writes the audit trail: the hash chain.
-- Format (mirrored in bot/store/audit.py, which documents it):
--   hash = sha1hex(prev .. "\n" .. for each field except hash, sorted by name: name .. "=" .. esc(value) .. "\n")
--   esc: "\" -> "\\", newline -> "\n"; the first entry ever has prev = "genesis".
-- AUDIT_FIELDS must stay in byte order: Python sorts the stored field names to verify.
local AUDIT_FIELDS = {
  'action', 'actor', 'at', 'detail', 'op', 'outcome', 'prev', 'registry', 'request_id', 'token',
}

local function audit_escape(value)
  local escaped = string.gsub(value, '\\', '\\\\')
  escaped = string.gsub(escaped, '\n', '\\n')
  return escaped
end

-- Append one entry (a table of field -> string) and move the chain head; returns the stream id.
local function audit_append(stream, head, maxlen, entry)
  local prev = redis.call('GET', head)
  if not prev then
    prev = 'genesis'
  end
  entry.prev = prev
  local lines = {prev}
  local xadd = {'XADD', stream, 'MAXLEN', '~', maxlen, '*'}
  for _, name in ipairs(AUDIT_FIELDS) do
    local value = tostring(entry[name] or '')
    lines[#lines + 1] = name .. '=' .. audit_escape(value)
    xadd[#xadd + 1] = name
    xadd[#xadd + 1] = value
  end
  local hash = redis.sha1hex(table.concat(lines, '\n') .. '\n')
  xadd[#xadd + 1] = 'hash'
  xadd[#xadd + 1] = hash
  local id = redis.call(unpack(xadd))
  redis.call('SET', head, hash)
  return id
end
