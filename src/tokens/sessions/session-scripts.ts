import { DEADLINE_LUA, PAST_DEADLINE } from '../script-deadline.js';

/**
 * The keys' lifetimes and sessKeep. With SESSION_ENDING_LUA, pasted where it is needed (a script's top level, or the
 * branch of sessionCommit or of the decision script that uses it) rather than in SESSION_PRELUDE: each `local
 * function` is a closure made on every run that reaches it, with every upvalue looked up in the open-upvalue list,
 * and a continuing session's decision needs none of them (issue 15).
 */
export const SESSION_KEEP_LUA = `
local ENDED_KEEP_MS = 86400000
-- No key lives without a TTL: registry keys expire two days after the last session started or ended (the sweep
-- moves it on while sessions go on), queue keys after the longest WEBHOOK_RETENTION_SECONDS.
local REGISTRY_KEEP_MS = tonumber(S.win) + 2 * ENDED_KEEP_MS
local QUEUE_KEEP_MS = 31 * ENDED_KEEP_MS
local function sessKeep(ms, ...)
  -- An integer is formatted once for all the keys (the digits Redis's own "%.17g" of a number argument gives).
  local text = ms
  if ms % 1 == 0 and math.abs(ms) < 2 ^ 53 then text = string.format('%.0f', ms) end
  local names = {...}
  for i = 1, #names do redis.call('PEXPIRE', SK .. names[i], text) end
end

`;

/**
 * What ends sessions and queues events: sessEnqueue, sessView and sessEnd (after SESSION_KEEP_LUA); a new session's
 * commit makes them only when it ends one or queues session.started.
 */
export const SESSION_ENDING_LUA = `
local function sessEnqueue(id, kind, data)
  if S.ev == nil or S.ev[kind] ~= true then return end
  local event = cjson.encode({ id = id, type = kind, at = sNow, data = data, attempt = 0 })
  if redis.call('HSETNX', SK .. 'qd', id, event) == 1 then
    redis.call('ZADD', SK .. 'q', sNow, id)
    sessKeep(QUEUE_KEEP_MS, 'q', 'qd')
  end
end

local function sessView(id, s, extra)
  local function orNull(v) if v == '' then return cjson.null end return v end
  local view = { id = id, tokenId = s.tid, viewerId = orNull(s.vid), stream = s.st, appKey = s.ak, clientIp = orNull(s.ip),
    method = s.m, startedAt = s.at }
  for k, v in pairs(extra or {}) do view[k] = v end
  return view
end

-- Ends one session with a cause and returns its token id; false when it is not (or no longer) in the registry, so ending is idempotent.
local function sessEnd(id, cause)
  local raw = redis.call('HGET', SK .. 'd', id)
  if not raw then return false end
  local s = cjson.decode(raw)
  local last = redis.call('ZSCORE', SK .. 'seen', id)
  local checks = redis.call('HGET', SK .. 'c', id)
  redis.call('HDEL', SK .. 'd', id)
  redis.call('HDEL', SK .. 'c', id)
  redis.call('ZREM', SK .. 'seen', id)
  redis.call('ZREM', SK .. 'ids', id)
  redis.call('ZREM', SK .. 't:' .. redis.sha1hex(s.tid), id)
  if s.vh ~= '' then redis.call('ZREM', SK .. 'v:' .. s.vh, id) end
  local skey = cjson.encode({ s.ak, s.st })
  if tonumber(redis.call('ZINCRBY', SK .. 'streams', -1, skey)) <= 0 then redis.call('ZREM', SK .. 'streams', skey) end
  if cause ~= 'idle' then
    -- Remembered so that the session's next check is refused; an idle session may come back as a new one.
    local keep = math.max(math.min(tonumber(s.exp), sNow + ENDED_KEEP_MS), sNow + tonumber(S.win))
    redis.call('HSET', SK .. 'x', id, cause)
    redis.call('ZADD', SK .. 'xe', keep, id)
    sessKeep(REGISTRY_KEEP_MS, 'x', 'xe')
  end
  sessEnqueue('evt_' .. id .. '_' .. string.format('%.0f', s.at) .. '_ended', 'session.ended',
    sessView(id, s, { cause = cause, endedAt = sNow, lastSeenAt = tonumber(last or s.at), checks = tonumber(checks or '1') }))
  return s.tid
end
`;

