import { ipRangesOf } from '../shared/ip-address.js';
import { closeRedisClient, createRedisClient, type RedisClient, type RedisConnection } from '../shared/redis-client.js';
import {
  AUTHORIZE_SCRIPT,
  CREATE_SCRIPT,
  INDEX_SCRIPT,
  PAST_DEADLINE,
  PRUNE_INDEX_SCRIPT,
  redisInteger,
  UNREADABLE_RECORD,
  UPDATE_SCRIPT,
} from './redis-scripts.js';
import { listPosition } from './token-list.js';
import { RedisSessionRegistry, decisionArgs, sessionScriptArgs } from './sessions/redis-session-registry.js';
import { parseSessionOutcome, sessionTokenOf, type SessionSettings } from './sessions/session-registry.js';
import { SESSION_PRELUDE } from './sessions/session-scripts.js';
import type { TokenRecord, TokenUsage, ViewerSession } from './token-record.js';
import {
  PastDeadlineError,
  TokenConflictError,
  type PolicyCheck,
  type PolicyOutcome,
  type ScanBatch,
  type ScannedEntry,
  type TokenEntry,
  type TokenStore,
} from './token-store.js';
import type { AccessRequest, TokenDenyReason } from './token-verifier.js';

/**
 * Marks a record revoked, once. In a script because HSETNX on a key that has just expired would recreate it
 * without a TTL; the first revocation time is kept.
 */
