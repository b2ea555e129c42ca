/**
 * The Lua scripts of the Redis store. Each script touches only keys of one token — `t:{<hash>}` and keys that
 * share its `{<hash>}` hash tag — or only the two index keys (`{idx}:…`), never both: in Redis Cluster a script
 * may only touch keys of one slot.
 */

/**
 * One decision. KEYS: 1 record hash, 2 session ledger (hash: session → "first|last|ip"), 3 active viewers
 * (sorted set: session → last check). ARGV: 1 now, 2 action, 3 has appKey (1/0), 4 appKey, 5 has stream (1/0),
 * 6 stream, 7 client IP as 32 hex digits ('' = unknown), 8 client IP text, 9 session id, 10 consume (1/0),
 * 11 viewer window ms, 12 sessions recorded at most without maxUses, 13 retention ms (keys live until
 * expiresAt + retention, like the record).
 * Returns false (no such token) or {reason ('' = allow), data, revokedAt ('' = not revoked)}.
 *
 * The checks and their order are those of checkGrant (grant.ts) and the memory store's checkSessions; the state
 * changes happen only at the end, only when the request is allowed and consumes.
 */
export const AUTHORIZE_SCRIPT = `
local fields = redis.call('HMGET', KEYS[1], 'data', 'revokedAt', 'uses', 'boundIp', 'ipRanges')
local data = fields[1]
if not data then return false end
local revokedAt = fields[2]
local uses = tonumber(fields[3] or '0')
local boundIp = fields[4]
local r = cjson.decode(data)
local now = tonumber(ARGV[1])
local function answer(reason) return {reason, data, revokedAt or ''} end
local function int(n) return string.format('%.0f', n) end
local function contains(list, value)
  if type(list) ~= 'table' then return false end
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end
local function glob(pattern, name)
  local p, n, star, resume = 1, 1, 0, 1
  local plen, nlen = #pattern, #name
  while n <= nlen do
    local pc = string.sub(pattern, p, p)
    if p <= plen and pc ~= '*' and pc == string.sub(name, n, n) then
      p = p + 1; n = n + 1
    elseif p <= plen and pc == '*' then
      star = p; p = p + 1; resume = n
    elseif star ~= 0 then
      p = star + 1; resume = resume + 1; n = resume
    else
      return false
    end
  end
  while p <= plen and string.sub(pattern, p, p) == '*' do p = p + 1 end
  return p > plen
end
local function inRange(ip, hex, bits)
  local full = math.floor(bits / 4)
  if string.sub(ip, 1, full) ~= string.sub(hex, 1, full) then return false end
  local rest = bits % 4
  if rest == 0 then return true end
  local d = 2 ^ (4 - rest)
  return math.floor(tonumber(string.sub(ip, full + 1, full + 1), 16) / d) ==
    math.floor(tonumber(string.sub(hex, full + 1, full + 1), 16) / d)
end

if revokedAt then return answer('revoked') end
if r.disabled == true then return answer('disabled') end
if r.expiresAt <= now then return answer('expired') end
if type(r.notBefore) == 'number' and r.notBefore > now then return answer('not_yet_valid') end
if not contains(r.actions, ARGV[2]) then return answer('action_not_allowed') end
if type(r.appKeys) == 'table' and (ARGV[3] ~= '1' or not contains(r.appKeys, ARGV[4])) then
  return answer('app_not_allowed')
end
if ARGV[5] == '1' then
  local matched = false
  for _, pattern in ipairs(r.streams) do
    if pattern == ARGV[6] or (string.find(pattern, '*', 1, true) and glob(pattern, ARGV[6])) then
      matched = true
      break
    end
  end
  if not matched then return answer('stream_not_allowed') end
end
local ip = ARGV[7]
if type(r.allowedIps) == 'table' then
  local inside = false
  if ip ~= '' then
    for _, range in ipairs(cjson.decode(fields[5] or '[]')) do
      if inRange(ip, range.hex, range.bits) then
        inside = true
        break
      end
    end
  end
  if not inside then return answer('ip_not_allowed') end
end
if r.bindIpOnFirstUse == true and (ip == '' or (boundIp and boundIp ~= ARGV[8])) then return answer('ip_mismatch') end

local session = ARGV[9]
local maxUses = type(r.maxUses) == 'number' and r.maxUses or nil
local maxViewers = type(r.maxViewers) == 'number' and r.maxViewers or nil
local known = redis.call('HGET', KEYS[2], session)
if maxUses and not known and uses >= maxUses then return answer('use_limit_reached') end
local cutoff = now - tonumber(ARGV[11])
if maxViewers then
  local score = redis.call('ZSCORE', KEYS[3], session)
  if not score or tonumber(score) <= cutoff then
    if redis.call('ZCOUNT', KEYS[3], '(' .. int(cutoff), '+inf') >= maxViewers then return answer('viewer_limit_reached') end
  end
end

-- Viewer sessions across tokens (sessions/session-scripts.ts, composed in front of this script).
local sessionRefusal = sessionCheck(r)
if sessionRefusal then return answer(sessionRefusal) end

if ARGV[10] == '1' then
  -- Session keys live exactly as long as the record.
  local purgeAt = int(r.expiresAt + tonumber(ARGV[13]))
  if r.bindIpOnFirstUse == true and not boundIp then redis.call('HSET', KEYS[1], 'boundIp', ARGV[8]) end
  if known then
    local first, _, firstIp = string.match(known, '^(%d+)|(%d+)|(.*)$')
    redis.call('HSET', KEYS[2], session, first .. '|' .. ARGV[1] .. '|' .. firstIp)
  elseif maxUses or redis.call('HLEN', KEYS[2]) < tonumber(ARGV[12]) then
    redis.call('HSET', KEYS[2], session, ARGV[1] .. '|' .. ARGV[1] .. '|' .. ARGV[8])
    redis.call('HINCRBY', KEYS[1], 'uses', 1)
    redis.call('PEXPIREAT', KEYS[2], purgeAt)
  end
  if maxViewers then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', int(cutoff))
    redis.call('ZADD', KEYS[3], ARGV[1], session)
    redis.call('PEXPIREAT', KEYS[3], purgeAt)
  end
end
if ARGV[10] == '1' then
  sessionCommit(r)
  sessionTokenUsed(r, uses, tonumber(redis.call('HGET', KEYS[1], 'uses') or '0'))
end
local allowed = answer('')
allowed[4] = sState.outcome
return allowed
`;

/**
 * Creates a record with its expiry in one step, so no record can exist without a TTL.
 * KEYS: 1 record. ARGV: 1 data, 2 purge at (ms), 3 ip ranges JSON or ''. Returns 0 if the key exists.
 */
export const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'ipRanges', ARGV[3]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/**
 * Replaces a record if it is still the one the caller read (compare and set), and moves the expiry of all the
 * token's keys. KEYS: 1 record, 2 session ledger, 3 active viewers. ARGV: 1 data read, 2 new data, 3 purge at (ms),
 * 4 ip ranges JSON or '', 5 forget the bound IP (1/0), 6 forget active viewers (1/0).
 * Returns 1 done, 0 changed meanwhile (read again), -1 revoked, -2 gone.
 */
export const UPDATE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'data')
if not current then return -2 end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'ipRanges') else redis.call('HSET', KEYS[1], 'ipRanges', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'boundIp') end
if ARGV[6] == '1' then redis.call('DEL', KEYS[3]) end
for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
return 1
`;

/** Drops index entries of records past their purge time. KEYS: 1 listing index, 2 expiry index. ARGV: 1 now. */
export const PRUNE_INDEX_SCRIPT = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[1], unpack(gone))
end
return #gone
`;
