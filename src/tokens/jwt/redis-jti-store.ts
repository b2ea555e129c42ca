import type { RedisClient } from '../../shared/redis-client.js';
import { DEADLINE_LUA, PAST_DEADLINE, redisInteger } from '../redis-scripts.js';
import { PastDeadlineError } from '../token-store.js';
import { jtiKeyPart, type JtiState, type JtiStore, type JtiUse } from './jti-store.js';

/**
 * The decision's one round trip. Revoked wins; a one-time token is claimed by the first session that may consume
 * it, atomically, so parallel requests on any number of instances give it exactly one owner. `until` is kept in
 * the hash so that later writes only ever lengthen the key's life (a revocation must not expire before the token).
 * KEYS[1] = jti key; ARGV = once (0/1), consume (0/1), session id, keep-until ms, write deadline (wall-clock ms:
 * a claim at or after it writes nothing and answers 'past_deadline'), now (the service's clock, ms).
 *
 * State whose `until` has passed by the service's clock is gone, whether or not Redis has expired the key yet: the
 * memory store forgets it at that moment, and both stores must decide alike (the keys' TTL only frees the memory).
 */
const CHECK_SCRIPT = `
if not string.match(ARGV[4], '^%d+$') then return redis.error_reply('ERR keep-until must be an integer') end
if not string.match(ARGV[6], '^%d+$') then return redis.error_reply('ERR now must be an integer') end
${DEADLINE_LUA}
local state = redis.call('HMGET', KEYS[1], 'revokedAt', 'session', 'until')
local gone = state[3] and tonumber(state[3]) <= tonumber(ARGV[6])
if gone then state = {false, false, false} end
if state[1] then return 'revoked' end
if ARGV[1] ~= '1' then return 'ok' end
if state[2] then
  if state[2] == ARGV[3] then return 'ok' end
  return 'used'
end
if ARGV[2] == '1' then
  if late(ARGV[5]) then return '${PAST_DEADLINE}' end
  if gone then redis.call('DEL', KEYS[1]) end
  redis.call('HSET', KEYS[1], 'session', ARGV[3])
  if tonumber(ARGV[4]) > tonumber(state[3] or '0') then
    redis.call('HSET', KEYS[1], 'until', ARGV[4])
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  end
end
return 'ok'
`;

/**
 * KEYS[1] = jti key; ARGV = revokedAt ms (the service's clock, also "now"), keep-until ms. Returns 1 when newly
 * revoked. State past its `until` by the service's clock is gone first, as in CHECK_SCRIPT.
 */
const REVOKE_SCRIPT = `
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

interface JtiCommands {
  wtaJtiCheck(key: string, once: string, consume: string, session: string, keepUntil: string, writeDeadline: string, now: string): Promise<string>;
  wtaJtiRevoke(key: string, revokedAt: string, keepUntil: string): Promise<number>;
}

/**
 * Redis layout (prefix omitted): `j:{<sha256 of jti>}`, a hash with `revokedAt`, `session` (owner of a one-time
 * token) and `until`; it expires at `until`, the token's exp plus the clock skew. Every instance sharing the Redis
 * sees a revocation on its next decision. Uses the token store's connection (and its command timeout).
 */
export class RedisJtiStore implements JtiStore {
  readonly kind = 'redis';
  private readonly commands: JtiCommands;

  constructor(private readonly options: { redis: RedisClient; keyPrefix: string }) {
    options.redis.defineCommand('wtaJtiCheck', { numberOfKeys: 1, lua: CHECK_SCRIPT });
    options.redis.defineCommand('wtaJtiRevoke', { numberOfKeys: 1, lua: REVOKE_SCRIPT });
    this.commands = options.redis as unknown as JtiCommands;
  }

  jtiKey(jti: string): string {
    return `${this.options.keyPrefix}j:{${jtiKeyPart(jti)}}`;
  }

  async check(jti: string, use: JtiUse): Promise<JtiState> {
    const reply = await this.commands.wtaJtiCheck(
      this.jtiKey(jti),
      use.once ? '1' : '0',
      use.consume ? '1' : '0',
      use.sessionId,
      redisInteger(Math.ceil(use.keepUntil)),
      redisInteger(use.writeDeadline === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(use.writeDeadline)),
      redisInteger(Math.floor(use.now)),
    );
    if (reply === PAST_DEADLINE) throw new PastDeadlineError();
    if (reply === 'revoked' || reply === 'used' || reply === 'ok') return reply;
    throw new Error('unexpected reply from the jti script');
  }

  async revoke(jti: string, revokedAt: number, keepUntil: number): Promise<boolean> {
    return (await this.commands.wtaJtiRevoke(this.jtiKey(jti), redisInteger(revokedAt), redisInteger(Math.ceil(keepUntil)))) === 1;
  }

  // The connection belongs to the token store, which closes it.
  async close(): Promise<void> {}
}
