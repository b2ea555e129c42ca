import { Redis } from 'ioredis';
import type { TokenRecord } from './token-record.js';
import type { TokenStore } from './token-store.js';

/**
 * Marks a record revoked, once. In a script because HSETNX on a key that has just expired would recreate it
 * without a TTL; the first revocation time is kept.
 */
const REVOKE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

export interface RedisTokenStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** How long a record is kept after it expires, so decisions can still say `expired` rather than `unknown_token`. */
  retentionMs: number;
}

/**
 * Redis layout (prefix omitted):
 *   t:{<sha256 of token>}  a hash: `data` (the record as JSON) and, once revoked, `revokedAt`; it expires at
 *                          record.expiresAt + retention. The decision reads only this key;
 *   i:<token id>           the token's hash, same expiry — for the admin API.
 * Records stay `retentionMs` past their expiry so that a late viewer is logged as `expired`, not `unknown_token`.
 * The hash sits in braces (a hash tag) so that later per-token keys land in the same Redis Cluster slot.
 */
export class RedisTokenStore implements TokenStore {
  readonly kind = 'redis';
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly retentionMs: number;

  constructor(options: RedisTokenStoreOptions) {
    this.prefix = options.keyPrefix;
    this.retentionMs = options.retentionMs;
    this.redis = new Redis(options.url, {
      // A command that Redis does not answer in time fails instead of waiting: the decision layer turns that into
      // the configured failure policy. Retrying inside ioredis would only make the caller wait longer.
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      connectTimeout: Math.max(1000, options.commandTimeoutMs),
      enableAutoPipelining: true,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    });
    // Connection errors surface as rejected commands (and in /readyz); without a listener ioredis would print them.
    this.redis.on('error', () => {});
    this.redis.defineCommand('wtaRevoke', { numberOfKeys: 1, lua: REVOKE_SCRIPT });
  }

  recordKey(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}`;
  }

  idKey(id: string): string {
    return `${this.prefix}i:${id}`;
  }

  async create(tokenHash: string, record: TokenRecord): Promise<void> {
    const purgeAt = record.expiresAt + this.retentionMs;
    const results = await this.redis
      .multi()
      .hsetnx(this.recordKey(tokenHash), 'data', JSON.stringify({ ...record, revokedAt: null }))
      .pexpireat(this.recordKey(tokenHash), purgeAt)
      .set(this.idKey(record.id), tokenHash, 'PXAT', purgeAt, 'NX')
      .exec();
    if (!results || results.some(([error]) => error) || results[0]?.[1] !== 1 || results[2]?.[1] !== 'OK') {
      throw new Error('token already exists or could not be saved');
    }
  }

  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    return fromHash(await this.redis.hgetall(this.recordKey(tokenHash)));
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const hash = await this.redis.get(this.idKey(id));
    return hash === null ? undefined : this.findByHash(hash);
  }

  async revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined> {
    const hash = await this.redis.get(this.idKey(id));
    if (hash === null) return undefined;
    const reply = await (this.redis as unknown as RevokeCommand).wtaRevoke(this.recordKey(hash), String(revokedAt));
    if (!Array.isArray(reply)) return undefined;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fromHash(fields);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

interface RevokeCommand {
  wtaRevoke(key: string, revokedAt: string): Promise<unknown>;
}

function fromHash(fields: Record<string, string>): TokenRecord | undefined {
  if (fields.data === undefined) return undefined;
  const record = JSON.parse(fields.data) as TokenRecord;
  record.revokedAt = fields.revokedAt === undefined ? null : Number(fields.revokedAt);
  return record;
}
