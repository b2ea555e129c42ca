import { NO_USAGE, tokenState, type TokenRecord, type TokenUsage, type ViewerSession } from './token-record.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The admin API's representation of a record: ISO times and a derived state. Never contains the token. */
export function toTokenView(record: TokenRecord, now: number, usage: TokenUsage = NO_USAGE) {
  return {
    id: record.id,
    type: 'opaque' as const,
    state: tokenState(record, now, usage),
    streams: record.streams,
    appKeys: record.appKeys,
    actions: record.actions,
    notBefore: iso(record.notBefore),
    expiresAt: iso(record.expiresAt),
    headers: record.headers,
    metadata: record.metadata,
    createdAt: iso(record.createdAt),
    revokedAt: iso(record.revokedAt),
    disabled: record.disabled,
    maxUses: record.maxUses ?? null,
    maxViewers: record.maxViewers ?? null,
    allowedIps: record.allowedIps ?? null,
    bindIpOnFirstUse: record.bindIpOnFirstUse ?? false,
    viewerId: record.viewerId ?? null,
    maxViewerSessions: record.maxViewerSessions ?? null,
    uses: usage.uses,
    boundIp: usage.boundIp,
  };
}

/** A viewer session as the admin API shows it; `active` means it counts towards maxViewers right now. */
export function toSessionView(session: ViewerSession, now: number, viewerWindowMs: number) {
  return {
    id: session.id,
    ip: session.ip,
    firstSeenAt: new Date(session.firstSeenAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    active: now - session.lastSeenAt < viewerWindowMs,
  };
}
