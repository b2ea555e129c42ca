import type { Clock } from '../shared/clock.js';
import { checkGrant, type Grant } from './grant.js';
import { IpRangeList } from '../shared/ip-address.js';
import { listPosition } from './token-list.js';
import type { TokenRecord, TokenUsage, ViewerSession } from './token-record.js';
import {
  isPastDeadline,
  PastDeadlineError,
  TokenConflictError,
  type PolicyCheck,
  type PolicyOutcome,
  type ScanBatch,
  type TokenEntry,
  type TokenStore,
} from './token-store.js';
import type { AccessRequest, TokenDenyReason } from './token-verifier.js';
import { NO_SESSIONS, UNUSED, sharedParts } from './memory-shared-parts.js';
import type { SyncAuthorizer } from './sync-authorizer.js';
import type { MemorySessionRegistry } from './sessions/memory-session-registry.js';
import { sessionTokenOf } from './sessions/session-registry.js';

const SWEEP_INTERVAL_MS = 60_000;

interface Entry {
  hash: string;
  record: TokenRecord;
  ipRules: IpRangeList | undefined;
  usage: TokenUsage;
  /** Every session the token started (tokens without maxUses: up to recordedSessionsMax); made at the first. */
  sessions: Map<string, ViewerSession> | undefined;
  /** Session → last check, kept only while the token has maxViewers; made at the first. */
  active: Map<string, number> | undefined;
}


/**
 * In-process store: the embedded default, for trying the service and for single-instance setups that can lose
 * their tokens on restart. Records are copied in and deeply frozen, then handed out as they are: callers cannot
 * change stored state by accident (a write throws), and a decision copies nothing. A change replaces the record.
 * A decision runs synchronously from lookup to state change (no await in between), which makes it as atomic in
 * one process as the Redis script is across processes.
 */
export class MemoryTokenStore implements TokenStore, SyncAuthorizer {
  readonly kind = 'memory';
  private readonly byHash = new Map<string, Entry>();
  private readonly hashById = new Map<string, string>();
  private readonly sweeper: NodeJS.Timeout;

  /** @param retentionMs how long a record is kept after it expires, so decisions can still say `expired`. */
  constructor(
    private readonly clock: Clock,
    private readonly retentionMs = 0,
    /** Live sessions across tokens; absent = not kept. */
    readonly sessions?: MemorySessionRegistry,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async create(tokenHash: string, record: TokenRecord): Promise<void> {
    await this.createMany([{ tokenHash, record }]);
  }

  async createMany(items: readonly { tokenHash: string; record: TokenRecord }[]): Promise<void> {
    const hashes = new Set<string>();
    const ids = new Set<string>();
    // Everything is checked before anything is written: all or nothing.
    for (const { tokenHash, record } of items) {
      if (this.live(tokenHash) || this.hashById.has(record.id) || hashes.has(tokenHash) || ids.has(record.id)) {
        throw new Error('token already exists');
      }
      hashes.add(tokenHash);
      ids.add(record.id);
    }
    const entries = items.map(({ tokenHash, record }) => this.newEntry(tokenHash, record));
    for (const entry of entries) {
      this.byHash.set(entry.hash, entry);
      this.hashById.set(entry.record.id, entry.hash);
    }
  }

  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.live(tokenHash)?.record;
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    return this.entryById(id)?.record;
  }

  async findEntryById(id: string): Promise<TokenEntry | undefined> {
    const entry = this.entryById(id);
    return entry && snapshot(entry);
  }

  async authorize(tokenHash: string, request: AccessRequest, check: PolicyCheck): Promise<PolicyOutcome | undefined> {
    return this.authorizeNow(tokenHash, request, check);
  }

  /** authorize without the promise (SyncAuthorizer): the decision runs synchronously anyway. */
  authorizeNow(tokenHash: string, request: AccessRequest, check: PolicyCheck): PolicyOutcome | undefined {
    const entry = this.live(tokenHash);
    if (!entry) return undefined;
    const { record } = entry;
    const grant: Grant = {
      streams: record.streams,
      appKeys: record.appKeys,
      actions: record.actions,
      notBefore: record.notBefore,
      expiresAt: record.expiresAt,
      disabled: record.disabled,
      revoked: record.revokedAt !== null,
      ipRules: entry.ipRules,
    };
    const sessions = check.session && this.sessions;
    const reason =
      checkGrant(grant, request, check.now, check.clientIp) ??
      checkSessions(entry, check) ??
      (sessions && check.session ? sessions.check(check.session, sessionTokenOf(record), request.consume, check.now) : null);
    if (reason === null && request.consume) {
      const usesBefore = entry.usage.uses;
      // As the Redis script does: an answer already given without the store is not followed by a write.
      if (isPastDeadline(check.writeDeadline)) throw new PastDeadlineError();
      recordSession(entry, check);
      if (sessions) sessions.commit(sessionTokenOf(record), check.now, usesBefore, entry.usage.uses);
    }
    return { record, reason };
  }

