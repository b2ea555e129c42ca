import type { RedisClient } from '../shared/redis-client.js';
import { defineScripts } from '../shared/redis-commands.js';
import type { IdempotencyClaim, IdempotencyStore } from './idempotency-store.js';

/** KEYS[1] = entry; ARGV = fingerprint, owner, pending ms. Returns {state, fingerprint, sealed}. */
const CLAIM_SCRIPT = `
local cur = redis.call('HMGET', KEYS[1], 'state', 'fp', 'sealed')
if cur[1] then return {cur[1], cur[2] or '', cur[3] or ''} end
redis.call('HSET', KEYS[1], 'state', 'pending', 'fp', ARGV[1], 'owner', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'claimed', '', ''}
`;

/** KEYS[1] = entry; ARGV = owner, sealed answer, keep ms. Returns 1 when stored. */
const COMPLETE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'sealed', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS[1] = entry; ARGV = owner. */
const RELEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type IdempotencyCommands = {
  wtaIdemClaim(key: string, fingerprint: string, owner: string, pendingMs: string): Promise<[string, string, string]>;
  wtaIdemComplete(key: string, owner: string, sealed: string, keepMs: string): Promise<number>;
  wtaIdemRelease(key: string, owner: string): Promise<number>;
};

/**
 * Redis layout (prefix omitted): `idem:{<lookup id>}`, a hash with `state` (pending|done), `fp` (request
 * fingerprint), `owner` (while pending) and `sealed` (when done); it expires when pending runs out or the answer's
 * keep time ends. Every instance on the Redis shares the entries. Uses the token store's connection.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly kind = 'redis';
  private readonly commands: IdempotencyCommands;

  constructor(private readonly options: { redis: RedisClient; keyPrefix: string }) {
    this.commands = defineScripts<IdempotencyCommands>(options.redis, {
      wtaIdemClaim: { keys: 1, lua: CLAIM_SCRIPT },
      wtaIdemComplete: { keys: 1, lua: COMPLETE_SCRIPT },
      wtaIdemRelease: { keys: 1, lua: RELEASE_SCRIPT },
    });
  }

  entryKey(id: string): string {
    return `${this.options.keyPrefix}idem:{${id}}`;
  }

  async claim(id: string, fingerprint: string, owner: string, pendingMs: number): Promise<IdempotencyClaim> {
    const [state, fp, sealed] = await this.commands.wtaIdemClaim(this.entryKey(id), fingerprint, owner, String(pendingMs));
    if (state === 'claimed') return { kind: 'claimed' };
    if (state === 'pending') return { kind: 'pending', fingerprint: fp };
    if (state === 'done') return { kind: 'done', fingerprint: fp, sealed };
    throw new Error('unexpected reply from the idempotency claim script');
  }

  async complete(id: string, owner: string, sealed: string, keepMs: number): Promise<boolean> {
    return (await this.commands.wtaIdemComplete(this.entryKey(id), owner, sealed, String(keepMs))) === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.commands.wtaIdemRelease(this.entryKey(id), owner);
  }

  // The connection belongs to the token store, which closes it.
  async close(): Promise<void> {}
}
