import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, ConnectionError, createTokenAuthClient, type TokenAuthClient } from '../../clients/typescript/src/index.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY, READ_ONLY_KEY } from '../helpers/test-app.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';
import { watch } from '../helpers/session-client.js';

/** Counts the requests the client really sends (retries included). */
function countingFetch() {
  const seen: { method: string; path: string; status: number; idempotencyKey: string | null }[] = [];
  const counted = async (input: Request | string | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    seen.push({
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      idempotencyKey: request.headers.get('idempotency-key'),
    });
    return response;
  };
  return { seen, fetch: counted as typeof fetch };
}

describe('TypeScript client against the real service (Redis store)', () => {
  let redis: TestRedis;
  let service: ServiceInstance;
  let client: TokenAuthClient;
  serviceOnRedis({ STORE_TIMEOUT_MS: '300' }, ([first], started) => {
    service = first!;
    redis = started!;
    client = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, retry: { baseDelayMs: 50 } });
  });

  it('issues, reads, updates, dry-runs, lists and revokes with typed results', async () => {
    const issued = await client.issueToken({ streams: ['client-cam'], maxUses: 2, metadata: { orderId: 'A-1' } });
    assert.match(issued.token, /^wta_/);
    assert.equal(issued.record.state, 'active');
    const read = await client.getToken(issued.record.id);
    assert.deepEqual(read.streams, ['client-cam']);
    const updated = await client.updateToken(issued.record.id, { maxUses: 5 });
    assert.equal(updated.maxUses, 5);

    const allow = await client.verify({ method: 'playHLS', body: newerPlayHlsBody({ name: 'client-cam' }, { token: issued.token }) });
    assert.deepEqual([allow.allow, allow.reason, allow.tokenId], [true, 'valid', issued.record.id]);
    const deny = await client.verify({ method: 'playHLS', body: newerPlayHlsBody({ name: 'other' }, { token: issued.token }) });
    assert.deepEqual([deny.allow, deny.reason], [false, 'stream_not_allowed']);

    const sessions = await client.tokenSessions(issued.record.id);
    assert.equal(sessions.tokenId, issued.record.id);
    assert.deepEqual(sessions.sessions, []);

    const revoked = await client.revoke(issued.record.id);
    assert.equal(revoked.state, 'revoked');
    assert.equal((await client.getToken(issued.record.id)).state, 'revoked');
  });

  it('list is an async iterator over every page', async () => {
    const batch = await client.issueBatch({ template: { streams: ['paged-*'] }, count: 7 });
    const pages = countingFetch();
    const paging = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: pages.fetch });
    const seen: string[] = [];
    for await (const record of paging.list({ stream: 'paged-1', limit: 3 })) seen.push(record.id);
    assert.deepEqual(
      seen.sort(),
      batch.tokens.map((item) => item.record.id).sort(),
    );
    assert.ok(pages.seen.length >= 3, `followed nextCursor over ${pages.seen.length} pages`);
  });

  it('live sessions: sessions() pages with filters, streams() counts, endSession kicks, typed errors', async () => {
    const viewer = await client.issueToken({ streams: ['live-a', 'live-b'], viewerId: 'client-viewer-1' });
    const other = await client.issueToken({ streams: ['live-a'] });
    for (const id of ['cv-1', 'cv-2', 'cv-3']) assert.deepEqual(await watch(service, viewer.token, id, 'live-a'), [200, 'valid']);
    assert.deepEqual(await watch(service, viewer.token, 'cv-4', 'live-b'), [200, 'valid']);
    assert.deepEqual(await watch(service, other.token, 'ov-1', 'live-a'), [200, 'valid']);

    const pages = countingFetch();
    const paging = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: pages.fetch });
    const mine = [];
    for await (const session of paging.sessions({ viewerId: 'client-viewer-1', limit: 1 })) mine.push(session);
    assert.equal(mine.length, 4);
    assert.equal(new Set(mine.map((s) => s.id)).size, 4, 'pages do not repeat');
    assert.ok(mine.every((s) => s.tokenId === viewer.record.id && s.viewerId === 'client-viewer-1' && s.method === 'playHLS'));
    assert.ok(pages.seen.filter((r) => r.path === '/v1/sessions').length >= 4, 'followed nextCursor');

    const onA = await client.sessionsPage({ stream: 'live-a', appKey: 'defaultApp' });
    assert.equal(onA.items.length, 4);
    const ofOther = await client.sessionsPage({ tokenId: other.record.id });
    assert.deepEqual(ofOther.items.map((s) => [s.stream, s.viewerId]), [['live-a', null]]);

    const streams = [];
    for await (const row of client.streams({ limit: 1 })) streams.push(row);
    assert.deepEqual(
      streams.filter((row) => row.stream.startsWith('live-')),
      [
        { stream: 'live-a', appKey: 'defaultApp', sessions: 4 },
        { stream: 'live-b', appKey: 'defaultApp', sessions: 1 },
      ],
    );
    assert.equal((await client.streamsPage({ limit: 1 })).items.length, 1);

    const target = mine.find((s) => s.stream === 'live-b')!;
    assert.equal(await client.endSession(target.id), undefined);
    const left = await client.sessionsPage({ viewerId: 'client-viewer-1' });
    assert.ok(!left.items.some((s) => s.id === target.id), 'the ended session left the listing');
    assert.deepEqual(await watch(service, viewer.token, 'cv-4', 'live-b'), [403, 'session_ended']);
    await assert.rejects(client.endSession(target.id), { name: 'ApiError', code: 'not_found', status: 404 });

    const reader = createTokenAuthClient({ baseUrl: service.url, adminKey: READ_ONLY_KEY });
    await assert.rejects(reader.sessionsPage(), { name: 'ApiError', code: 'forbidden', status: 403 });
    await assert.rejects(reader.endSession(mine[0]!.id), { name: 'ApiError', code: 'forbidden', status: 403 });
    await assert.rejects(client.sessionsPage({ cursor: 'nope' } as never), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.deepEqual([error.status, error.code, error.details[0]?.field], [400, 'validation_failed', 'cursor']);
      return true;
    });
    assert.equal((await client.tokenSessions(viewer.record.id)).sessions.length, 4, 'the per-token route stays');
  });

  it('errors are ApiError with the API code, status, request id and field details', async () => {
    await assert.rejects(client.getToken('tok_AAAAAAAAAAAAAAAA'), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'not_found');
      assert.ok(error.requestId);
      return true;
    });
    await assert.rejects(client.issueToken({ streams: [] }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'validation_failed');
      assert.equal(error.details[0]?.field, 'streams');
      return true;
    });
    const reader = createTokenAuthClient({ baseUrl: service.url, adminKey: READ_ONLY_KEY });
    await assert.rejects(reader.issueToken({ streams: ['x'] }), { name: 'ApiError', code: 'forbidden', status: 403 });
  });

  it('issue calls carry an Idempotency-Key; the same key twice returns the first token', async () => {
    const counting = countingFetch();
    const c = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: counting.fetch });
    const first = await c.issueToken({ streams: ['idem'] }, { idempotencyKey: 'client-order-7' });
    const again = await c.issueToken({ streams: ['idem'] }, { idempotencyKey: 'client-order-7' });
    assert.equal(again.token, first.token);
    await c.issueToken({ streams: ['idem'] });
    assert.match(counting.seen.at(-1)?.idempotencyKey ?? '', /^[0-9a-f-]{36}$/, 'a fresh key by default');
    await assert.rejects(c.issueToken({ streams: ['other'] }, { idempotencyKey: 'client-order-7' }), { code: 'idempotency_key_reused', status: 422 });
  });

  it('a concurrent duplicate (409 idempotency_in_progress) is retried and gets the first answer', async () => {
    const counting = countingFetch();
    const c = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: counting.fetch, retry: { maxRetries: 5 } });
    const body = { template: { streams: ['dup'] }, count: 300 };
    const [a, b] = await Promise.all([c.issueBatch(body, { idempotencyKey: 'dup-batch' }), c.issueBatch(body, { idempotencyKey: 'dup-batch' })]);
    assert.equal(a.batchId, b.batchId);
    assert.deepEqual(
      a.tokens.map((t) => t.token),
      b.tokens.map((t) => t.token),
    );
  });

  it('retries a 503 (token store not answering) until the store is back, within the bound', async () => {
    const counting = countingFetch();
    const c = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: counting.fetch, retry: { maxRetries: 8, baseDelayMs: 100 } });
    const { record } = await c.issueToken({ streams: ['retry'] });
    redis.stall();
    const resume = setTimeout(() => redis.resume(), 700);
    try {
      const read = await c.getToken(record.id);
      assert.equal(read.id, record.id);
    } finally {
      clearTimeout(resume);
      redis.resume();
    }
    const statuses = counting.seen.filter((r) => r.method === 'GET').map((r) => r.status);
    assert.equal(statuses[0], 503);
    assert.equal(statuses.at(-1), 200);
  });

  it('gives up after maxRetries with the 503 as an ApiError', async () => {
    const counting = countingFetch();
    const c = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: counting.fetch, retry: { maxRetries: 2, baseDelayMs: 10 } });
    redis.stall();
    try {
      await assert.rejects(c.getToken('tok_AAAAAAAAAAAAAAAA'), { name: 'ApiError', code: 'store_unavailable', status: 503 });
    } finally {
      redis.resume();
    }
    assert.equal(counting.seen.length, 3);
  });

  it('an unreachable service is a ConnectionError', async () => {
    const c = createTokenAuthClient({ baseUrl: 'http://127.0.0.1:9', adminKey: ADMIN_KEY, retry: { maxRetries: 1, baseDelayMs: 10 } });
    await assert.rejects(c.getToken('tok_AAAAAAAAAAAAAAAA'), (error: unknown) => error instanceof ConnectionError);
  });
});

