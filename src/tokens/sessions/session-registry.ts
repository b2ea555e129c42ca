import { sha256Hex } from '../../shared/secrets.js';

/** Why a live session ended: the `cause` of session.ended and the label of wcs_auth_sessions_ended_total. */
export const SESSION_END_CAUSES = ['idle', 'replaced', 'kicked', 'token_revoked'] as const;
export type SessionEndCause = (typeof SESSION_END_CAUSES)[number];

export const VIEWER_LIMIT_MODES = ['refuse', 'replace'] as const;
export type ViewerLimitMode = (typeof VIEWER_LIMIT_MODES)[number];

export const WEBHOOK_EVENT_TYPES = ['session.started', 'session.ended', 'token.exhausted', 'token.revoked'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How the registry counts and what it tells; from VIEWER_* and WEBHOOK_EVENTS (no URL: no event is queued). */
export interface SessionSettings {
  /** VIEWER_SESSION_WINDOW_SECONDS in ms: a session is live this long after its last check. */
  windowMs: number;
  /** VIEWER_MAX_SESSIONS: the per-viewer limit for tokens that set none; 0 = none. */
  defaultMaxViewerSessions: number;
  limitMode: ViewerLimitMode;
  /** Event types queued for webhooks; empty when no WEBHOOK_URL is set. */
  events: readonly WebhookEventType[];
}

/** The token as the session part of a decision sees it. */
export interface SessionToken {
  id: string;
  viewerId?: string | undefined;
  maxViewerSessions?: number | undefined;
  maxUses?: number | undefined;
  expiresAt: number;
}

/** The session part of one decision (PolicyCheck.session). */
export interface SessionCheck {
  /** The live session id (sessionIdFor): the same viewer session of the same token always has the same one. */
  id: string;
  stream: string;
  appKey: string;
  clientIp: string;
  /** The WCS method (or `nginx`) that asked. */
  method: string;
}

export interface LiveSession {
  id: string;
  tokenId: string;
  viewerId: string | null;
  stream: string;
  appKey: string;
  clientIp: string | null;
  method: string;
  startedAt: number;
  lastSeenAt: number;
  checks: number;
}

export interface StreamCount {
  stream: string;
  appKey: string;
  sessions: number;
}

export interface SessionFilter {
  stream?: string | undefined;
  appKey?: string | undefined;
  viewerId?: string | undefined;
  tokenId?: string | undefined;
}

/** One queued webhook event; `done` lists the URLs (by index) that already accepted it. */
export interface QueuedEvent {
  id: string;
  type: WebhookEventType;
  at: number;
  data: Record<string, unknown>;
  attempt: number;
  done?: number[];
}

/** Whether a live session passes GET /v1/sessions' filters (both registries apply them alike). */
export function matches(session: LiveSession, filter: SessionFilter): boolean {
  return (
    (filter.stream === undefined || session.stream === filter.stream) &&
    (filter.appKey === undefined || session.appKey === filter.appKey) &&
    (filter.viewerId === undefined || session.viewerId === filter.viewerId) &&
    (filter.tokenId === undefined || session.tokenId === filter.tokenId)
  );
}

export interface Page<T> {
  items: T[];
  /** null: nothing after this page. */
  nextCursor: string | null;
}

/**
 * Live viewer sessions across tokens, the ended-session marks, and the webhook queue: kept next to the tokens
 * (Redis, or this process for the memory store). Decisions reach it through the token store's authorize (one
 * atomic step); everything else goes through here.
 */
export interface SessionRegistry {
  readonly settings: SessionSettings;
  /**
   * The session part of a decision whose token is no stored record (a JWT): check, and record when it consumes.
   * At or after `writeDeadline` (wall-clock ms, see PolicyCheck.writeDeadline) an allowed, consuming decision
   * records nothing and rejects with PastDeadlineError.
   */
  decide(check: SessionCheck, token: SessionToken, consume: boolean, now: number, writeDeadline?: number): Promise<SessionOutcome>;
  list(filter: SessionFilter, cursor: string | undefined, limit: number, now: number): Promise<Page<LiveSession>>;
  streams(cursor: string | undefined, limit: number): Promise<Page<StreamCount>>;
  /** Ends one session now and tells its token id; undefined when there is no such session. */
  end(id: string, cause: SessionEndCause, now: number): Promise<string | undefined>;
  /** token.revoked, and every live session of the token ends (cause token_revoked). Returns how many ended. */
  tokenRevoked(tokenId: string, now: number): Promise<number>;
  /** Ends sessions idle for the window (at most `max`), once across instances. Returns how many ended. */
  sweep(now: number, max: number): Promise<number>;
  activeCount(now: number): Promise<number>;
  queueDepth(): Promise<number>;
  /** Due events, leased for `leaseMs` (another instance takes them over if this one does not settle them). */
  claim(now: number, max: number, leaseMs: number): Promise<QueuedEvent[]>;
  /** next undefined: delivered to every URL, forget it; otherwise keep it for another attempt at `dueAt`. */
  settle(id: string, next: QueuedEvent | undefined, dueAt: number): Promise<void>;
  /** Told what each decision did to the registry (for metrics). */
  onOutcome?: ((outcome: SessionOutcome) => void) | undefined;
  /** Told of an event the store failed to queue (Redis Cluster's token.exhausted, queued after the decision; token.revoked). */
  onEventLost?: ((type: WebhookEventType, tokenId: string, error: unknown) => void) | undefined;
}

/** A decision refused for its viewer session. */
export const SESSION_REFUSALS = ['viewer_session_limit', 'session_ended', 'session_replaced'] as const;
export type SessionRefusal = (typeof SESSION_REFUSALS)[number];

export function isSessionRefusal(reason: string): reason is SessionRefusal {
  return (SESSION_REFUSALS as readonly string[]).includes(reason);
}

/** The session part of a decision whose token is no stored record (a JWT): which session, and the token as it sees it. */
export interface SessionPart {
  check: SessionCheck;
  token: SessionToken;
}

/** What the session part of one decision did: a refusal reason, or what it started or ended. */
export interface SessionOutcome {
  reason: SessionRefusal | null;
  started: boolean;
  replaced: number;
  idle: number;
}

export const NO_SESSION_CHANGE: SessionOutcome = Object.freeze({ reason: null, started: false, replaced: 0, idle: 0 });

/** Reads the outcome string of the Lua scripts ('started,replaced:2,idle:1', 'continued', ''). */
export function parseSessionOutcome(reason: string, text: string): SessionOutcome {
  // Most checks see a live session again: that outcome changes nothing, and needs no parsing (issue 15).
  if (reason === '' && (text === 'continued' || text === '')) return NO_SESSION_CHANGE;
  const parts = text.split(',');
  const count = (name: string) => Number(parts.find((part) => part.startsWith(`${name}:`))?.slice(name.length + 1) ?? 0);
  return {
    reason: reason === '' ? null : (reason as SessionOutcome['reason']),
    started: parts[0] === 'started',
    replaced: count('replaced'),
    idle: count('idle'),
  };
}

/**
 * The live session id: one per viewer session (viewerSessionKey) and token. `tokenRef` is what the store knows
 * before it reads the record (the opaque token's hash, a JWT's id), so the id exists before the decision.
 */
export function sessionIdFor(tokenRef: string, sessionKey: string): string {
  return `ses_${sha256Hex(`${tokenRef}\n${sessionKey}`).slice(0, 32)}`;
}

export const SESSION_ID_PATTERN = /^ses_[0-9a-f]{32}$/;

/** What the session part of a decision needs of an opaque token's record. */
export function sessionTokenOf(record: {
  id: string;
  viewerId?: string;
  maxViewerSessions?: number;
  maxUses?: number;
  expiresAt: number;
}): SessionToken {
  return { id: record.id, viewerId: record.viewerId, maxViewerSessions: record.maxViewerSessions, maxUses: record.maxUses, expiresAt: record.expiresAt };
}
