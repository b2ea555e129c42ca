import type { TokenRecord } from './token-record.js';

/**
 * Where opaque token records live. Every implementation passes test/tokens/token-store.contract.ts.
 * Records are keyed by the SHA-256 of the token; the token itself never reaches a store.
 */
export interface TokenStore {
  readonly kind: 'memory' | 'redis';
  /** Saves a new record; it disappears by itself after `record.expiresAt` plus the store's retention. */
  create(tokenHash: string, record: TokenRecord): Promise<void>;
  /** The decision's lookup: one round trip at most. */
  findByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  findById(id: string): Promise<TokenRecord | undefined>;
  /** Marks the record revoked (final). Returns the updated record, or undefined if there is none. */
  revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
