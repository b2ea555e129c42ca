import type { RedisClient } from '../../shared/redis-client.js';
import {
  QUEUE_CLAIM_SCRIPT,
  QUEUE_SETTLE_SCRIPT,
  SESSION_DECISION_SCRIPT,
  SESSION_END_SCRIPT,
  SESSION_ENQUEUE_SCRIPT,
  SESSION_SWEEP_SCRIPT,
} from './session-scripts.js';
import {
  matches,
  parseSessionOutcome,
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
} from './session-registry.js';

/** The JSON object the session scripts read from their last argument (see session-scripts.ts). */
export function sessionScriptArgs(
  prefix: string,
  settings: SessionSettings,
  now: number,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    p: prefix,
    now,
    win: settings.windowMs,
    dmvs: settings.defaultMaxViewerSessions,
    mode: settings.limitMode,
    ev: Object.fromEntries(settings.events.map((type) => [type, true])),
    ...extra,
  });
}

/** The decision's part of those arguments. */
export function decisionArgs(check: SessionCheck, consume: boolean): Record<string, unknown> {
  return { id: check.id, c: consume ? 1 : 0, st: check.stream, ak: check.appKey, ip: check.clientIp, m: check.method };
}

const LIST_BATCH = 200;
const LIST_SCAN_BUDGET = 5000;

interface Stored {
  tid: string;
  vid: string;
  st: string;
  ak: string;
  ip: string;
  m: string;
  at: number;
}