/** SESSION_KEEP_LUA and SESSION_ENDING_LUA: every helper, for a script's top level. */
export const SESSION_HELPERS_LUA = `${SESSION_KEEP_LUA}${SESSION_ENDING_LUA}`;

/**
 * The Lua of the live session registry (Redis). All its keys share the `{sess}` hash tag, so every script below
 * runs on one slot; outside Redis Cluster, SESSION_PRELUDE is also composed in front of the token's authorize
 * script (redis-scripts.ts) and of a JWT's jti script (jwt/jti-scripts.ts), which call `sessionCheck` before any
 * write and `sessionCommit` after their own state changes: the decision and the viewer's session limit are one
 * atomic step, one round trip, and a refusal of either writes nothing.
 *
 * A continuing session stays under the viewer it started with (its `vh` in `d`), whatever the token says now.
 *
 * Keys (prefix + `{sess}:` omitted):
 *   d        hash: session id → JSON of what does not change (token, viewer, stream, appKey, ip, method, start)
 *   ids      sorted set, all scores 0: session ids in lexical order (the listing's cursor)
 *   seen     sorted set: session id → last check (ms); the sweep reads the idle ones from its low end
 *   c        hash: session id → checks counted
 *   v:<sha1> sorted set per viewer id: session id → last check (the per-viewer limit counts these)
 *   t:<sha1> sorted set per token id (an opaque token's id, a JWT's jti or fingerprint), all scores 0: its live
 *            session ids, so that a revocation ends them without reading the whole registry (a sorted set, not a
 *            set: Redis 7.0 keeps a small one as a listpack, ~3 times smaller for a token with one session, and
 *            ZPOPMIN takes a batch); expires when the token does (plus the window), two days after the token's
 *            last new session at the least
 *   streams  sorted set: JSON `[appKey, stream]` (either may hold any character) → sessions started and not ended
 *   x, xe    ended sessions (kicked, replaced, token revoked): hash id → cause, sorted set id → kept until (ms)
 *   q, qd    the webhook queue: sorted set event id → next attempt (ms), hash event id → event JSON
 *
 * The script's own arguments are one JSON object, the LAST element of ARGV (so the token part's ARGV stays as
 * it is): p prefix, id session id, c consume (1/0), now, win (viewer window ms), tid/vid/mvs/exp (the token's id,
 * viewer id, per-viewer limit and expiry, for tokens that are not a stored record: JWTs), dmvs (VIEWER_MAX_SESSIONS),
 * mode (refuse|replace), st, ak, ip, m (method), ev (event types to queue, as an object type → true), off (1: the
 * registry is not part of this script), dl (SESSION_DECISION_SCRIPT: the write deadline, wall-clock ms). Absent
 * means the default: dmvs 0 (no limit), mode refuse, ev none, vid none, mvs none (sessionScriptArgs leaves them out).
 */
