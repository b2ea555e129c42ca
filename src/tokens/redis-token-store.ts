import type { Clock } from '../shared/clock.js';
import { closeRedisClient, createRedisClient, type RedisClient, type RedisConnection } from '../shared/redis-client.js';
import { defineTokenScripts, type RedisTokenContext } from './redis-token-context.js';
import { RedisTokenDecision } from './redis-token-decision.js';
import { RedisTokenKeys } from './redis-token-keys.js';
import { findByHash, findEntryById, listSessions, scan } from './redis-token-reads.js';
import { createMany, revoke, update } from './redis-token-writes.js';
import { RedisSessionRegistry } from './sessions/redis-session-registry.js';
import type { SessionSettings } from './sessions/session-registry.js';
import type { TokenRecord, ViewerSession } from './token-record.js';
import type { PolicyCheck, PolicyOutcome, ScanBatch, TokenEntry, TokenStore } from './token-store.js';
import type { AccessRequest } from './token-verifier.js';

export interface RedisTokenStoreOptions {
  /** A standalone Redis; `connection` (Sentinel, Cluster) wins when both are given. */
  url?: string;
  connection?: RedisConnection;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** How long a record is kept after it expires, so decisions can still say `expired` rather than `unknown_token`. */
  retentionMs: number;
  /** The service's clock: whether a record is still there is decided by it, never by Redis's key expiry. */
  clock: Clock;
  /** Keep live sessions across tokens (per-viewer limit, sessions API, webhooks); absent = not kept. */
  sessions?: SessionSettings;
}

/**
 * Redis layout (prefix omitted; README, "Redis layout"):
 *   t:{<sha256 of token>}    a hash: the record in compact fields (`i` id, `s` streams as JSON, `e` expiresAt,
 *                            `c` createdAt, `x` what differs from the defaults as JSON; before issue 15 one `data`
 *                            field with the whole record as JSON, still read), `revokedAt` once revoked, `uses`
 *                            (sessions started), `boundIp` (bindIpOnFirstUse), `ipRanges` (allowedIps pre-parsed for
 *                            the script). It expires at record.expiresAt + retention;
 *   t:{<sha256>}:s           the session ledger (hash: session id → "firstSeen|lastSeen|ip"), same expiry;
 *   t:{<sha256>}:a           active viewers (sorted set: session id → last check), only with maxViewers;
 *   {idx}:ids                the id map (hash: token id → the token's hash in base64url) — for the admin API;
 *   {idx}:tokens             listing index (sorted set, all scores 0, members `<createdAt>:<id>`, read newest
 *                            first by lex order);
 *   {idx}:sweep              where the index housekeeping stopped (see redis-token-index.ts).
 * Written before issue 15 and still read: `i:<token id>` (the token's hash, expiring with the record), index
 * members `<createdAt>:<id>:<hash>`, and `{idx}:expiry` (those members scored by purge time).
 * A decision is one script over the first three keys (one slot: they share the `{<sha256>}` hash tag). The index
 * keys share the `{idx}` tag and are never touched by the same script as a token's keys (Redis Cluster).
 * Records stay `retentionMs` past their expiry so that a late viewer is logged as `expired`, not `unknown_token`;
 * past that, by the service's clock, every read and write of the store finds nothing, whatever Redis still keeps.
 */
export class RedisTokenStore implements TokenStore {
  readonly kind = 'redis';
  readonly redis: RedisClient;
  readonly sessions: RedisSessionRegistry | undefined;
  private readonly context: RedisTokenContext;
  private readonly keys: RedisTokenKeys;
  private readonly decision: RedisTokenDecision;

  constructor(options: RedisTokenStoreOptions) {
    const connection = options.connection ?? { mode: 'standalone', url: options.url ?? 'redis://127.0.0.1:6379' };
    this.redis = createRedisClient(connection, { commandTimeoutMs: options.commandTimeoutMs });
    this.keys = new RedisTokenKeys(options.keyPrefix);
    this.context = { redis: this.redis, keys: this.keys, scripts: defineTokenScripts(this.redis), retentionMs: options.retentionMs, clock: options.clock };
    // Outside Cluster the registry runs inside the token's (and a JWT's jti) script; in Cluster its `{sess}` keys
    // are in another slot (see README, "Viewers and sessions").
    const sharesScripts = connection.mode !== 'cluster';
    this.sessions = options.sessions && new RedisSessionRegistry(this.redis, options.keyPrefix, options.sessions, sharesScripts);
    this.decision = new RedisTokenDecision(this.context, this.sessions);
  }

  recordKey(tokenHash: string): string {
    return this.keys.record(tokenHash);
  }

  sessionsKey(tokenHash: string): string {
    return this.keys.sessions(tokenHash);
  }

  activeKey(tokenHash: string): string {
    return this.keys.active(tokenHash);
  }

  idKey(id: string): string {
    return this.keys.id(id);
  }

  idsKey(): string {
    return this.keys.ids();
  }

  indexKey(): string {
    return this.keys.index();
  }

  expiryIndexKey(): string {
    return this.keys.expiryIndex();
  }

  async create(tokenHash: string, record: TokenRecord): Promise<void> {
    await createMany(this.context, [{ tokenHash, record }]);
  }

  async createMany(items: readonly { tokenHash: string; record: TokenRecord }[]): Promise<void> {
    await createMany(this.context, items);
  }

  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    return findByHash(this.context, tokenHash);
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    return (await findEntryById(this.context, id))?.record;
  }

  async findEntryById(id: string): Promise<TokenEntry | undefined> {
    return findEntryById(this.context, id);
  }

  // Not async: the decision's promise is handed on as it is (one promise and one microtask less per decision).
  authorize(tokenHash: string, request: AccessRequest, check: PolicyCheck): Promise<PolicyOutcome | undefined> {
    return this.decision.authorize(tokenHash, request, check);
  }

  async update(id: string, change: (current: TokenEntry) => TokenRecord): Promise<TokenEntry | undefined> {
    return update(this.context, id, change);
  }

  async revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined> {
    return revoke(this.context, id, revokedAt);
  }

  async scan(after: string | undefined, count: number, now: number): Promise<ScanBatch> {
    return scan(this.context, after, count, now);
  }

  async listSessions(id: string): Promise<ViewerSession[] | undefined> {
    return listSessions(this.context, id);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
