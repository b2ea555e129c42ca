import { IpRangeList } from '../shared/ip-address.js';
import { NO_SESSIONS, UNUSED, storedRecord } from './memory-shared-parts.js';
import type { TokenRecord, TokenUsage, ViewerSession } from './token-record.js';
import type { PolicyCheck, TokenEntry } from './token-store.js';
import type { TokenDenyReason } from './token-verifier.js';

/** One token in the memory store: its frozen record and the state its decisions keep. */
export interface MemoryTokenEntry {
  hash: string;
  record: TokenRecord;
  ipRules: IpRangeList | undefined;
  usage: TokenUsage;
  /** Every session the token started (tokens without maxUses: up to recordedSessionsMax); made at the first. */
  sessions: Map<string, ViewerSession> | undefined;
  /** Session → last check, kept only while the token has maxViewers; made at the first. */
  active: Map<string, number> | undefined;
}

export function newEntry(hash: string, record: TokenRecord): MemoryTokenEntry {
  return {
    hash,
    record: storedRecord(structuredClone(record)),
    ipRules: record.allowedIps ? IpRangeList.fromCidrs(record.allowedIps) : undefined,
    usage: UNUSED,
    sessions: undefined,
    active: undefined,
  };
}

/** What the store hands out: copies, so a caller cannot change the stored state. */
export function snapshot(entry: MemoryTokenEntry): TokenEntry {
  return { record: structuredClone(entry.record), usage: { ...entry.usage } };
}

/** The stateful policies, in the order the Redis script checks them. */
export function checkSessions(entry: MemoryTokenEntry, check: PolicyCheck): TokenDenyReason | null {
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

/** What an allowed, consuming decision leaves behind: the use, the bound address, the session and its last check. */
export function recordSession(entry: MemoryTokenEntry, check: PolicyCheck): void {
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