export const SESSION_PRELUDE = `
local S = cjson.decode(ARGV[#ARGV])
local SK = S.p .. '{sess}:'
local sNow = tonumber(S.now)
-- \`now\` as Redis gets it in a score. A number argument costs Redis a "%.17g" formatting on every redis.call; a
-- composing script that holds the same integer as text puts that here (the score is the same number either way).
local sNowArg = sNow
local sCutoff = sNow - tonumber(S.win)
local sState = { live = false, stale = false, replace = 0, vkey = nil, vh = '', vid = '', outcome = '' }
-- t: the token as the decision sees it ({id, viewerId, maxViewerSessions, expiresAt}). A reason refuses.
local function sessionCheck(t)
  if S.off == 1 then return nil end
  local ended = redis.call('HGET', SK .. 'x', S.id)
  if ended and tonumber(redis.call('ZSCORE', SK .. 'xe', S.id) or '0') > sNow then
    if ended == 'replaced' then return 'session_replaced' end
    return 'session_ended'
  end
  if S.c ~= 1 then return nil end
  local last = redis.call('ZSCORE', SK .. 'seen', S.id)
  -- A score as Redis writes it: arithmetic converts it once, tonumber() would parse it twice (issue 15).
  sState.live = last ~= false and last + 0 > sCutoff
  sState.stale = last ~= false and not sState.live
  if sState.live then
    -- A continuing session stays counted under the viewer it started with, whatever the token says now (a PATCH of
    -- viewerId applies to sessions that start after it). Read without decoding: inside the JSON a quote is escaped,
    -- so the first \`"vh":"\` is the member; found by a plain search, then matched where it is (an unanchored
    -- pattern tries every position: ~2.5 times the Redis CPU, issue 15).
    local raw = redis.call('HGET', SK .. 'd', S.id) or ''
    local at = string.find(raw, '"vh":"', 1, true)
    local started = at and string.match(raw, '^(%x*)"', at + 6)
    if started and started ~= '' then
      sState.vh = started
      sState.vkey = SK .. 'v:' .. started
    end
    return nil
  end
  local vid = S.vid
  if (vid == nil or vid == '') and type(t.viewerId) == 'string' then vid = t.viewerId end
  if vid == nil or vid == '' then return nil end
  sState.vid = vid
  sState.vh = redis.sha1hex(vid)
  sState.vkey = SK .. 'v:' .. sState.vh
  local limit = tonumber(S.dmvs or 0)
  if type(t.maxViewerSessions) == 'number' then limit = t.maxViewerSessions end
  if limit <= 0 then return nil end
  local count = redis.call('ZCOUNT', sState.vkey, '(' .. string.format('%.0f', sCutoff), '+inf')
  if count >= limit then
    if S.mode ~= 'replace' then return 'viewer_session_limit' end
    sState.replace = count - limit + 1
  end
  return nil
end

local function sessionCommit(t)
  if S.off == 1 or S.c ~= 1 then return end
  if sState.live then
    -- A continuing session (never stale, nothing to replace): no helper made, so no closure.
    redis.call('HINCRBY', SK .. 'c', S.id, '1')
    sState.outcome = 'continued'
    redis.call('ZADD', SK .. 'seen', sNowArg, S.id)
  else
${SESSION_KEEP_LUA}
    if sState.stale or sState.replace > 0 then
${SESSION_ENDING_LUA}
      if sState.stale then sessEnd(S.id, 'idle') end
      for _ = 1, sState.replace do
        local oldest = redis.call('ZRANGEBYSCORE', sState.vkey, '(' .. string.format('%.0f', sCutoff), '+inf', 'LIMIT', 0, 1)
        -- A member without its session (ended meanwhile) is dropped, so the loop never ends the same one twice.
        if oldest[1] and not sessEnd(oldest[1], 'replaced') then redis.call('ZREM', sState.vkey, oldest[1]) end
      end
    end
    local s = { tid = t.id, vid = sState.vid, vh = sState.vh, st = S.st, ak = S.ak, ip = S.ip, m = S.m, at = sNow,
      exp = t.expiresAt }
    redis.call('HSET', SK .. 'd', S.id, cjson.encode(s))
    redis.call('HSET', SK .. 'c', S.id, '1')
    redis.call('ZADD', SK .. 'ids', '0', S.id)
    local tokenSessions = 't:' .. redis.sha1hex(t.id)
    redis.call('ZADD', SK .. tokenSessions, '0', S.id)
    redis.call('ZINCRBY', SK .. 'streams', '1', cjson.encode({ S.ak, S.st }))
    -- The event's id and view only when the event is queued (sessEnqueue's own test, made first: formatting costs).
    if S.ev ~= nil and S.ev['session.started'] == true then
${SESSION_ENDING_LUA}
      sessEnqueue('evt_' .. S.id .. '_' .. string.format('%.0f', sNow) .. '_started', 'session.started', sessView(S.id, s))
    end
    sState.outcome = 'started'
    if sState.replace > 0 then sState.outcome = 'started,replaced:' .. sState.replace end
    if sState.stale then sState.outcome = sState.outcome .. ',idle:1' end
    -- After the ZADD: PEXPIRE on a key that does not exist yet would leave it without a TTL.
    redis.call('ZADD', SK .. 'seen', sNowArg, S.id)
    sessKeep(REGISTRY_KEEP_MS, 'd', 'c', 'ids', 'seen', 'streams')
    -- The token's set outlives every session it lists: a session lasts at most as long as its token (checked every
    -- few seconds, none refreshes the set), and the registry's keep time is only two days. 400 days at most.
    local tokenKeep = math.min(math.max(REGISTRY_KEEP_MS, tonumber(t.expiresAt) - sNow + tonumber(S.win)), 400 * ENDED_KEEP_MS)
    redis.call('PEXPIRE', SK .. tokenSessions, string.format('%.0f', tokenKeep))
  end
  if sState.vkey then
    redis.call('ZADD', sState.vkey, sNowArg, S.id)
    redis.call('PEXPIRE', sState.vkey, tonumber(S.win) + 60000)
  end
end

`;

