import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { issueToken, playHls } from '../helpers/hook-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { allSessions, kickSession, listSessions, watch } from '../helpers/session-client.js';
import { ADMIN_KEY, READ_ONLY_KEY } from '../helpers/test-app.js';

/** The live sessions API through HTTP against openapi.yaml, per store, and when Redis stalls. */
for (const store of ['memory', 'redis'] as const) {
  describe(`live sessions API (${store} store)`, { timeout: 60_000 }, () => {
    let app: ServiceInstance;
    serviceOnRedis({ VIEWER_MAX_SESSIONS: '2', STORE_TIMEOUT_MS: '5000' }, ([first]) => (app = first!), { store });

    test('viewerId and maxViewerSessions are set at issue, shown, changed and removed by PATCH; the token limit wins over VIEWER_MAX_SESSIONS', async () => {
      const issued = await request(app.url)
        .post('/v1/tokens')
        .set('Authorization', `Bearer ${ADMIN_KEY}`)
        .send({ streams: ['s'], viewerId: 'Zoë 👩‍💻', maxViewerSessions: 1 });
      assertMatchesContract('POST', '/v1/tokens', issued);
      assert.equal(issued.status, 201);
      assert.deepEqual([issued.body.record.viewerId, issued.body.record.maxViewerSessions], ['Zoë 👩‍💻', 1]);
      const token = issued.body.token as string;
      const id = issued.body.record.id as string;
      assert.deepEqual(await watch(app, token, 'one', 's'), [200, 'valid']);
      assert.deepEqual(await watch(app, token, 'two', 's'), [403, 'viewer_session_limit']);
      const decision = app.logs.decisions().at(-1);
      assert.deepEqual([decision?.reason, decision?.viewerId, decision?.tokenId], ['viewer_session_limit', 'Zoë 👩‍💻', id]);
      assert.equal(app.logs.decisions().at(-2)?.viewerId, 'Zoë 👩‍💻', 'allowed decisions name the viewer too');

      const patched = await request(app.url).patch(`/v1/tokens/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).send({ maxViewerSessions: null, viewerId: 'other' });
      assertMatchesContract('PATCH', `/v1/tokens/${id}`, patched);
      assert.deepEqual([patched.status, patched.body.viewerId, patched.body.maxViewerSessions], [200, 'other', null]);
      // Now viewer "other" under the default of 2.
      assert.deepEqual(await watch(app, token, 'three', 's'), [200, 'valid']);
      assert.deepEqual(await watch(app, token, 'four', 's'), [200, 'valid']);
      assert.deepEqual(await watch(app, token, 'five', 's'), [403, 'viewer_session_limit']);
      const removed = await request(app.url).patch(`/v1/tokens/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).send({ viewerId: null });
      assert.deepEqual([removed.status, removed.body.viewerId], [200, null]);
      assert.deepEqual(await watch(app, token, 'six', 's'), [200, 'valid'], 'without a viewer id there is no per-viewer limit');
    });

    test('a viewerId that is empty, longer than 128 characters, not well-formed or with control characters is refused with 400 and changes nothing', async () => {
      const bad = ['', 'x'.repeat(129), 'a\uD800b', 'tab\there', '\uDC00'];
      for (const viewerId of bad) {
        const res = await request(app.url).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['s'], viewerId });
        assert.equal(res.status, 400, JSON.stringify(viewerId));
        assertMatchesContract('POST', '/v1/tokens', res);
      }
      const ok = await request(app.url).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['s'], viewerId: '😀'.repeat(128) });
      assert.equal(ok.status, 201, '128 characters (256 UTF-16 units) is within the limit');
      const { id } = await issueToken(app.url, { streams: ['s'], viewerId: 'keep' });
      const patch = await request(app.url).patch(`/v1/tokens/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).send({ viewerId: 'a\uD800' });
      assert.equal(patch.status, 400);
      const read = await request(app.url).get(`/v1/tokens/${id}`).set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(read.body.viewerId, 'keep');
    });

    test('GET /v1/sessions filters and pages; GET /v1/streams is sorted by count; both need sessions:read', async () => {
      const { token: hot } = await issueToken(app.url, { streams: ['hot'] });
      const { token: cold, id: coldId } = await issueToken(app.url, { streams: ['cold'] });
      for (let i = 0; i < 5; i++) await watch(app, hot, `h-${i}`, 'hot');
      await watch(app, cold, 'c-0', 'cold');
      const hotSessions = await allSessions(app, { stream: 'hot' }, 2);
      assert.equal(hotSessions.length, 5);
      assert.equal(new Set(hotSessions.map((session) => session.id)).size, 5, 'pages do not repeat');
      assert.ok(hotSessions.every((session) => session.method === 'playHLS' && session.checks === 1 && session.clientIp === '192.168.1.100'));
      const coldOnly = await listSessions(app, { tokenId: coldId });
      assert.deepEqual(coldOnly.items.map((session) => session.stream), ['cold']);

      const streams = await request(app.url).get('/v1/streams').set('Authorization', `Bearer ${ADMIN_KEY}`);
      assertMatchesContract('GET', '/v1/streams', streams);
      const rows = streams.body.items as { stream: string; sessions: number }[];
      assert.deepEqual(rows.slice(0, 1), [{ stream: 'hot', appKey: 'defaultApp', sessions: 5 }]);
      assert.ok(rows.findIndex((row) => row.stream === 'cold') > 0);
      const counts = rows.map((row) => row.sessions);
      assert.deepEqual(counts, [...counts].sort((x, y) => y - x));

      for (const path of ['/v1/sessions', '/v1/streams']) {
        const forbidden = await request(app.url).get(path).set('Authorization', `Bearer ${READ_ONLY_KEY}`);
        assert.equal(forbidden.status, 403);
        assertMatchesContract('GET', path, forbidden);
      }
      const badQuery = await request(app.url).get('/v1/sessions?cursor=nope').set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(badQuery.status, 400);
      assertMatchesContract('GET', '/v1/sessions', badQuery);
      const unknown = await request(app.url).delete('/v1/sessions/not-a-session').set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(unknown.status, 404);
    });

    test('GET /v1/streams keeps an appKey and a stream apart whatever characters they hold (a newline in either)', async () => {
      const { token } = await issueToken(app.url, { streams: ['*'] });
      const pairs = [
        ['nl\nsplit', 'x'],
        ['nl', 'split\nx'],
      ] as const;
      for (const [i, [appKey, stream]] of pairs.entries()) {
        assert.equal((await playHls(app.url, token, { appKey, stream, viewerSessionId: `nl-${i}` })).status, 200);
      }
      const res = await request(app.url).get('/v1/streams?limit=200').set('Authorization', `Bearer ${ADMIN_KEY}`);
      assertMatchesContract('GET', '/v1/streams', res);
      const rows = (res.body.items as { stream: string; appKey: string; sessions: number }[]).filter((row) => `${row.appKey}${row.stream}`.includes('split'));
      assert.deepEqual(
        rows.map((row) => [row.appKey, row.stream, row.sessions]).sort(),
        pairs.map(([appKey, stream]) => [appKey, stream, 1]).sort(),
      );
    });

    test('a kicked session is refused (session_ended); other sessions of the token are not', async () => {
      const { token, id } = await issueToken(app.url, { streams: ['k'] });
      await watch(app, token, 'k-1', 'k');
      await watch(app, token, 'k-2', 'k');
      const sessions = (await listSessions(app, { tokenId: id })).items;
      const target = sessions.find((session) => session.checks === 1)!;
      assert.equal(await kickSession(app, target.id), 204);
      const remaining = (await listSessions(app, { tokenId: id })).items.map((session) => session.id);
      assert.deepEqual(remaining, sessions.filter((session) => session.id !== target.id).map((session) => session.id));
      const results = await Promise.all([watch(app, token, 'k-1', 'k'), watch(app, token, 'k-2', 'k')]);
      assert.deepEqual(results.map(([status]) => status).sort(), [200, 403]);
      assert.ok(results.some(([, reason]) => reason === 'session_ended'));
    });
  });
}

describe('the sessions API when Redis stalls', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let app: ServiceInstance;
  serviceOnRedis({ STORE_TIMEOUT_MS: '300' }, ([first], started) => {
    app = first!;
    redis = started!;
  });

  test('answers 503 (documented) within the store deadline, and works again once Redis answers', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(app.url, { streams: ['s'], viewerId: 'stall' });
    assert.deepEqual(await watch(app, token, 'st-1', 's'), [200, 'valid']);
    redis.stall();
    try {
      for (const [method, path] of [['get', '/v1/sessions'], ['get', '/v1/streams'], ['delete', `/v1/sessions/ses_${'0'.repeat(32)}`]] as const) {
        const res = await request(app.url)[method](path).set('Authorization', `Bearer ${ADMIN_KEY}`);
        assert.equal(res.status, 503, `${method} ${path}`);
        assertMatchesContract(method.toUpperCase(), path, res);
      }
      assert.deepEqual(await watch(app, token, 'st-1', 's'), [403, 'store_unavailable'], 'decisions follow STORE_FAILURE_POLICY');
    } finally {
      redis.resume();
    }
    assert.equal((await listSessions(app, { viewerId: 'stall' })).items.length, 1);
  });

  test('no key of the session registry is without a TTL', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token, id } = await issueToken(app.url, { streams: ['ttl'], viewerId: 'ttl-viewer' });
    await watch(app, token, 'ttl-1', 'ttl');
    await watch(app, token, 'ttl-2', 'ttl');
    const [session] = (await listSessions(app, { tokenId: id })).items;
    assert.equal(await kickSession(app, session!.id), 204);
    const keys = await redis.client.keys(`${redis.keyPrefix}{sess}:*`);
    assert.ok(keys.length >= 8, keys.join());
    for (const key of keys) assert.ok((await redis.client.pttl(key)) > 0, `${key} has a TTL`);
  });
});
