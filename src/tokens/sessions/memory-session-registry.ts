import { isPastDeadline, PastDeadlineError } from '../token-store.js';
import {
  matches,
  NO_SESSION_CHANGE,
  type LiveSession,
  type Page,
  type QueuedEvent,
  type SessionCheck,
  type SessionEndCause,
  type SessionFilter,
  type SessionOutcome,
  type SessionRegistry,
  type SessionSettings,
  type SessionToken,
  type StreamCount,
  type WebhookEventType,
} from './session-registry.js';

const ENDED_KEEP_MS = 86_400_000;

interface Live {
  session: LiveSession;
  viewerId: string;
  expiresAt: number;
}

/**
 * The registry in this process, for the memory store: same rules as the Redis scripts, run synchronously inside
 * the memory store's decision (so as atomic as it). Its webhook queue lives in this process too: a restart loses
 * the events not yet delivered (documented; use the Redis store for durable delivery).
 */
export class MemorySessionRegistry implements SessionRegistry {
  readonly kind = 'memory';
  onOutcome?: ((outcome: SessionOutcome) => void) | undefined;
  private readonly live = new Map<string, Live>();
  /**
   * Session ids by the viewer each started under, and by token: a viewer's limit and a token's revocation read only
   * their own sessions, never the whole registry (as the Redis scripts read `v:` and `t:`).
   */
  private readonly byViewer = new Map<string, Set<string>>();
  private readonly byToken = new Map<string, Set<string>>();
  private readonly ended = new Map<string, { cause: SessionEndCause; until: number }>();
  private readonly queue = new Map<string, { event: QueuedEvent; dueAt: number }>();
  private pending: { check: SessionCheck; token: SessionToken; stale: boolean; live: boolean; replace: number } | undefined;

  constructor(readonly settings: SessionSettings) {}

  async decide(check: SessionCheck, token: SessionToken, consume: boolean, now: number, writeDeadline?: number): Promise<SessionOutcome> {
    const reason = this.check(check, token, consume, now);
    if (reason !== null || !consume) return { ...NO_SESSION_CHANGE, reason };
    if (isPastDeadline(writeDeadline)) throw new PastDeadlineError();
    return this.commit(token, now, 0, 0);
  }

  /** The check half of a decision; a following commit (same tick, no await between) records it. */
  check(check: SessionCheck, token: SessionToken, consume: boolean, now: number): SessionOutcome['reason'] {
    this.pending = undefined;
    const ended = this.ended.get(check.id);
    if (ended && ended.until > now) return ended.cause === 'replaced' ? 'session_replaced' : 'session_ended';
    if (!consume) return null;
    const cutoff = now - this.settings.windowMs;
    const current = this.live.get(check.id);
    const live = current !== undefined && current.session.lastSeenAt > cutoff;
    this.pending = { check, token, stale: current !== undefined && !live, live, replace: 0 };
    const viewerId = token.viewerId ?? '';
    const limit = token.maxViewerSessions ?? this.settings.defaultMaxViewerSessions;
    if (live || viewerId === '' || limit <= 0) return null;
    const count = this.viewerSessions(viewerId, cutoff).length;
    if (count >= limit) {
      if (this.settings.limitMode !== 'replace') return 'viewer_session_limit';
      this.pending.replace = count - limit + 1;
    }
    return null;
  }

  /** The commit half: after the token's own state changes, with the uses before and after (token.exhausted). */
  commit(token: SessionToken, now: number, usesBefore: number, usesAfter: number): SessionOutcome {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return NO_SESSION_CHANGE;
    const { check } = pending;
    if (pending.stale) this.endSession(check.id, 'idle', now);
    const viewerId = token.viewerId ?? '';
    if (pending.replace > 0) {
      const oldest = this.viewerSessions(viewerId, now - this.settings.windowMs).sort((a, b) => a.session.lastSeenAt - b.session.lastSeenAt);
      for (const victim of oldest.slice(0, pending.replace)) this.endSession(victim.session.id, 'replaced', now);
    }
    const current = this.live.get(check.id);
    if (current && pending.live) {
      current.session.lastSeenAt = now;
      current.session.checks++;
    } else {
      const session: LiveSession = {
        id: check.id,
        tokenId: token.id,
        viewerId: viewerId === '' ? null : viewerId,
        stream: check.stream,
        appKey: check.appKey,
        clientIp: check.clientIp === '' ? null : check.clientIp,
        method: check.method,
        startedAt: now,
        lastSeenAt: now,
        checks: 1,
      };
      this.live.set(check.id, { session, viewerId, expiresAt: token.expiresAt });
      if (viewerId !== '') addTo(this.byViewer, viewerId, check.id);
      addTo(this.byToken, token.id, check.id);
      this.enqueue(`evt_${check.id}_${now}_started`, 'session.started', eventView(session), now);
    }
    if (token.maxUses !== undefined && usesBefore < token.maxUses && usesAfter >= token.maxUses) {
      this.enqueue(`evt_${token.id}_exhausted`, 'token.exhausted', { tokenId: token.id, maxUses: token.maxUses, at: now }, now);
    }
    const outcome = { reason: null, started: !pending.live, replaced: pending.replace, idle: pending.stale ? 1 : 0 };
    this.onOutcome?.(outcome);
    return outcome;
  }