/** The registry in Redis: every key under `<prefix>{sess}:` (one slot; see session-scripts.ts for the layout). */
export class RedisSessionRegistry implements SessionRegistry {
  onOutcome?: ((outcome: SessionOutcome) => void) | undefined;
  private readonly key: (name: string) => string;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly settings: SessionSettings,
  ) {
    this.key = (name) => `${prefix}{sess}:${name}`;
    redis.defineCommand('wtaSessionDecide', { numberOfKeys: 1, lua: SESSION_DECISION_SCRIPT });
    redis.defineCommand('wtaSessionEnd', { numberOfKeys: 1, lua: SESSION_END_SCRIPT });
    redis.defineCommand('wtaSessionSweep', { numberOfKeys: 1, lua: SESSION_SWEEP_SCRIPT });
    redis.defineCommand('wtaSessionEnqueue', { numberOfKeys: 1, lua: SESSION_ENQUEUE_SCRIPT });
    redis.defineCommand('wtaQueueClaim', { numberOfKeys: 2, lua: QUEUE_CLAIM_SCRIPT });
    redis.defineCommand('wtaQueueSettle', { numberOfKeys: 2, lua: QUEUE_SETTLE_SCRIPT });
  }

  private get scripts(): SessionScripts {
    return this.redis as unknown as SessionScripts;
  }

  private args(now: number, extra: Record<string, unknown>): string {
    return sessionScriptArgs(this.prefix, this.settings, now, extra);
  }

  async decide(check: SessionCheck, token: SessionToken, consume: boolean, now: number): Promise<SessionOutcome> {
    const reply = (await this.scripts.wtaSessionDecide(
      this.key('d'),
      this.args(now, {
        ...decisionArgs(check, consume),
        tid: token.id,
        vid: token.viewerId ?? '',
        mvs: token.maxViewerSessions ?? 0,
        exp: token.expiresAt,
      }),
    )) as [string, string];
    const outcome = parseSessionOutcome(String(reply[0]), String(reply[1]));
    this.onOutcome?.(outcome);
    return outcome;
  }

  async list(filter: SessionFilter, cursor: string | undefined, limit: number, now: number): Promise<Page<LiveSession>> {
    const items: LiveSession[] = [];
    let after = cursor;
    // Filters are applied here, batch by batch in id order; a page stops after LIST_SCAN_BUDGET ids even when it
    // is not full, so one request stays bounded (the cursor then resumes where it stopped).
    for (let scanned = 0; items.length < limit && scanned < LIST_SCAN_BUDGET; ) {
      const ids = await this.redis.zrangebylex(this.key('ids'), after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, LIST_BATCH);
      if (ids.length === 0) return { items, nextCursor: null };
      const [stored, seen, checks] = await Promise.all([
        this.redis.hmget(this.key('d'), ...ids),
        this.redis.zmscore(this.key('seen'), ...ids),
        this.redis.hmget(this.key('c'), ...ids),
      ]);
      for (let i = 0; i < ids.length; i++) {
        scanned++;
        after = ids[i];
        const raw = stored[i];
        const lastSeenAt = Number(seen[i] ?? 0);
        if (!raw || lastSeenAt <= now - this.settings.windowMs) continue;
        const session = liveSession(after ?? '', JSON.parse(raw) as Stored, lastSeenAt, Number(checks[i] ?? 1));
        if (!matches(session, filter)) continue;
        items.push(session);
        if (items.length === limit) break;
      }
      if (ids.length < LIST_BATCH && after === ids.at(-1)) return { items, nextCursor: null };
    }
    return { items, nextCursor: after ?? null };
  }

  async streams(cursor: string | undefined, limit: number): Promise<Page<StreamCount>> {
    const offset = cursor === undefined ? 0 : Number(cursor);
    const flat = await this.redis.zrevrange(this.key('streams'), offset, offset + limit - 1, 'WITHSCORES');
    const items: StreamCount[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) items.push({ ...splitStreamKey(flat[i] ?? ''), sessions: Number(flat[i + 1]) });
    return { items, nextCursor: items.length < limit ? null : String(offset + limit) };
  }

  async end(id: string, cause: SessionEndCause, now: number): Promise<string | undefined> {
    const tokenId = await this.scripts.wtaSessionEnd(this.key('d'), this.args(now, { end: { id, cause } }));
    return typeof tokenId === 'string' && tokenId !== '' ? tokenId : undefined;
  }

  async tokenRevoked(tokenId: string, now: number): Promise<number> {
    await this.scripts.wtaSessionEnqueue(
      this.key('q'),
      this.args(now, { event: { id: `evt_${tokenId}_revoked`, type: 'token.revoked', data: { tokenId, revokedAt: now } } }),
    );
    // Revoking is rare and admin-paced: reading the registry once is cheaper than an index per token on every decision.
    let ended = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.key('d'), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const stored = JSON.parse(flat[i + 1] ?? '{}') as Stored;
        if (stored.tid === tokenId && (await this.end(flat[i] ?? '', 'token_revoked', now))) ended++;
      }
    } while (cursor !== '0');
    return ended;
  }

  async sweep(now: number, max: number): Promise<number> {
    return Number(await this.scripts.wtaSessionSweep(this.key('seen'), this.args(now, { n: max })));
  }

  async activeCount(now: number): Promise<number> {
    return this.redis.zcount(this.key('seen'), `(${now - this.settings.windowMs}`, '+inf');
  }

  async queueDepth(): Promise<number> {
    return this.redis.zcard(this.key('q'));
  }

  async claim(now: number, max: number, leaseMs: number): Promise<QueuedEvent[]> {
    const reply = (await this.scripts.wtaQueueClaim(this.key('q'), this.key('qd'), String(now), String(max), String(leaseMs))) as string[];
    return reply.map((text) => JSON.parse(text) as QueuedEvent);
  }

  async settle(id: string, next: QueuedEvent | undefined, dueAt: number): Promise<void> {
    await this.scripts.wtaQueueSettle(this.key('q'), this.key('qd'), id, next === undefined ? '' : JSON.stringify(next), String(dueAt));
  }
}

interface SessionScripts {
  wtaSessionDecide(key: string, args: string): Promise<unknown>;
  wtaSessionEnd(key: string, args: string): Promise<unknown>;
  wtaSessionSweep(key: string, args: string): Promise<unknown>;
  wtaSessionEnqueue(key: string, args: string): Promise<unknown>;
  wtaQueueClaim(queue: string, data: string, now: string, max: string, leaseMs: string): Promise<unknown>;
  wtaQueueSettle(queue: string, data: string, id: string, next: string, dueAt: string): Promise<unknown>;
}

function liveSession(id: string, stored: Stored, lastSeenAt: number, checks: number): LiveSession {
  return {
    id,
    tokenId: stored.tid,
    viewerId: stored.vid === '' ? null : stored.vid,
    stream: stored.st,
    appKey: stored.ak,
    clientIp: stored.ip === '' ? null : stored.ip,
    method: stored.m,
    startedAt: Number(stored.at),
    lastSeenAt,
    checks,
  };
}

/** A member of the `streams` sorted set: the JSON array `[appKey, stream]` the scripts write. */
export function splitStreamKey(key: string): { appKey: string; stream: string } {
  const [appKey, stream] = JSON.parse(key) as [string, string];
  return { appKey, stream };
}