/**
 * The registry part alone, for JWTs without a jti (no key of their own) and for Redis Cluster, where the token's
 * (or jti's) keys and `{sess}` keys are in different slots. KEYS: 1 any `{sess}` key (routes the script). ARGV: the
 * JSON object, with tid, vid, mvs, exp and dl. Returns {reason ('' = allow, '${PAST_DEADLINE}': nothing recorded),
 * outcome}.
 */
export const SESSION_DECISION_SCRIPT = `${SESSION_PRELUDE}
${DEADLINE_LUA}
local t = { id = S.tid, viewerId = S.vid, expiresAt = tonumber(S.exp) }
if tonumber(S.mvs) ~= nil and tonumber(S.mvs) > 0 then t.maxViewerSessions = tonumber(S.mvs) end
local reason = sessionCheck(t)
if reason then return { reason, '' } end
if S.c == 1 and late(S.dl) then return { '${PAST_DEADLINE}', '' } end
sessionCommit(t)
return { '', sState.outcome }
`;

/**
 * Ends up to `n` live sessions of one token (cause token_revoked), taken from its sorted set `t:<sha1 of tid>`. ARGV: JSON
 * with p, now, win, ev, tid and n. Returns {ended, taken}: taken < n once the set is empty. A member whose session
 * is gone (ended meanwhile) is dropped with the rest.
 */
export const SESSION_REVOKE_SCRIPT = `${SESSION_PRELUDE}
${SESSION_HELPERS_LUA}
-- Member, score, member, score, …
local taken = redis.call('ZPOPMIN', SK .. 't:' .. redis.sha1hex(S.tid), tonumber(S.n))
local ended = 0
for i = 1, #taken, 2 do
  if sessEnd(taken[i], 'token_revoked') then ended = ended + 1 end
end
return { ended, #taken / 2 }
`;

/** Ends one session (kick, token revoked). ARGV: JSON with p, now, win, ev, and end = { id, cause }. Its token id, or ''. */
export const SESSION_END_SCRIPT = `${SESSION_PRELUDE}
${SESSION_HELPERS_LUA}
return sessEnd(S['end'].id, S['end'].cause) or ''
`;

/**
 * Ends idle sessions (not checked within the window) and forgets old ended-session marks, at most `n` of each:
 * atomic, so with several instances sweeping each idle session ends exactly once. Returns the number ended.
 */
export const SESSION_SWEEP_SCRIPT = `${SESSION_PRELUDE}
${SESSION_HELPERS_LUA}
local idle = redis.call('ZRANGEBYSCORE', SK .. 'seen', '-inf', string.format('%.0f', sCutoff), 'LIMIT', 0, tonumber(S.n))
for _, id in ipairs(idle) do
  if not sessEnd(id, 'idle') then redis.call('ZREM', SK .. 'seen', id) redis.call('ZREM', SK .. 'ids', id) end
end
sessKeep(REGISTRY_KEEP_MS, 'd', 'c', 'ids', 'seen', 'streams', 'x', 'xe')
local old = redis.call('ZRANGEBYSCORE', SK .. 'xe', '-inf', S.now, 'LIMIT', 0, tonumber(S.n))
if #old > 0 then
  redis.call('HDEL', SK .. 'x', unpack(old))
  redis.call('ZREM', SK .. 'xe', unpack(old))
end
return #idle
`;

/** Queues one event (token.revoked) unless an event with its id is queued already. */
export const SESSION_ENQUEUE_SCRIPT = `${SESSION_PRELUDE}
${SESSION_HELPERS_LUA}
sessEnqueue(S.event.id, S.event.type, S.event.data)
return 1
`;

/**
 * Leases up to ARGV[2] due events: their next attempt moves to now + lease (ARGV[3]), so an instance that dies
 * while delivering only delays them. KEYS: 1 q, 2 qd. ARGV: 1 now. Returns the event JSONs.
 */
export const QUEUE_CLAIM_SCRIPT = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local event = redis.call('HGET', KEYS[2], id)
  if event then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), id)
    out[#out + 1] = event
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

/**
 * Settles one delivery attempt. KEYS: 1 q, 2 qd. ARGV: 1 event id, 2 '' = delivered (forget it), else the event's
 * new JSON, 3 next attempt (ms). Returns 1, or 0 when the event was gone.
 */
export const QUEUE_SETTLE_SCRIPT = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
`;
