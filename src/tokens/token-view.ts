import { tokenState, type TokenRecord } from './token-record.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The admin API's representation of a record: ISO times and a derived state. Never contains the token. */
export function toTokenView(record: TokenRecord, now: number) {
  return {
    id: record.id,
    type: 'opaque' as const,
    state: tokenState(record, now),
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
  };
}
