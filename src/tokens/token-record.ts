export const ACTIONS = ['play', 'publish'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * What the service keeps about an opaque token. The token itself is never part of it: the store keys the record
 * by the token's SHA-256. Times are milliseconds since the epoch.
 */
export interface TokenRecord {
  /** Public, non-secret identifier (`tok_…`), used by the admin API, logs and audit lines. */
  id: string;
  /** Exact stream names or `*` globs. */
  streams: string[];
  /** WCS applications the token is valid for; null means any. */
  appKeys: string[] | null;
  actions: Action[];
  notBefore: number | null;
  expiresAt: number;
  /** Added to the 200 answer when this token allows a request. */
  headers: Record<string, string>;
  metadata: Record<string, unknown>;
  createdAt: number;
  disabled: boolean;
  revokedAt: number | null;
}

export type TokenState = 'active' | 'pending' | 'expired' | 'disabled' | 'revoked';

export function tokenState(record: TokenRecord, now: number): TokenState {
  if (record.revokedAt !== null) return 'revoked';
  if (record.disabled) return 'disabled';
  if (record.expiresAt <= now) return 'expired';
  if (record.notBefore !== null && record.notBefore > now) return 'pending';
  return 'active';
}