  async list(filter: SessionFilter, cursor: string | undefined, limit: number, now: number): Promise<Page<LiveSession>> {
    const cutoff = now - this.settings.windowMs;
    // With a token, only its own sessions are read (as the Redis registry reads its set).
    const candidates = filter.tokenId === undefined ? [...this.live.values()] : [...(this.byToken.get(filter.tokenId) ?? [])].map((id) => this.live.get(id) as Live);
    const all = candidates
      .map(({ session }) => session)
      .filter((session) => session.lastSeenAt > cutoff && (cursor === undefined || session.id > cursor) && matches(session, filter))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const items = all.slice(0, limit).map((session) => ({ ...session }));
    return { items, nextCursor: all.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  async streams(cursor: string | undefined, limit: number): Promise<Page<StreamCount>> {
    const counts = new Map<string, StreamCount>();
    for (const { session } of this.live.values()) {
      // Any character may be in either, so no joiner would keep them apart: the pair, as the Redis scripts key it.
      const key = JSON.stringify([session.appKey, session.stream]);
      const entry = counts.get(key) ?? { stream: session.stream, appKey: session.appKey, sessions: 0 };
      entry.sessions++;
      counts.set(key, entry);
    }
    const offset = cursor === undefined ? 0 : Number(cursor);
    const sorted = [...counts.values()].sort((a, b) => b.sessions - a.sessions || (a.stream < b.stream ? -1 : 1));
    const items = sorted.slice(offset, offset + limit);
    return { items, nextCursor: offset + limit < sorted.length ? String(offset + limit) : null };
  }

  async end(id: string, cause: SessionEndCause, now: number): Promise<string | undefined> {
    const tokenId = this.live.get(id)?.session.tokenId;
    return this.endSession(id, cause, now) ? tokenId : undefined;
  }

  async tokenRevoked(tokenId: string, now: number): Promise<number> {
    this.enqueue(`evt_${tokenId}_revoked`, 'token.revoked', { tokenId, revokedAt: now }, now);
    let ended = 0;
    for (const id of [...(this.byToken.get(tokenId) ?? [])]) if (this.endSession(id, 'token_revoked', now)) ended++;
    return ended;
  }

  async sweep(now: number, max: number): Promise<number> {
    const cutoff = now - this.settings.windowMs;
    let ended = 0;
    // Without a copy of the registry: a Map may lose the entry being visited.
    for (const [id, { session }] of this.live) {
      if (ended >= max) break;
      if (session.lastSeenAt <= cutoff && this.endSession(id, 'idle', now)) ended++;
    }
    for (const [id, mark] of this.ended) if (mark.until <= now) this.ended.delete(id);
    return ended;
  }

  async activeCount(now: number): Promise<number> {
    const cutoff = now - this.settings.windowMs;
    let count = 0;
    for (const { session } of this.live.values()) if (session.lastSeenAt > cutoff) count++;
    return count;
  }

  async queueDepth(): Promise<number> {
    return this.queue.size;
  }

  async claim(now: number, max: number, leaseMs: number): Promise<QueuedEvent[]> {
    const due = [...this.queue.values()].filter((item) => item.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt).slice(0, max);
    for (const item of due) item.dueAt = now + leaseMs;
    return due.map((item) => structuredClone(item.event));
  }

  async settle(id: string, next: QueuedEvent | undefined, dueAt: number): Promise<void> {
    if (!this.queue.has(id)) return;
    if (next === undefined) this.queue.delete(id);
    else this.queue.set(id, { event: structuredClone(next), dueAt });
  }

  private viewerSessions(viewerId: string, cutoff: number): Live[] {
    const found: Live[] = [];
    for (const id of this.byViewer.get(viewerId) ?? []) {
      const item = this.live.get(id);
      if (item !== undefined && item.session.lastSeenAt > cutoff) found.push(item);
    }
    return found;
  }

  private endSession(id: string, cause: SessionEndCause, now: number): boolean {
    const item = this.live.get(id);
    if (!item) return false;
    this.live.delete(id);
    removeFrom(this.byViewer, item.viewerId, id);
    removeFrom(this.byToken, item.session.tokenId, id);
    if (cause !== 'idle') {
      const until = Math.max(Math.min(item.expiresAt, now + ENDED_KEEP_MS), now + this.settings.windowMs);
      this.ended.set(id, { cause, until });
    }
    this.enqueue(`evt_${id}_${item.session.startedAt}_ended`, 'session.ended', { ...eventView(item.session), cause, endedAt: now, lastSeenAt: item.session.lastSeenAt, checks: item.session.checks }, now);
    return true;
  }

  private enqueue(id: string, type: WebhookEventType, data: Record<string, unknown>, now: number): void {
    if (!this.settings.events.includes(type) || this.queue.has(id)) return;
    this.queue.set(id, { event: { id, type, at: now, data, attempt: 0 }, dueAt: now });
  }
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) index.set(key, new Set([id]));
  else ids.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids?.delete(id) === true && ids.size === 0) index.delete(key);
}

/** The session as events carry it (the same fields as the Redis scripts write). */
function eventView(session: LiveSession): Record<string, unknown> {
  const { id, tokenId, viewerId, stream, appKey, clientIp, method, startedAt } = session;
  return { id, tokenId, viewerId, stream, appKey, clientIp, method, startedAt };
}
