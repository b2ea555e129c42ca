import { createHash } from 'node:crypto';
import type { RedisClient } from '../../shared/redis-client.js';
import { matches, type LiveSession, type Page, type SessionFilter, type StreamCount } from './session-registry.js';

/** The admin listings of the Redis registry (keys: see session-scripts.ts). */

const LIST_BATCH = 200;
const LIST_SCAN_BUDGET = 5000;

/** What the listings read from: the client, the registry's key names, and the live window. */
export interface ListingKeys {
  redis: RedisClient;
  key: (name: string) => string;
  windowMs: number;
}

/** A session as the scripts store it in `d` (session-scripts.ts). */
export interface StoredSession {
  tid: string;
  vid: string;
  st: string;
  ak: string;
  ip: string;
  m: string;
  at: number;
}

/** GET /v1/sessions: live sessions in id order, filtered, one page; with `tokenId`, read from the token's own set. */
export async function listLiveSessions(
  { redis, key, windowMs }: ListingKeys,
  filter: SessionFilter,
  cursor: string | undefined,
  limit: number,
  now: number,
): Promise<Page<LiveSession>> {
  const items: LiveSession[] = [];
  let after = cursor;
  // A token's own sessions are in its sorted set (session-scripts.ts), in the same id order as all of them.
  const source = filter.tokenId === undefined ? key('ids') : key(`t:${createHash('sha1').update(filter.tokenId, 'utf8').digest('hex')}`);
  // Filters are applied here, batch by batch in id order; a page stops after LIST_SCAN_BUDGET ids even when it
  // is not full, so one request stays bounded (the cursor then resumes where it stopped).
  for (let scanned = 0; items.length < limit && scanned < LIST_SCAN_BUDGET; ) {
    const ids = await redis.zrangebylex(source, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, LIST_BATCH);
    if (ids.length === 0) return { items, nextCursor: null };
    const [stored, seen, checks] = await Promise.all([
      redis.hmget(key('d'), ...ids),
      redis.zmscore(key('seen'), ...ids),
      redis.hmget(key('c'), ...ids),
    ]);
    for (let i = 0; i < ids.length; i++) {
      scanned++;
      after = ids[i];
      const raw = stored[i];
      const lastSeenAt = Number(seen[i] ?? 0);
      if (!raw || lastSeenAt <= now - windowMs) continue;
      const session = liveSession(after ?? '', JSON.parse(raw) as StoredSession, lastSeenAt, Number(checks[i] ?? 1));
      if (!matches(session, filter)) continue;
      items.push(session);
      if (items.length === limit) break;
    }
    if (ids.length < LIST_BATCH && after === ids.at(-1)) return { items, nextCursor: null };
  }
  return { items, nextCursor: after ?? null };
}

/** GET /v1/streams: live session counts per stream, most watched first. */
export async function streamCounts({ redis, key }: ListingKeys, cursor: string | undefined, limit: number): Promise<Page<StreamCount>> {
  const offset = cursor === undefined ? 0 : Number(cursor);
  const flat = await redis.zrevrange(key('streams'), offset, offset + limit - 1, 'WITHSCORES');
  const items: StreamCount[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) items.push({ ...splitStreamKey(flat[i] ?? ''), sessions: Number(flat[i + 1]) });
  return { items, nextCursor: items.length < limit ? null : String(offset + limit) };
}

function liveSession(id: string, stored: StoredSession, lastSeenAt: number, checks: number): LiveSession {
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
function splitStreamKey(key: string): { appKey: string; stream: string } {
  const [appKey, stream] = JSON.parse(key) as [string, string];
  return { appKey, stream };
}
