import { RECORD_DECODE_LUA } from './redis-record-codec.js';
import { DEADLINE_LUA, PAST_DEADLINE } from './script-deadline.js';
import { SESSION_HELPERS_LUA } from './sessions/session-scripts.js';

export { DEADLINE_LUA, PAST_DEADLINE };

/**
 * The Lua scripts of the Redis store. Each script touches only keys of one token — `t:{<hash>}` and keys that
 * share its `{<hash>}` hash tag — or only the two index keys (`{idx}:…`), never both: in Redis Cluster a script
 * may only touch keys of one slot.
 */

/**
 * The parts of a `*` glob found left to right, each at its first occurrence, by a KMP search: linear in pattern +
 * name, like globMatches (stream-pattern.ts), which it mirrors on UTF-8 bytes.
 */
const GLOB_LUA = `
local function findPart(name, part, from, last)
  local m = #part
  local border = {}
  border[1] = 0
  local k = 0
  for i = 2, m do
    local c = string.byte(part, i)
    while k > 0 and string.byte(part, k + 1) ~= c do k = border[k] end
    if string.byte(part, k + 1) == c then k = k + 1 end
    border[i] = k
  end
  k = 0
  for i = from, last do
    local c = string.byte(name, i)
    while k > 0 and string.byte(part, k + 1) ~= c do k = border[k] end
    if string.byte(part, k + 1) == c then k = k + 1 end
    if k == m then return i - m + 1 end
  end
  return nil
end
local function glob(pattern, name)
  local parts, start = {}, 1
  while true do
    local star = string.find(pattern, '*', start, true)
    if not star then parts[#parts + 1] = string.sub(pattern, start); break end
    parts[#parts + 1] = string.sub(pattern, start, star - 1)
    start = star + 1
  end
  local first, final, n = parts[1], parts[#parts], #name
  if #parts == 1 then return pattern == name end
  if #first + #final > n then return false end
  if string.sub(name, 1, #first) ~= first or string.sub(name, n - #final + 1) ~= final then return false end
  local at, stop = #first + 1, n - #final
  for i = 2, #parts - 1 do
    local part = parts[i]
    if #part > 0 then
      local found = findPart(name, part, at, stop)
      if not found then return false end
      at = found + #part
    end
  end
  return true
end
`;

/** Outcomes of the decision script that are not deny reasons. */
export const UNREADABLE_RECORD = 'unreadable_record';

/**
 * The reply's session part when the registry is not in the script (SESSIONS_OFF) and this decision took a maxUses
 * token's last use: the service queues token.exhausted itself (Redis Cluster, RedisTokenDecision.authorizeInSteps).
 */
export const TOKEN_EXHAUSTED_MARK = 'token_exhausted';

/**
 * One decision. KEYS: 1 record hash, 2 session ledger (hash: session → "first|last|ip"), 3 active viewers
 * (sorted set: session → last check). ARGV: 1 the decision's values as one JSON array of strings, `A` in the script
 * (see decisionArgsJson), 2 the session scripts' JSON (session-scripts.ts). A: 1 now, 2 action, 3 has appKey (1/0), 4 appKey, 5 has stream (1/0),
 * 6 stream, 7 client IP as 32 hex digits ('' = unknown), 8 client IP text, 9 session id, 10 consume (1/0),
 * 11 viewer window ms, 12 sessions recorded at most without maxUses, 13 retention ms (keys live until
 * expiresAt + retention, like the record), 14 write deadline (wall-clock ms).
 * Returns false (no such token, or past expiry + retention by ARGV 1) or {reason ('' = allow), revokedAt ('' = not
 * revoked), the session part's outcome ('' unless allowed; see TOKEN_EXHAUSTED_MARK), then the record by position:
 * `data` alone, or `i`, `s`, `e`, `c` and, when the record has it, `x` (the two forms: see redis-record-codec.ts;
 * readReply tells them apart by the reply's length)}; the reason is 'unreadable_record' for a record that does not decode to the expected shape (refused, never a store failure that
 * STORE_FAILURE_POLICY could turn into an allow), 'past_deadline' for an allowed, consuming request that came
 * after its deadline (nothing written).
 *
 * The checks and their order are those of checkGrant (grant.ts) and the memory store's checkSessions; the state
 * changes happen only at the end, only when the request is allowed and consumes.
 */
