import type { Clock } from '../shared/clock.js';
import { checkGrant, type Grant } from './grant.js';
import { IpRangeList } from '../shared/ip-address.js';
import { ExpirySchedule } from '../shared/expiry-schedule.js';
import { ListOrder } from './memory-list-order.js';
import { checkSessions, newEntry, recordSession, snapshot, type MemoryTokenEntry } from './memory-token-entry.js';
import type { TokenRecord, ViewerSession } from './token-record.js';
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
import type { AccessRequest } from './token-verifier.js';
import { NO_SESSIONS, storedRecord } from './memory-shared-parts.js';
import type { SyncAuthorizer } from './sync-authorizer.js';
import type { MemorySessionRegistry } from './sessions/memory-session-registry.js';
import { sessionTokenOf } from './sessions/session-registry.js';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * In-process store: the embedded default, for trying the service and for single-instance setups that can lose
 * their tokens on restart. Records are copied in and deeply frozen, then handed out as they are: callers cannot
 * change stored state by accident (a write throws), and a decision copies nothing. A change replaces the record.
 * A decision runs synchronously from lookup to state change (no await in between), which makes it as atomic in
 * one process as the Redis script is across processes.
 */
export class MemoryTokenStore implements TokenStore, SyncAuthorizer {
  readonly kind = 'memory';
  private readonly byHash = new Map<string, MemoryTokenEntry>();
  private readonly hashById = new Map<string, string>();
  /** The tokens in listing order, for scan. */
  private readonly order = new ListOrder();
  /** Tokens by when they are gone (`expiresAt` + retention): the sweep visits only those whose time has come. */
  private readonly expiring = new ExpirySchedule<MemoryTokenEntry>(SWEEP_INTERVAL_MS);
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
    const entries = items.map(({ tokenHash, record }) => newEntry(tokenHash, record));
    for (const entry of entries) {
      this.byHash.set(entry.hash, entry);
      this.hashById.set(entry.record.id, entry.hash);
      this.order.add(entry);
      this.expireLater(entry);
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
    const expiresAt = entry.record.expiresAt;
    entry.record = storedRecord({ ...next, id: entry.record.id, createdAt: entry.record.createdAt, revokedAt: null });
    if (entry.record.expiresAt !== expiresAt) this.expireLater(entry);
    entry.ipRules = next.allowedIps ? IpRangeList.fromCidrs(next.allowedIps) : undefined;
    if (!next.bindIpOnFirstUse && entry.usage.boundIp !== null) entry.usage.boundIp = null;
    if (next.maxViewers === undefined) entry.active = undefined;
    return snapshot(entry);
  }

  async revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined> {
    const entry = this.entryById(id);
    if (!entry) return undefined;
    // Final, and the first time is kept; the frozen record is replaced, never changed in place.
    if (entry.record.revokedAt === null) entry.record = storedRecord({ ...entry.record, revokedAt });
    return entry.record;
  }

  /** `count` slots of the listing order, newest first, as the Redis index is read: the gone ones are skipped. */
  async scan(after: string | undefined, count: number): Promise<ScanBatch> {
    const entries: ScanBatch['entries'] = [];
    let last: string | undefined;
    let slot = this.order.startBefore(after);
    for (const end = slot - count; slot > end && slot >= 0; slot--) {
      last = this.order.positionAt(slot);
      const entry = this.order.entryAt(slot);
      if (this.live(entry.hash) === entry) entries.push({ position: last, entry: snapshot(entry) });
    }
    return { entries, last, done: slot < 0 };
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

  private entryById(id: string): MemoryTokenEntry | undefined {
    const hash = this.hashById.get(id);
    return hash === undefined ? undefined : this.live(hash);
  }

  /** Mirrors Redis key expiry: a record past `expiresAt` + retention is gone, with its sessions. */
  private live(hash: string): MemoryTokenEntry | undefined {
    const entry = this.byHash.get(hash);
    if (entry && entry.record.expiresAt + this.retentionMs <= this.clock.now()) {
      this.byHash.delete(hash);
      this.hashById.delete(entry.record.id);
      this.order.removed();
      return undefined;
    }
    return entry;
  }

  private expireLater(entry: MemoryTokenEntry): void {
    this.expiring.add(entry, entry.record.expiresAt + this.retentionMs);
  }

  /** Drops the tokens that are gone; one whose expiry a change moved on is filed again and stays. */
  private sweep(): void {
    this.expiring.takeDue(this.clock.now(), (entry) => {
      if (this.byHash.get(entry.hash) === entry) this.live(entry.hash);
    });
    this.order.compact((entry) => this.byHash.get(entry.hash) === entry);
  }
}
