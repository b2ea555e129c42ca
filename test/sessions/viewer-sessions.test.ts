import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { issueToken, revokeToken } from '../helpers/hook-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { allSessions, kickSession, listSessions, viewerTokens, watch } from '../helpers/session-client.js';
import { ADMIN_KEY, READ_ONLY_KEY } from '../helpers/test-app.js';

const LIMIT = 3;

/** Two instances on one real Redis, as behind a load balancer; their clocks move together. */
async function pairOn(redis: TestRedis, prefix: string, env: Record<string, string> = {}): Promise<[ServiceInstance, ServiceInstance]> {
  const start = () =>
    startServiceInstance({ TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${redis.keyPrefix}${prefix}:`, STORE_TIMEOUT_MS: '5000', ...env });
  const pair: [ServiceInstance, ServiceInstance] = [await start(), await start()];
  pair[1].clock.set(pair[0].clock.now());
  return pair;
}

function advance(instances: readonly ServiceInstance[], ms: number): void {
  for (const instance of instances) instance.clock.advance(ms);
}

describe('per-viewer session limit across tokens, streams and instances (Redis)', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  const opened: ServiceInstance[] = [];
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const instance of opened) await instance.close();
    await redis?.stop();
  });

  for (const mode of ['refuse', 'replace'] as const) {
    test(`VIEWER_SESSION_LIMIT_MODE=${mode}: 50 concurrent new sessions of one viewer on two instances leave exactly ${LIMIT} live`, async () => {
      const pair = await pairOn(redis, `limit-${mode}`, { VIEWER_MAX_SESSIONS: String(LIMIT), VIEWER_SESSION_LIMIT_MODE: mode });
      opened.push(...pair);
      const tokens = await viewerTokens(pair[0], 'subscriber-42', 5);
      const attempts = Array.from({ length: 50 }, (_, i) => ({ instance: pair[i % 2]!, token: tokens[i % 5]!, session: `media-${mode}-${i}` }));
      const answers = await Promise.all(attempts.map(({ instance, token, session }) => watch(instance, token.token, session, token.stream)));

      const allowed = answers.filter(([status]) => status === 200).length;
      if (mode === 'refuse') {
        assert.equal(allowed, LIMIT, 'exactly the limit is allowed');
        assert.deepEqual(new Set(answers.filter(([status]) => status === 403).map(([, reason]) => reason)), new Set(['viewer_session_limit']));
      } else {
        assert.equal(allowed, 50, 'replace admits every new session');
      }
      const live = await allSessions(pair[1], { viewerId: 'subscriber-42' });
      assert.equal(live.length, LIMIT, 'the registry holds exactly the limit');

      // Whatever was replaced is refused on its next check, on either instance; the survivors continue.
      const again = await Promise.all(attempts.map(({ token, session }, i) => watch(pair[(i + 1) % 2]!, token.token, session, token.stream)));
      const continuing = again.filter(([status]) => status === 200).length;
      assert.equal(continuing, LIMIT);
      if (mode === 'replace') {
        assert.deepEqual(new Set(again.filter(([status]) => status === 403).map(([, reason]) => reason)), new Set(['session_replaced']));
      }
    });
  }

  test('replace ends the least recently seen session, not the oldest one', async () => {
    const pair = await pairOn(redis, 'lrs', { VIEWER_MAX_SESSIONS: '2', VIEWER_SESSION_LIMIT_MODE: 'replace' });
    opened.push(...pair);
    const [a, b] = pair;
    const [tv, phone] = await viewerTokens(a, 'family', 2);
    assert.deepEqual(await watch(a, tv!.token, 'tv', tv!.stream), [200, 'valid']);
    advance(pair, 1000);
    assert.deepEqual(await watch(b, phone!.token, 'phone', phone!.stream), [200, 'valid']);
    advance(pair, 1000);
    // The TV (started first) is checked again: now the phone is the least recently seen.
    assert.deepEqual(await watch(b, tv!.token, 'tv', tv!.stream), [200, 'valid']);
    advance(pair, 1000);
    assert.deepEqual(await watch(a, phone!.token, 'tablet', phone!.stream), [200, 'valid']);
    assert.deepEqual(await watch(a, phone!.token, 'phone', phone!.stream), [403, 'session_replaced']);
    assert.deepEqual(await watch(b, tv!.token, 'tv', tv!.stream), [200, 'valid']);
    assert.equal(await a.metric('wcs_auth_sessions_ended_total', { cause: 'replaced' }), 1);
  });

  test('a session kicked through one instance is refused on its next check on the other; the kick is audited', async () => {
    const pair = await pairOn(redis, 'kick');
    opened.push(...pair);
    const [a, b] = pair;
    const { token, id } = await issueToken(a.url, { streams: ['live'], viewerId: 'v-1' });
    assert.deepEqual(await watch(a, token, 'm-1', 'live'), [200, 'valid']);
    const [session] = (await listSessions(b, { tokenId: id })).items;
    assert.ok(session);
    assert.equal(session.viewerId, 'v-1');
    assert.equal(await kickSession(b, session.id), 204);
    assert.deepEqual(await watch(a, token, 'm-1', 'live'), [403, 'session_ended']);
    assert.deepEqual(await watch(b, token, 'm-1', 'live'), [403, 'session_ended']);
    assert.equal(await kickSession(a, session.id), 404, 'a session ends once');
    // A new session of the same token (the player reconnects) is a new session.
    assert.deepEqual(await watch(a, token, 'm-2', 'live'), [200, 'valid']);
    const audit = b.logs.lines.find((line) => line.event === 'audit' && line.action === 'session.end');
    assert.deepEqual([audit?.sessionId, audit?.tokenId, audit?.adminKeyId], [session.id, id, 'admin']);
    assert.equal(await b.metric('wcs_auth_sessions_ended_total', { cause: 'kicked' }), 1);
  });

  test('revoking a token ends its live sessions in the registry', async () => {
    const pair = await pairOn(redis, 'revoke');
    opened.push(...pair);
    const [a, b] = pair;
    const { token, id } = await issueToken(a.url, { streams: ['live'] });
    await watch(a, token, 'r-1', 'live');
    await watch(b, token, 'r-2', 'live');
    assert.equal((await listSessions(a, { tokenId: id })).items.length, 2);
    assert.equal((await revokeToken(b.url, id)).status, 200);
    assert.equal((await listSessions(a, { tokenId: id })).items.length, 0);
    assert.equal(await b.metric('wcs_auth_sessions_ended_total', { cause: 'token_revoked' }), 2);
  });
});

for (const store of ['memory', 'redis'] as const) {
  describe(`live sessions API (${store} store)`, { timeout: 60_000 }, () => {
    let redis: TestRedis | undefined;
    let app: ServiceInstance;
    before(async () => {
      if (store === 'redis') redis = await startTestRedis();
      app = await startServiceInstance({
        TOKEN_STORE: store,
        ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix } : {}),
        VIEWER_MAX_SESSIONS: '2',
        STORE_TIMEOUT_MS: '5000',
      });
    });
    after(async () => {
      await app?.close();
      await redis?.stop();
    });

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

describe('JWTs take part: vid and mvs (Redis, two instances)', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let pair: [ServiceInstance, ServiceInstance];
  const secret = Buffer.alloc(32, 9).toString('base64url');
  before(async () => {
    redis = await startTestRedis();
    pair = await pairOn(redis, 'jwt', { JWT_SIGNING_KEYS: 'k:HS256=env:SESSIONS_TEST_JWT', SESSIONS_TEST_JWT: secret, VIEWER_MAX_SESSIONS: '5' });
  });
  after(async () => {
    for (const instance of pair ?? []) await instance.close();
    await redis?.stop();
  });

  async function issueJwt(body: Record<string, unknown>): Promise<{ token: string; jti: string }> {
    const res = await request(pair[0].url).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ type: 'jwt', ...body });
    assertMatchesContract('POST', '/v1/tokens', res);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.claims.mvs, body.maxViewerSessions);
    return { token: res.body.token as string, jti: res.body.jti as string };
  }

  test('a viewer with JWTs and an opaque token is held to the JWT mvs across both kinds; a JWT session can be kicked', async () => {
    const [a, b] = pair;
    const first = await issueJwt({ streams: ['j1'], viewerId: 'jwt-viewer', maxViewerSessions: 2 });
    const second = await issueJwt({ streams: ['j2'], viewerId: 'jwt-viewer', maxViewerSessions: 2 });
    const opaque = await issueToken(a.url, { streams: ['o'], viewerId: 'jwt-viewer', maxViewerSessions: 2 });
    assert.deepEqual(await watch(a, first.token, 'j-1', 'j1'), [200, 'valid']);
    assert.deepEqual(await watch(b, opaque.token, 'o-1', 'o'), [200, 'valid']);
    assert.deepEqual(await watch(b, second.token, 'j-2', 'j2'), [403, 'viewer_session_limit']);
    assert.deepEqual(await watch(a, first.token, 'j-1', 'j1'), [200, 'valid'], 'a live session continues');

    const [session] = (await listSessions(b, { tokenId: first.jti })).items;
    assert.deepEqual([session?.viewerId, session?.stream], ['jwt-viewer', 'j1']);
    assert.equal(await kickSession(a, session!.id), 204);
    assert.deepEqual(await watch(b, first.token, 'j-1', 'j1'), [403, 'session_ended']);
    assert.deepEqual(await watch(a, second.token, 'j-2', 'j2'), [200, 'valid'], 'the kick freed a place');
  });

  test('revoking a JWT (POST /v1/revocations) ends its live sessions', async () => {
    const [a, b] = pair;
    const jwt = await issueJwt({ streams: ['r'], viewerId: 'revoked-viewer' });
    await watch(a, jwt.token, 'rv-1', 'r');
    assert.equal((await listSessions(b, { tokenId: jwt.jti })).items.length, 1);
    const exp = Math.floor(a.clock.now() / 1000) + 3600;
    const res = await request(b.url).post('/v1/revocations').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ jti: jwt.jti, exp });
    assert.ok(res.status < 300, res.text);
    assert.equal((await listSessions(a, { tokenId: jwt.jti })).items.length, 0);
  });
});