const REVOKE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** Rollback helpers: delete only what this call wrote, never a record that happened to exist already. */
const DELETE_IF_OURS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'data') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
`;
const DELETE_ID_IF_OURS_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/** Attempts of a PATCH whose record changed between read and write (e.g. two admins at once). */
const UPDATE_ATTEMPTS = 5;
const POSITION_LENGTH = 36;

class DuplicateTokenError extends Error {
  constructor() {
    super('token already exists');
    this.name = 'DuplicateTokenError';
  }
}

export interface RedisTokenStoreOptions {
  /** A standalone Redis; `connection` (Sentinel, Cluster) wins when both are given. */
  url?: string;
  connection?: RedisConnection;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** How long a record is kept after it expires, so decisions can still say `expired` rather than `unknown_token`. */
  retentionMs: number;
  /** Keep live sessions across tokens (per-viewer limit, sessions API, webhooks); absent = not kept. */
  sessions?: SessionSettings;
}

/** The session scripts' argument when the registry is not part of the authorize script. */
const SESSIONS_OFF = JSON.stringify({ off: 1, p: '', now: 0, win: 0 });

/**
 * Redis layout (prefix omitted):
 *   t:{<sha256 of token>}    a hash: `data` (the record as JSON), `revokedAt` once revoked, `uses` (sessions
 *                            started), `boundIp` (bindIpOnFirstUse), `ipRanges` (allowedIps pre-parsed for the
 *                            script). It expires at record.expiresAt + retention;
 *   t:{<sha256>}:s           the session ledger (hash: session id → "firstSeen|lastSeen|ip"), same expiry;
 *   t:{<sha256>}:a           active viewers (sorted set: session id → last check), only with maxViewers;
 *   i:<token id>             the token's hash, same expiry — for the admin API;
 *   {idx}:tokens             listing index (sorted set, all scores 0, members `<createdAt>:<id>:<hash>`, read
 *                            newest first by lex order);
 *   {idx}:expiry             the same members scored by purge time, to drop them when their record expires.
 * A decision is one script over the first three keys (one slot: they share the `{<sha256>}` hash tag). The index
 * keys share the `{idx}` tag and are never touched by the same script as a token's keys (Redis Cluster).
 * Records stay `retentionMs` past their expiry so that a late viewer is logged as `expired`, not `unknown_token`.
 */
export class RedisTokenStore implements TokenStore {
  readonly kind = 'redis';
  readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly retentionMs: number;
  readonly sessions: RedisSessionRegistry | undefined;
  /**
   * Outside Cluster the registry runs inside the authorize script (one step). In Cluster its `{sess}` keys live in
   * another slot than the token's: a second script after an allow (see README, "Viewers and sessions").
   */
  private readonly sessionsInScript: boolean;

  constructor(options: RedisTokenStoreOptions) {
    this.prefix = options.keyPrefix;
    this.retentionMs = options.retentionMs;
    const connection = options.connection ?? { mode: 'standalone', url: options.url ?? 'redis://127.0.0.1:6379' };
    this.redis = createRedisClient(connection, { commandTimeoutMs: options.commandTimeoutMs });
    this.redis.defineCommand('wtaRevoke', { numberOfKeys: 1, lua: REVOKE_SCRIPT });
    this.redis.defineCommand('wtaAuthorize', { numberOfKeys: 3, lua: SESSION_PRELUDE + AUTHORIZE_SCRIPT });
    this.sessions = options.sessions && new RedisSessionRegistry(this.redis, this.prefix, options.sessions);
    this.sessionsInScript = connection.mode !== 'cluster';
    this.redis.defineCommand('wtaCreate', { numberOfKeys: 1, lua: CREATE_SCRIPT });
    this.redis.defineCommand('wtaUpdate', { numberOfKeys: 3, lua: UPDATE_SCRIPT });
    this.redis.defineCommand('wtaDeleteIfOurs', { numberOfKeys: 3, lua: DELETE_IF_OURS_SCRIPT });
    this.redis.defineCommand('wtaDeleteIdIfOurs', { numberOfKeys: 1, lua: DELETE_ID_IF_OURS_SCRIPT });
    this.redis.defineCommand('wtaIndex', { numberOfKeys: 2, lua: INDEX_SCRIPT });
    this.redis.defineCommand('wtaPruneIndex', { numberOfKeys: 2, lua: PRUNE_INDEX_SCRIPT });
  }

  recordKey(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}`;
  }

  sessionsKey(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}:s`;
  }

  activeKey(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}:a`;
  }

  idKey(id: string): string {
    return `${this.prefix}i:${id}`;
  }

  indexKey(): string {
    return `${this.prefix}{idx}:tokens`;
  }

  expiryIndexKey(): string {
    return `${this.prefix}{idx}:expiry`;
  }

  private get scripts(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }

  private tokenKeys(tokenHash: string): [string, string, string] {
    return [this.recordKey(tokenHash), this.sessionsKey(tokenHash), this.activeKey(tokenHash)];
  }

  async create(tokenHash: string, record: TokenRecord): Promise<void> {
    await this.createMany([{ tokenHash, record }]);
  }

  /**
   * Each token is written on its own (its keys are in different slots), all in parallel; if any write fails,
   * every token of the call is deleted again. Should a deletion fail too, what remains is a token whose secret
   * nobody was ever shown: unusable, and gone at its expiry.
   */
  async createMany(items: readonly { tokenHash: string; record: TokenRecord }[]): Promise<void> {
    const writes = await Promise.allSettled(items.map((item) => this.createOne(item.tokenHash, item.record)));
    const failed = writes.find((write): write is PromiseRejectedResult => write.status === 'rejected');
    if (!failed) {
      // Housekeeping, so the index does not grow while nobody lists: never a reason to fail an issue.
      const now = Math.min(...items.map(({ record }) => record.createdAt));
      await this.scripts.wtaPruneIndex(this.indexKey(), this.expiryIndexKey(), String(now)).catch(() => undefined);
      return;
    }
    await Promise.allSettled(
      items.map((item, index) => {
        const write = writes[index];
        // A record that already existed under this hash is not ours to delete.
        if (write?.status === 'rejected' && write.reason instanceof DuplicateTokenError) return Promise.resolve();
        return this.removeOne(item.tokenHash, item.record);
      }),
    );
    throw failed.reason;
  }

  private async createOne(tokenHash: string, record: TokenRecord): Promise<void> {
    const purgeAt = redisInteger(record.expiresAt + this.retentionMs);
    const created = await this.scripts.wtaCreate(this.recordKey(tokenHash), dataOf(record), purgeAt, rangesOf(record));
    if (created !== 1) throw new DuplicateTokenError();
    if ((await this.redis.set(this.idKey(record.id), tokenHash, 'PXAT', purgeAt, 'NX')) !== 'OK') {
      throw new Error('token id already exists');
    }
    const member = `${listPosition(record)}:${tokenHash}`;
    await this.scripts.wtaIndex(this.indexKey(), this.expiryIndexKey(), member, purgeAt, '1');
  }

  private async removeOne(tokenHash: string, record: TokenRecord): Promise<void> {
    const member = `${listPosition(record)}:${tokenHash}`;
    await Promise.all([
      this.scripts.wtaDeleteIfOurs(...this.tokenKeys(tokenHash), dataOf(record)),
      this.scripts.wtaDeleteIdIfOurs(this.idKey(record.id), tokenHash),
      this.redis.multi().zrem(this.indexKey(), member).zrem(this.expiryIndexKey(), member).exec(),
    ]);
  }

  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    return fromHash(await this.redis.hgetall(this.recordKey(tokenHash)));
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const hash = await this.redis.get(this.idKey(id));
    return hash === null ? undefined : this.findByHash(hash);
  }

  async findEntryById(id: string): Promise<TokenEntry | undefined> {
    const hash = await this.redis.get(this.idKey(id));
    return hash === null ? undefined : entryFromHash(await this.redis.hgetall(this.recordKey(hash)));
  }

  async authorize(tokenHash: string, request: AccessRequest, check: PolicyCheck): Promise<PolicyOutcome | undefined> {
    const reply = await this.scripts.wtaAuthorize(
      ...this.tokenKeys(tokenHash),
      redisInteger(check.now),
      request.action,
      request.appKey === undefined ? '0' : '1',
      request.appKey ?? '',
      request.stream === undefined ? '0' : '1',
      request.stream ?? '',
      check.clientIp?.hex ?? '',
      check.clientIp?.text ?? '',
      check.sessionId,
      request.consume ? '1' : '0',
      redisInteger(check.viewerWindowMs),
      redisInteger(check.recordedSessionsMax),
      redisInteger(this.retentionMs),
      // No deadline: one that never comes.
      redisInteger(check.writeDeadline === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(check.writeDeadline)),
      // Last, whatever comes before it: the session scripts read it as ARGV[#ARGV].
      this.sessionArgs(request, check),
    );
    if (!Array.isArray(reply)) return undefined;
    const [reason, data, revokedAt, sessionOutcome] = reply.map(String);
    if (reason === PAST_DEADLINE) throw new PastDeadlineError();
    const record = reason === UNREADABLE_RECORD ? undefined : readRecord({ data: data ?? '', ...(revokedAt ? { revokedAt } : {}) });
    if (!record) return { record: null, reason: 'unreadable_record' };
    if (reason) return { record, reason: reason as TokenDenyReason };
    if (this.sessions && check.session) {
      if (this.sessionsInScript) {
        if (sessionOutcome) this.sessions.onOutcome?.(parseSessionOutcome('', sessionOutcome));
      } else {
        const outcome = await this.sessions.decide(check.session, sessionTokenOf(record), request.consume, check.now);
        if (outcome.reason) return { record, reason: outcome.reason };
      }
    }
    return { record, reason: null };
  }

  private sessionArgs(request: AccessRequest, check: PolicyCheck): string {
    if (!this.sessions || !check.session || !this.sessionsInScript) return SESSIONS_OFF;
    return sessionScriptArgs(this.prefix, this.sessions.settings, check.now, decisionArgs(check.session, request.consume));
  }

  async update(id: string, change: (current: TokenEntry) => TokenRecord): Promise<TokenEntry | undefined> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const hash = await this.redis.get(this.idKey(id));
      if (hash === null) return undefined;
      const fields = await this.redis.hgetall(this.recordKey(hash));
      const current = entryFromHash(fields);
      if (!current || fields.data === undefined) return undefined;
      if (current.record.revokedAt !== null) throw new TokenConflictError('a revoked token cannot be changed');
      const changed = change(current);
      const next: TokenRecord = { ...changed, id: current.record.id, createdAt: current.record.createdAt, revokedAt: null };
      const purgeAt = redisInteger(next.expiresAt + this.retentionMs);
      const forgetBoundIp = !next.bindIpOnFirstUse;
      const result = await this.scripts.wtaUpdate(
        ...this.tokenKeys(hash),
        fields.data,
        dataOf(next),
        purgeAt,
        rangesOf(next),
        forgetBoundIp ? '1' : '0',
        next.maxViewers === undefined ? '1' : '0',
      );
      if (result === -2) return undefined;
      if (result === -1) throw new TokenConflictError('a revoked token cannot be changed');
      if (result !== 1) continue;
      // The id key and the index live in other slots: moved after the record, which decisions rely on.
      const member = `${listPosition(next)}:${hash}`;
      await Promise.all([
        this.redis.pexpireat(this.idKey(id), purgeAt),
        this.scripts.wtaIndex(this.indexKey(), this.expiryIndexKey(), member, purgeAt, '0'),
      ]);
      return { record: next, usage: { ...current.usage, boundIp: forgetBoundIp ? null : current.usage.boundIp } };
    }
    throw new TokenConflictError('the token kept changing during the update; try again');
  }

  async revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined> {
    const hash = await this.redis.get(this.idKey(id));
    if (hash === null) return undefined;
    const reply = await this.scripts.wtaRevoke(this.recordKey(hash), redisInteger(revokedAt));
    if (!Array.isArray(reply)) return undefined;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fromHash(fields);
  }

  async scan(after: string | undefined, count: number, now: number): Promise<ScanBatch> {
    if (after === undefined) await this.scripts.wtaPruneIndex(this.indexKey(), this.expiryIndexKey(), redisInteger(now));
    const members = await this.redis.zrevrangebylex(this.indexKey(), after === undefined ? '+' : `(${after}`, '-', 'LIMIT', 0, count);
    const read = await Promise.all(
      members.map(async (member) => {
        const position = member.slice(0, POSITION_LENGTH);
        const entry = entryFromHash(await this.redis.hgetall(this.recordKey(member.slice(POSITION_LENGTH + 1))));
        // An index entry whose record is gone (expired early, or a rolled-back batch) is dropped on the way.
        if (!entry) await this.redis.multi().zrem(this.indexKey(), member).zrem(this.expiryIndexKey(), member).exec();
        return entry && { position, entry };
      }),
    );
    return {
      entries: read.filter((item): item is ScannedEntry => item !== undefined),
      last: members.at(-1)?.slice(0, POSITION_LENGTH),
      done: members.length < count,
    };
  }

  async listSessions(id: string): Promise<ViewerSession[] | undefined> {
    const hash = await this.redis.get(this.idKey(id));
    if (hash === null) return undefined;
    const ledger = await this.redis.hgetall(this.sessionsKey(hash));
    return Object.entries(ledger)
      .map(([sessionId, value]) => {
        const [first = '0', last = '0', ...ip] = value.split('|');
        const address = ip.join('|');
        return { id: sessionId, ip: address === '' ? null : address, firstSeenAt: Number(first), lastSeenAt: Number(last) };
      })
      .sort((a, b) => a.firstSeenAt - b.firstSeenAt);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}

