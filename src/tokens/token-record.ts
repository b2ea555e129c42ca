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
  // Policies, each absent when unused. Limits count viewer sessions (see viewer-session.ts).
  /** Distinct viewer sessions the token may start; the same session again uses nothing. 1 = one-time token. */
  maxUses?: number;
  /** Viewer sessions active at once (a session is active for VIEWER_SESSION_WINDOW_SECONDS after its last check). */
  maxViewers?: number;
  /** Canonical CIDR ranges (IPv4 or IPv6) the client IP must fall in. */
  allowedIps?: string[];
  /** The first client IP that uses the token is recorded; requests from other IPs are refused. */
  bindIpOnFirstUse?: boolean;
  /** The operator's own id of the viewer (not a secret): its sessions count across all its tokens and streams. */
  viewerId?: string;
  /** Live sessions this token's viewer may have across all tokens (else VIEWER_MAX_SESSIONS). */
  maxViewerSessions?: number;
}

/** What decisions have done to a token so far: kept apart from the record, which only the admin API changes. */
export interface TokenUsage {
  /** Viewer sessions started (recorded; see TOKEN_SESSIONS_RECORDED_MAX for tokens without maxUses). */
  uses: number;
  /** With bindIpOnFirstUse: the client IP the token is bound to, once used. */
  boundIp: string | null;
}

export const NO_USAGE: TokenUsage = Object.freeze({ uses: 0, boundIp: null });

/** One viewer session a token started, as the admin API lists it. Times are milliseconds since the epoch. */
export interface ViewerSession {
  id: string;
  ip: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
}

export const TOKEN_STATES = ['active', 'pending', 'exhausted', 'expired', 'disabled', 'revoked'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export function tokenState(record: TokenRecord, now: number, usage: TokenUsage = NO_USAGE): TokenState {
  if (record.revokedAt !== null) return 'revoked';
  if (record.disabled) return 'disabled';
  if (record.expiresAt <= now) return 'expired';
  if (record.notBefore !== null && record.notBefore > now) return 'pending';
  // Still valid for the sessions it already started, but it admits no new one.
  if (record.maxUses !== undefined && usage.uses >= record.maxUses) return 'exhausted';
  return 'active';
}
