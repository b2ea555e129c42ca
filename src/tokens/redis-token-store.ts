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

/** Creates the record with its expiry in one step, so no record can exist without a TTL. */
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
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
    this.redis.defineCommand('wtaCreate', { numberOfKeys: 1, lua: CREATE_SCRIPT });
  }

  recordKey(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}`;
  }

  idKey(id: string): string {
    return `${this.prefix}i:${id}`;
  }

  /**
   * Two keys in two Redis Cluster slots, so two steps rather than one transaction: the record first (refused if
   * the hash exists), then the id index; if the id is taken the record is removed again.
   */
  async create(tokenHash: string, record: TokenRecord): Promise<void> {
    const purgeAt = record.expiresAt + this.retentionMs;
    const recordKey = this.recordKey(tokenHash);
    const created = await this.scripts.wtaCreate(recordKey, JSON.stringify({ ...record, revokedAt: null }), String(purgeAt));
    if (created !== 1) throw new Error('a token with this hash already exists');
    const indexed = await this.redis.set(this.idKey(record.id), tokenHash, 'PXAT', purgeAt, 'NX');
    if (indexed !== 'OK') {
      await this.redis.del(recordKey);
      throw new Error('a token with this id already exists');
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
    const reply = await this.scripts.wtaRevoke(this.recordKey(hash), String(revokedAt));
    if (!Array.isArray(reply)) return undefined;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fromHash(fields);
  }

  private get scripts(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
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

/** The commands defined with defineCommand, which ioredis's types cannot know about. */
interface ScriptCommands {
  wtaRevoke(key: string, revokedAt: string): Promise<unknown>;
  wtaCreate(key: string, data: string, purgeAt: string): Promise<unknown>;
}

function fromHash(fields: Record<string, string>): TokenRecord | undefined {
  if (fields.data === undefined) return undefined;
  const record = JSON.parse(fields.data) as TokenRecord;
  record.revokedAt = fields.revokedAt === undefined ? null : Number(fields.revokedAt);
  return record;
}