  async update(id: string, change: (current: TokenEntry) => TokenRecord): Promise<TokenEntry | undefined> {
    const entry = this.entryById(id);
    if (!entry) return undefined;
    if (entry.record.revokedAt !== null) throw new TokenConflictError('a revoked token cannot be changed');
    const next = structuredClone(change(snapshot(entry)));
    entry.record = deepFreeze({ ...next, id: entry.record.id, createdAt: entry.record.createdAt, revokedAt: null });
    entry.ipRules = next.allowedIps ? IpRangeList.fromCidrs(next.allowedIps) : undefined;
    if (!next.bindIpOnFirstUse && entry.usage.boundIp !== null) entry.usage.boundIp = null;
    if (next.maxViewers === undefined) entry.active = undefined;
    return snapshot(entry);
  }

  async revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined> {
    const entry = this.entryById(id);
    if (!entry) return undefined;
    // Final, and the first time is kept; the frozen record is replaced, never changed in place.
    if (entry.record.revokedAt === null) entry.record = deepFreeze({ ...entry.record, revokedAt });
    return entry.record;
  }

  async scan(after: string | undefined, count: number): Promise<ScanBatch> {
    this.sweep();
    const ordered = [...this.byHash.values()]
      .map((entry) => ({ position: listPosition(entry.record), entry }))
      .filter(({ position }) => after === undefined || position < after)
      .sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
    const page = ordered.slice(0, count);
    return {
      entries: page.map(({ position, entry }) => ({ position, entry: snapshot(entry) })),
      last: page.at(-1)?.position,
      done: ordered.length <= count,
    };
  }

  async listSessions(id: string): Promise<ViewerSession[] | undefined> {
    const entry = this.entryById(id);
    if (!entry) return undefined;
    return [...(entry.sessions ?? NO_SESSIONS).values()].map((session) => ({ ...session })).sort((a, b) => a.firstSeenAt - b.firstSeenAt);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private newEntry(hash: string, record: TokenRecord): Entry {
    return {
      hash,
      record: deepFreeze(sharedParts(structuredClone(record))),
      ipRules: record.allowedIps ? IpRangeList.fromCidrs(record.allowedIps) : undefined,
      usage: UNUSED,
      sessions: undefined,
      active: undefined,
    };
  }

  private entryById(id: string): Entry | undefined {
    const hash = this.hashById.get(id);
    return hash === undefined ? undefined : this.live(hash);
  }

  /** Mirrors Redis key expiry: a record past `expiresAt` + retention is gone, with its sessions. */
  private live(hash: string): Entry | undefined {
    const entry = this.byHash.get(hash);
    if (entry && entry.record.expiresAt + this.retentionMs <= this.clock.now()) {
      this.byHash.delete(hash);
      this.hashById.delete(entry.record.id);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const hash of this.byHash.keys()) this.live(hash);
  }
}

function snapshot(entry: Entry): TokenEntry {
  return { record: structuredClone(entry.record), usage: { ...entry.usage } };
}

/** The stateful policies, in the order the Redis script checks them. */
function checkSessions(entry: Entry, check: PolicyCheck): TokenDenyReason | null {
  const { record, usage } = entry;
  if (record.bindIpOnFirstUse && (!check.clientIp || (usage.boundIp !== null && usage.boundIp !== check.clientIp.text))) {
    return 'ip_mismatch';
  }
  if (record.maxUses !== undefined && !entry.sessions?.has(check.sessionId) && usage.uses >= record.maxUses) {
    return 'use_limit_reached';
  }
  if (record.maxViewers !== undefined) {
    const cutoff = check.now - check.viewerWindowMs;
    const last = entry.active?.get(check.sessionId);
    if (last === undefined || last <= cutoff) {
      let activeCount = 0;
      for (const seen of (entry.active ?? NO_SESSIONS).values()) if (seen > cutoff) activeCount++;
      if (activeCount >= record.maxViewers) return 'viewer_limit_reached';
    }
  }
  return null;
}

function recordSession(entry: Entry, check: PolicyCheck): void {
  // Copy on the first write: until then the entry shares the one frozen "never used" state.
  if (entry.usage === UNUSED) entry.usage = { uses: 0, boundIp: null };
  const { record, usage } = entry;
  const ip = check.clientIp?.text ?? null;
  if (record.bindIpOnFirstUse && usage.boundIp === null && ip !== null) usage.boundIp = ip;
  const known = entry.sessions?.get(check.sessionId);
  if (known) {
    known.lastSeenAt = check.now;
  } else if (record.maxUses !== undefined || (entry.sessions?.size ?? 0) < check.recordedSessionsMax) {
    (entry.sessions ??= new Map()).set(check.sessionId, { id: check.sessionId, ip, firstSeenAt: check.now, lastSeenAt: check.now });
    usage.uses += 1;
  }
  if (record.maxViewers !== undefined) {
    const cutoff = check.now - check.viewerWindowMs;
    const active = (entry.active ??= new Map());
    for (const [session, seen] of active) if (seen <= cutoff) active.delete(session);
    active.set(check.sessionId, check.now);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