/** The commands defined with defineCommand, which ioredis's types cannot know about. */
interface ScriptCommands {
  wtaRevoke(key: string, revokedAt: string): Promise<unknown>;
  wtaAuthorize(...args: string[]): Promise<unknown>;
  wtaCreate(key: string, data: string, purgeAt: string, ipRanges: string): Promise<unknown>;
  wtaUpdate(...args: string[]): Promise<unknown>;
  wtaDeleteIfOurs(record: string, sessions: string, active: string, data: string): Promise<unknown>;
  wtaDeleteIdIfOurs(key: string, hash: string): Promise<unknown>;
  wtaIndex(index: string, expiryIndex: string, member: string, purgeAt: string, added: '1' | '0'): Promise<unknown>;
  wtaPruneIndex(index: string, expiryIndex: string, now: string): Promise<unknown>;
}

/** The stored JSON: revocation lives in its own field so that revoking never rewrites the record. */
function dataOf(record: TokenRecord): string {
  return JSON.stringify({ ...record, revokedAt: null });
}

function rangesOf(record: TokenRecord): string {
  return record.allowedIps ? JSON.stringify(ipRangesOf(record.allowedIps)) : '';
}

function fromHash(fields: Record<string, string>): TokenRecord | undefined {
  if (fields.data === undefined) return undefined;
  const record = JSON.parse(fields.data) as TokenRecord;
  record.revokedAt = fields.revokedAt === undefined ? null : Number(fields.revokedAt);
  return record;
}

/** fromHash for the decision: a record that does not parse is refused (unreadable_record), not a store failure. */
function readRecord(fields: Record<string, string>): TokenRecord | undefined {
  try {
    return fromHash(fields);
  } catch {
    return undefined;
  }
}

function entryFromHash(fields: Record<string, string>): TokenEntry | undefined {
  const record = fromHash(fields);
  if (!record) return undefined;
  const usage: TokenUsage = { uses: Number(fields.uses ?? 0), boundIp: fields.boundIp ?? null };
  return { record, usage };
}