export const AUTHORIZE_SCRIPT = `
${RECORD_DECODE_LUA}
local A = cjson.decode(ARGV[1])
-- The record's hash read into locals: a table of its fields (hashFields) cost Redis ~6k instructions more to make
-- and fill (issue 15). A name the record does not use is skipped, as that table never read it.
local flat = redis.call('HGETALL', KEYS[1])
local data, id, streams, expires, created, extras, revokedAt, usesText, boundIp, rangesText
for i = 1, #flat, 2 do
  local name, value = flat[i], flat[i + 1]
  if name == 'i' then id = value
  elseif name == 's' then streams = value
  elseif name == 'e' then expires = value
  elseif name == 'c' then created = value
  elseif name == 'uses' then usesText = value
  elseif name == 'x' then extras = value
  elseif name == 'revokedAt' then revokedAt = value
  elseif name == 'boundIp' then boundIp = value
  elseif name == 'ipRanges' then rangesText = value
  elseif name == 'data' then data = value
  end
end
if data == nil and id == nil then return false end
-- No \`uses\` field until the first use: 0 without parsing a '0'.
local uses = 0
if usesText then uses = tonumber(usesText) end
local r = decodeFields(data, id, streams, expires, created, extras)
local rangesOk, ranges = true, {}
if rangesText then rangesOk, ranges = pcall(cjson.decode, rangesText) end
if type(r) ~= 'table' or type(r.expiresAt) ~= 'number' or type(r.actions) ~= 'table'
  or type(r.streams) ~= 'table' or not rangesOk or type(ranges) ~= 'table' or not uses then
  return {'${UNREADABLE_RECORD}', '', ''}
end
-- A's integers are redisInteger's decimal text: arithmetic converts each once (see late()).
local now = A[1] + 0
-- A[1] and the session part's \`now\` are the same integer (decisionArgsJson, recordDecisionArgs): its text as it came.
if now == sNow then sNowArg = A[1] end
-- Past expiry + retention by the service's clock the token is gone, as in the memory store, whether or not
-- Redis's clock has expired the key yet (the TTL only frees the memory).
local retention = A[13] + 0
if r.expiresAt + retention <= now then return false end
-- One flat reply table, made once by one constructor (a nested table, growth, or the fields' names cost Redis
-- more to build and to encode: issue 15); answer() only sets its reason. The record goes by position: \`data\`
-- alone (4 elements: fromHash reads nothing else when it is there), or \`i\`, \`s\`, \`e\`, \`c\` and \`x\` when
-- present (7 or 8: this far, all four were there).
local reply
if data then reply = {'', revokedAt or '', '', data} else reply = {'', revokedAt or '', '', id, streams, expires, created, extras} end
local function answer(reason)
  reply[1] = reason
  return reply
end
-- The lists are decoded JSON arrays (no holes): a numeric for, not ipairs' C call per element.
local function contains(list, value)
  if type(list) ~= 'table' then return false end
  for i = 1, #list do if list[i] == value then return true end end
  return false
end
${DEADLINE_LUA}

if revokedAt then return answer('revoked') end
if r.disabled == true then return answer('disabled') end
if r.expiresAt <= now then return answer('expired') end
if type(r.notBefore) == 'number' and r.notBefore > now then return answer('not_yet_valid') end
if not contains(r.actions, A[2]) then return answer('action_not_allowed') end
if type(r.appKeys) == 'table' and (A[3] ~= '1' or not contains(r.appKeys, A[4])) then
  return answer('app_not_allowed')
end
if A[5] == '1' then
  local matched, patterns = false, r.streams
  for i = 1, #patterns do
    if patterns[i] == A[6] then
      matched = true
      break
    end
  end
  if not matched then
    -- Only now the glob's helpers (each local function is a closure made on every call that reaches it).
    ${GLOB_LUA}
    for _, pattern in ipairs(r.streams) do
      if type(pattern) == 'string' and string.find(pattern, '*', 1, true) and glob(pattern, A[6]) then
        matched = true
        break
      end
    end
  end
  if not matched then return answer('stream_not_allowed') end
end
local ip = A[7]
if type(r.allowedIps) == 'table' then
  local function inRange(ip, hex, bits)
    local full = math.floor(bits / 4)
    if string.sub(ip, 1, full) ~= string.sub(hex, 1, full) then return false end
    local rest = bits % 4
    if rest == 0 then return true end
    local d = 2 ^ (4 - rest)
    return math.floor(tonumber(string.sub(ip, full + 1, full + 1), 16) / d) ==
      math.floor(tonumber(string.sub(hex, full + 1, full + 1), 16) / d)
  end
  local inside = false
  if ip ~= '' then
    for _, range in ipairs(ranges) do
      if type(range) == 'table' and type(range.hex) == 'string' and type(range.bits) == 'number'
        and inRange(ip, range.hex, range.bits) then
        inside = true
        break
      end
    end
  end
  if not inside then return answer('ip_not_allowed') end
end
if r.bindIpOnFirstUse == true and (ip == '' or (boundIp and boundIp ~= A[8])) then return answer('ip_mismatch') end

local session = A[9]
local maxUses = type(r.maxUses) == 'number' and r.maxUses or nil
local maxViewers = type(r.maxViewers) == 'number' and r.maxViewers or nil
local known = redis.call('HGET', KEYS[2], session)
if maxUses and not known and uses >= maxUses then return answer('use_limit_reached') end
-- Only a token with maxViewers reads its viewers' window (a string's tonumber costs Redis ~1.5k instructions).
local cutoff = maxViewers and now - tonumber(A[11])
if maxViewers then
  local score = redis.call('ZSCORE', KEYS[3], session)
  if not score or tonumber(score) <= cutoff then
    if redis.call('ZCOUNT', KEYS[3], '(' .. string.format('%.0f', cutoff), '+inf') >= maxViewers then return answer('viewer_limit_reached') end
  end
end

-- Viewer sessions across tokens (sessions/session-scripts.ts, composed in front of this script).
local sessionRefusal = sessionCheck(r)
if sessionRefusal then return answer(sessionRefusal) end

-- The count after this decision: HINCRBY's answer when it takes a use (the script is atomic, so no other reading).
local usesAfter = uses
if A[10] == '1' then
  if late(A[14]) then return answer('${PAST_DEADLINE}') end
  -- Session keys live exactly as long as the record (formatted only when a key's life is set, and once: string.format
  -- costs; no closure for it: each is made on every run that reaches it).
  local purge
  if r.bindIpOnFirstUse == true and not boundIp then redis.call('HSET', KEYS[1], 'boundIp', A[8]) end
  if known then
    local first, _, firstIp = string.match(known, '^(%d+)|(%d+)|(.*)$')
    redis.call('HSET', KEYS[2], session, first .. '|' .. A[1] .. '|' .. firstIp)
  elseif maxUses or redis.call('HLEN', KEYS[2]) < tonumber(A[12]) then
    redis.call('HSET', KEYS[2], session, A[1] .. '|' .. A[1] .. '|' .. A[8])
    usesAfter = redis.call('HINCRBY', KEYS[1], 'uses', '1')
    purge = string.format('%.0f', r.expiresAt + retention)
    redis.call('PEXPIREAT', KEYS[2], purge)
  end
  if maxViewers then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', cutoff))
    redis.call('ZADD', KEYS[3], A[1], session)
    purge = purge or string.format('%.0f', r.expiresAt + retention)
    redis.call('PEXPIREAT', KEYS[3], purge)
  end
end
if A[10] == '1' then
  sessionCommit(r)
  -- token.exhausted once, when this decision took a maxUses token's last use (here, not a prelude function: no
  -- closure on the decisions that take none). Without the registry in this script (Redis Cluster: its keys are in
  -- another slot) the session part of the reply says so, and the service queues the event (TOKEN_EXHAUSTED_MARK).
  if maxUses and uses < maxUses and usesAfter >= maxUses then
    if S.off ~= 1 then
      ${SESSION_HELPERS_LUA}
      sessEnqueue('evt_' .. r.id .. '_exhausted', 'token.exhausted', { tokenId = r.id, maxUses = maxUses, at = sNow })
    else
      sState.outcome = '${TOKEN_EXHAUSTED_MARK}'
    end
  end
end
reply[3] = sState.outcome
return answer('')
`;
