import assert from 'node:assert/strict';
import request from 'supertest';
import { issueToken, playHls, type TimedAnswer } from './hook-client.js';
import { assertMatchesContract } from './openapi.js';
import { startServiceInstance, type ServiceInstance } from './service-instance.js';
import type { TestRedis } from './redis-server.js';
import { ADMIN_KEY } from './test-app.js';

export interface SessionView {
  id: string;
  tokenId: string;
  viewerId: string | null;
  stream: string;
  appKey: string;
  clientIp: string | null;
  method: string;
  startedAt: string;
  lastSeenAt: string;
  checks: number;
}

/** GET /v1/sessions through HTTP, checked against openapi.yaml. */
export async function listSessions(instance: ServiceInstance, query: Record<string, string> = {}): Promise<{ items: SessionView[]; nextCursor: string | null }> {
  const res = await request(instance.url).get('/v1/sessions').query(query).set('Authorization', `Bearer ${ADMIN_KEY}`);
  assertMatchesContract('GET', '/v1/sessions', res);
  assert.equal(res.status, 200, res.text);
  return res.body as { items: SessionView[]; nextCursor: string | null };
}

/** Every page of GET /v1/sessions. */
export async function allSessions(instance: ServiceInstance, query: Record<string, string> = {}, limit = 200): Promise<SessionView[]> {
  const all: SessionView[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await listSessions(instance, { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export async function kickSession(instance: ServiceInstance, id: string): Promise<number> {
  const res = await request(instance.url).delete(`/v1/sessions/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
  assertMatchesContract('DELETE', `/v1/sessions/${id}`, res);
  return res.status;
}

/** The decision's reason from the instance's decision log. */
export function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

/** playHLS with a viewer session id; returns [status, reason]. */
export async function watch(instance: ServiceInstance, token: string, session: string, stream = 'test'): Promise<[number, unknown]> {
  const answer = await playHls(instance.url, token, { stream, viewerSessionId: session });
  return [answer.status, reasonOf(instance, answer)];
}

/** Tokens of one viewer on several streams. */
export async function viewerTokens(instance: ServiceInstance, viewerId: string, count: number, extra: Record<string, unknown> = {}): Promise<{ token: string; id: string; stream: string }[]> {
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const stream = `stream-${i}`;
    tokens.push({ ...(await issueToken(instance.url, { streams: [stream], viewerId, ...extra })), stream });
  }
  return tokens;
}

export async function pairOn(redis: TestRedis, prefix: string, env: Record<string, string> = {}): Promise<[ServiceInstance, ServiceInstance]> {
  const start = () =>
    startServiceInstance({ TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${redis.keyPrefix}${prefix}:`, STORE_TIMEOUT_MS: '5000', ...env });
  const pair: [ServiceInstance, ServiceInstance] = [await start(), await start()];
  pair[1].clock.set(pair[0].clock.now());
  return pair;
}

export function advance(instances: readonly ServiceInstance[], ms: number): void {
  for (const instance of instances) instance.clock.advance(ms);
}
