import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { issueViaApi } from '../helpers/admin-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, freshAppPerTest, READ_ONLY_KEY, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, olderPlayHlsBody } from '../helpers/wcs-bodies.js';

const bearer = (key: string) => `Bearer ${key}`;
const WINDOW_SECONDS = 30;

for (const storeKind of STORE_KINDS) {
  describe(`POST /v1/decisions and GET /v1/tokens/{id}/sessions with the ${storeKind} store`, () => {
    let redis: TestRedis | undefined;
    let t: TestApp;
    freshAppPerTest(storeKind, { STORE_TIMEOUT_MS: '5000', VIEWER_SESSION_WINDOW_SECONDS: String(WINDOW_SECONDS) }, (app, r) => {
      t = app;
      redis = r;
    });

    const dryRun = async (body: unknown, key = READ_ONLY_KEY) => {
      const res = await request(t.app).post('/v1/decisions').set('Authorization', bearer(key)).send(body as object);
      assertMatchesContract('POST', '/v1/decisions', res);
      return res;
    };
    const play = (token: string, mediaSessionId: string, ip = '192.168.1.100') =>
      request(t.app)
        .post('/wcs/playHLS')
        .set('Content-Type', 'application/json')
        .send(newerPlayHlsBody({ mediaSessionId, sessionId: `/${ip}:5000/192.168.1.5:8445` }, { token }));
    const sessions = async (id: string) => {
      const res = await request(t.app).get(`/v1/tokens/${id}/sessions`).set('Authorization', bearer(READ_ONLY_KEY));
      assertMatchesContract('GET', `/v1/tokens/${id}/sessions`, res);
      return res;
    };

    it('tells an admin what the hook would decide and why, and consumes nothing', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1, bindIpOnFirstUse: true, headers: { 'X-Viewer-Id': 'v' } });
      for (const session of ['A', 'B', 'C']) {
        const res = await dryRun({ body: newerPlayHlsBody({ mediaSessionId: session }, { token }) });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { allow: true, reason: 'valid', tokenId: record.id, headers: { 'X-Viewer-Id': 'v' } });
      }
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', bearer(ADMIN_KEY));
      assert.deepEqual([read.body.uses, read.body.boundIp, read.body.state], [0, null, 'active']);
      assert.deepEqual((await sessions(record.id)).body.sessions, []);
      if (redis) {
        const hash = createHash('sha256').update(token).digest('hex');
        assert.equal(await redis.client.exists(t.redisStore?.sessionsKey(hash) ?? ''), 0, 'no session key was written');
      }

      assert.equal((await play(token, 'A')).status, 200);
      const other = await dryRun({ method: 'playHLS', body: newerPlayHlsBody({ mediaSessionId: 'B' }, { token }) });
      assert.deepEqual(other.body, { allow: false, reason: 'use_limit_reached', tokenId: record.id, headers: {} });
      const same = await dryRun({ body: newerPlayHlsBody({ mediaSessionId: 'A' }, { token }) });
      assert.equal(same.body.allow, true);
      assert.equal(t.logs.lines.filter((line) => line.event === 'audit' && line.action !== 'token.issue').length, 0, 'a dry run is not a change');
    });

    it('reports every kind of refusal, including missing, malformed and unknown tokens', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], allowedIps: ['10.0.0.0/8'] });
      const cases: [unknown, { allow: boolean; reason: string; tokenId: string | null }][] = [
        [{ body: newerPlayHlsBody() }, { allow: false, reason: 'missing_token', tokenId: null }],
        [{ body: newerPlayHlsBody({}, { token: { x: 1 } }) }, { allow: false, reason: 'malformed_token', tokenId: null }],
        [{ body: newerPlayHlsBody({}, { token: `wta_${'Q'.repeat(43)}` }) }, { allow: false, reason: 'unknown_token', tokenId: null }],
        [{ body: newerPlayHlsBody({}, { token }) }, { allow: false, reason: 'ip_not_allowed', tokenId: record.id }],
        [{ body: olderPlayHlsBody({ token }) }, { allow: false, reason: 'ip_not_allowed', tokenId: record.id }],
        [
          { body: newerPlayHlsBody({ sessionId: '/10.1.2.3:5000/192.168.1.5:8445', name: 'other' }, { token }) },
          { allow: false, reason: 'stream_not_allowed', tokenId: record.id },
        ],
        [
          { method: 'publishStream', body: newerPlayHlsBody({ sessionId: '/10.1.2.3:5000/192.168.1.5:8445' }, { token }) },
          { allow: false, reason: 'action_not_allowed', tokenId: record.id },
        ],
        [
          { method: 'connect', body: { appKey: 'defaultApp', sessionId: '/10.1.2.3:5000/192.168.1.5:8443', custom: { token } } },
          { allow: true, reason: 'valid', tokenId: record.id },
        ],
      ];
      for (const [body, expected] of cases) {
        const res = await dryRun(body);
        assert.equal(res.status, 200);
        assert.deepEqual({ allow: res.body.allow, reason: res.body.reason, tokenId: res.body.tokenId }, expected, JSON.stringify(body));
      }
    });

    it('answers 400 naming the field for a bad dry-run request; needs an admin key', async () => {
      for (const [body, field] of [
        [{}, 'body'],
        [{ method: 'StreamStatusEvent', body: {} }, 'method'],
        [{ body: { custom: { token: 'x' } } }, 'body.name'],
        [{ body: newerPlayHlsBody(), extra: 1 }, 'body'],
      ] as const) {
        const res = await dryRun(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.ok(res.body.error.details.some((d: { field: string }) => d.field === field), `${field}: ${res.text}`);
      }
      const anonymous = await request(t.app).post('/v1/decisions').send({ body: newerPlayHlsBody() });
      assert.equal(anonymous.status, 401);
    });

    it('lists the viewer sessions a token started: id, first IP, first and last seen, active within the window', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'] });
      const t0 = t.clock.now();
      assert.equal((await play(token, 'A', '192.168.1.100')).status, 200);
      t.clock.advance(10_000);
      assert.equal((await play(token, 'B', '0:0:0:0:0:0:0:1')).status, 200);
      t.clock.advance(15_000);
      assert.equal((await play(token, 'A', '192.168.1.200')).status, 200);
      t.clock.advance(WINDOW_SECONDS * 1000 - 15_000);
      const res = await sessions(record.id);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        tokenId: record.id,
        sessions: [
          { id: 'A', ip: '192.168.1.100', firstSeenAt: new Date(t0).toISOString(), lastSeenAt: new Date(t0 + 25_000).toISOString(), active: true },
          { id: 'B', ip: '::1', firstSeenAt: new Date(t0 + 10_000).toISOString(), lastSeenAt: new Date(t0 + 10_000).toISOString(), active: false },
        ],
      });
      assert.equal((await sessions('tok_AAAAAAAAAAAAAAAA')).status, 404);
      const anonymous = await request(t.app).get(`/v1/tokens/${record.id}/sessions`);
      assert.equal(anonymous.status, 401);
    });

    if (storeKind === 'redis') {
      it('a stalled Redis gets 503 within the timeout for a dry run and a sessions list', async () => {
        assert.ok(redis);
        const { token, record } = await issueViaApi(t.app, { streams: ['test'] });
        const stalled = buildTestApp({ store: 'redis', redis, env: { STORE_TIMEOUT_MS: '300' } });
        try {
          redis.stall();
          const decision = await request(stalled.app).post('/v1/decisions').set('Authorization', bearer(ADMIN_KEY)).send({ body: newerPlayHlsBody({}, { token }) });
          assert.equal(decision.status, 503);
          assertMatchesContract('POST', '/v1/decisions', decision);
          const listed = await request(stalled.app).get(`/v1/tokens/${record.id}/sessions`).set('Authorization', bearer(ADMIN_KEY));
          assert.equal(listed.status, 503);
        } finally {
          redis.resume();
          await stalled.close();
        }
      });
    }
  });
}