describe('TypeScript client: 429 with Retry-After (admin auth throttle, real Redis window)', () => {
  let service: ServiceInstance;
  serviceOnRedis({ ADMIN_AUTH_MAX_FAILURES: '1', ADMIN_AUTH_WINDOW_SECONDS: '1' }, ([first]) => (service = first!));

  it('waits the Retry-After seconds and then succeeds', async () => {
    const wrong = createTokenAuthClient({ baseUrl: service.url, adminKey: 'wrong-key-0123456789abcdef', retry: { maxRetries: 0 } });
    await assert.rejects(wrong.getToken('tok_AAAAAAAAAAAAAAAA'), { code: 'unauthorized' });
    const counting = countingFetch();
    const c = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, fetch: counting.fetch });
    const started = Date.now();
    const page = await c.listPage({ limit: 1 });
    assert.ok(Array.isArray(page.items));
    assert.equal(counting.seen[0]?.status, 429);
    assert.equal(counting.seen.at(-1)?.status, 200);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
  });

  it('does not wait longer than maxDelayMs: a longer Retry-After comes back as the 429 ApiError', async () => {
    const wrong = createTokenAuthClient({ baseUrl: service.url, adminKey: 'wrong-key-0123456789abcdef', retry: { maxRetries: 0 } });
    await assert.rejects(wrong.getToken('tok_AAAAAAAAAAAAAAAA'), { code: 'unauthorized' });
    const c = createTokenAuthClient({ baseUrl: service.url, adminKey: ADMIN_KEY, retry: { maxDelayMs: 100 } });
    await assert.rejects(c.listPage({}), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'too_many_requests');
      assert.equal(error.retryAfterSeconds, 1);
      return true;
    });
  });
});
