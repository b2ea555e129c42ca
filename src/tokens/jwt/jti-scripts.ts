import { DEADLINE_LUA, PAST_DEADLINE } from '../redis-scripts.js';
import { SESSION_PRELUDE } from '../sessions/session-scripts.js';

/**
 * The decision's one round trip. Revoked wins; a one-time token is claimed by the first session that may consume
 * it, atomically, so parallel requests on any number of instances give it exactly one owner. `until` is kept in
 * the hash so that later writes only ever lengthen the key's life (a revocation must not expire before the token).
 * KEYS[1] = jti key; ARGV = 1 the values below as one JSON array of strings (`A`; one argument costs ioredis far
 * less than six: see decisionArgsJson), 2 the session scripts' JSON (session-scripts.ts; `off` when the registry is
 * not part of this script). A = 1 once (0/1), 2 consume (0/1), 3 session id, 4 keep-until ms, 5 write deadline
 * (wall-clock ms: a claim at or after it writes nothing and answers 'past_deadline'), 6 now (the service's clock, ms).
 * Returns {state, session outcome}: state is ok, revoked, used, past_deadline or a session refusal.
 *
 * The viewer session part (outside Redis Cluster) is checked before anything is written and recorded after the
 * claim: a request refused for its session claims nothing, and one refused for its jti records no session.
 *
 * State whose `until` has passed by the service's clock is gone, whether or not Redis has expired the key yet: the
 * memory store forgets it at that moment, and both stores must decide alike (the keys' TTL only frees the memory).
 */
export const JTI_CHECK_SCRIPT = `${SESSION_PRELUDE}
local A = cjson.decode(ARGV[1])
if not string.match(A[4], '^%d+$') then return redis.error_reply('ERR keep-until must be an integer') end
if not string.match(A[6], '^%d+$') then return redis.error_reply('ERR now must be an integer') end
${DEADLINE_LUA}
-- Digits only (checked above): arithmetic converts them once, tonumber() would parse them twice (issue 15).
local now = A[6] + 0
-- The session part's \`now\` as text when it is A[6]'s integer (see sNowArg in session-scripts.ts).
if now == sNow then sNowArg = A[6] end
local state = redis.call('HMGET', KEYS[1], 'revokedAt', 'session', 'until')
local gone = state[3] and tonumber(state[3]) <= now
if gone then state = {false, false, false} end
if state[1] then return {'revoked', ''} end
local claim = false
if A[1] == '1' then
  if state[2] and state[2] ~= A[3] then return {'used', ''} end
  claim = not state[2] and A[2] == '1'
end
local t = {}
if S.off ~= 1 then
  t = { id = S.tid, viewerId = S.vid, expiresAt = tonumber(S.exp) }
  if tonumber(S.mvs) ~= nil and tonumber(S.mvs) > 0 then t.maxViewerSessions = tonumber(S.mvs) end
end
local refusal = sessionCheck(t)
if refusal then return {refusal, ''} end
if (claim or (S.off ~= 1 and S.c == 1)) and late(A[5]) then return {'${PAST_DEADLINE}', ''} end
if claim then
  if gone then redis.call('DEL', KEYS[1]) end
  redis.call('HSET', KEYS[1], 'session', A[3])
  if tonumber(A[4]) > tonumber(state[3] or '0') then
    redis.call('HSET', KEYS[1], 'until', A[4])
    redis.call('PEXPIREAT', KEYS[1], A[4])
  end
end
sessionCommit(t)
return {'ok', sState.outcome}
`;

/**
 * KEYS[1] = jti key; ARGV = revokedAt ms (the service's clock, also "now"), keep-until ms. Returns 1 when newly
 * revoked. State past its `until` by the service's clock is gone first, as in JTI_CHECK_SCRIPT.
 */
export const JTI_REVOKE_SCRIPT = `
if not string.match(ARGV[1], '^%d+$') then return redis.error_reply('ERR revokedAt must be an integer') end
if not string.match(ARGV[2], '^%d+$') then return redis.error_reply('ERR keep-until must be an integer') end
local kept = redis.call('HGET', KEYS[1], 'until')
if kept and tonumber(kept) <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  kept = false
end
local created = redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
if tonumber(ARGV[2]) > tonumber(kept or '0') then
  redis.call('HSET', KEYS[1], 'until', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
return created
`;
