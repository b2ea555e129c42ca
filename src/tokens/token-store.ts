import type { NormalizedIp } from '../shared/ip-address.js';
import type { SessionCheck } from './sessions/session-registry.js';
import type { TokenRecord, TokenUsage, ViewerSession } from './token-record.js';
import type { AccessRequest, TokenDenyReason } from './token-verifier.js';

/** A record with what decisions did to it: the admin API's unit. */
export interface TokenEntry {
  record: TokenRecord;
  usage: TokenUsage;
}

/** What one decision needs besides the request: the viewer session it belongs to and how sessions are counted. */
export interface PolicyCheck {
  /** The viewer session (see viewerSessionKey): the unit of maxUses and maxViewers. */
  sessionId: string;
  clientIp: NormalizedIp | undefined;
  now: number;
  /** A session is active for this long after its last check (maxViewers). */
  viewerWindowMs: number;
  /** Sessions recorded per token without maxUses (tokens with maxUses record every session they start). */
  recordedSessionsMax: number;
  /** The live session registry's part (per-viewer limit, kick); absent = the registry is not involved. */
  session?: SessionCheck | undefined;
  /**
   * Wall-clock ms (Date.now(), not the injected clock: Redis compares it with its own TIME) from which the decision
   * must not change state any more, because its answer has been given without the store. An allowed, consuming
   * decision at or after it writes nothing and rejects with PastDeadlineError. Absent: no deadline.
   */
  writeDeadline?: number | undefined;
}

/** Whether a write deadline (wall-clock ms, see PolicyCheck.writeDeadline) has come; absent never comes. */
export function isPastDeadline(writeDeadline: number | undefined): boolean {
  return writeDeadline !== undefined && Date.now() >= writeDeadline;
}

/** A decision that would have changed state after its write deadline: nothing was written. */
export class PastDeadlineError extends Error {
  constructor() {
    super('the decision reached the store after its deadline; nothing was written');
    this.name = 'PastDeadlineError';
  }
}

/**
 * The record a decision looked at, and why it refuses (null: it allows). A stored record the store cannot read
 * (corrupt JSON, wrong shape) refuses that token as `unreadable_record`: never a store failure, which
 * STORE_FAILURE_POLICY=allow would turn into an allow.
 */
export type PolicyOutcome = { record: TokenRecord; reason: TokenDenyReason | null } | { record: null; reason: 'unreadable_record' };

/** One position of the listing order (newest first), with its entry. */
export interface ScannedEntry {
  /** `<createdAt, 15 digits>:<token id>`: sorts like the listing and is what a cursor carries. */
  position: string;
  entry: TokenEntry;
}

export interface ScanBatch {
  entries: ScannedEntry[];
  /** The last position looked at (also when its record was gone); undefined when nothing was left. */
  last: string | undefined;
  /** True when nothing comes after `last`. */
  done: boolean;
}

export class TokenConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenConflictError';
  }
}

/**
 * Where opaque token records live. Every implementation passes test/tokens/token-store.contract.ts and
 * test/tokens/token-policies.contract.ts. Records are keyed by the SHA-256 of the token; the token itself never
 * reaches a store.
 */
export interface TokenStore {
  readonly kind: 'memory' | 'redis';
  /** Saves a new record; it disappears by itself after `record.expiresAt` plus the store's retention. */
  create(tokenHash: string, record: TokenRecord): Promise<void>;
  /**
   * Saves several new records, all or none: when one cannot be saved, those already saved are removed again
   * before the promise rejects.
   */
  createMany(items: readonly { tokenHash: string; record: TokenRecord }[]): Promise<void>;
  /** The plain lookup (no policy, no state change). */
  findByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  findById(id: string): Promise<TokenRecord | undefined>;
  findEntryById(id: string): Promise<TokenEntry | undefined>;
  /**
   * The decision, in one atomic step (one round trip): checks every rule and policy of the record against the
   * request and, when the request consumes and is allowed, records its viewer session (use, activity, bound IP).
   * A refused or non-consuming request changes nothing. undefined: no such token.
   */
  authorize(tokenHash: string, request: AccessRequest, check: PolicyCheck): Promise<PolicyOutcome | undefined>;
  /**
   * Replaces the record of a live, unrevoked token with `change(current)`; storage expiry follows the new
   * expiresAt. Rejects with TokenConflictError for a revoked token, and with whatever `change` throws.
   * undefined: no such token.
   */
  update(id: string, change: (current: TokenEntry) => TokenRecord, now: number): Promise<TokenEntry | undefined>;
  /** Marks the record revoked (final). Returns the updated record, or undefined if there is none. */
  revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined>;
  /** Listing order, newest first: up to `count` positions after `after` (exclusive). */
  scan(after: string | undefined, count: number, now: number): Promise<ScanBatch>;
  /** The viewer sessions a token recorded, oldest first. undefined: no such token. */
  listSessions(id: string): Promise<ViewerSession[] | undefined>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
