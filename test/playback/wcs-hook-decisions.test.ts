import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { issueViaApi, revokeViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { buildTestApp, freshAppPerTest, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, olderPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

const HOUR_MS = 3_600_000;

interface Case {
  name: string;
  /** The token's issue request (omit to send no issued token). */
  issue?: Record<string, unknown> | ((t: TestApp) => Record<string, unknown>);
  /** Runs after issue, before the hook call. */
  arrange?: (t: TestApp, issued: { token: string; id: string }) => Promise<void> | void;
  /** The hook body, given the issued token. */
  body: (token: string) => unknown;
  status: 200 | 403;
  reason: string;
}

const future = (t: TestApp, ms: number) => new Date(t.clock.now() + ms).toISOString();

const cases: Case[] = [
  {
    name: 'a valid token for the exact stream (newer shape) is allowed',
    issue: { streams: ['test'] },
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 200,
    reason: 'valid',
  },
  {
    name: 'a valid token at the top level (older shape) is allowed',
    issue: { streams: ['test'] },
    body: (token) => olderPlayHlsBody({ token }),
    status: 200,
    reason: 'valid',
  },
  {
    name: 'a glob stream pattern matches the stream',
    issue: { streams: ['event-*'] },
    body: (token) => newerPlayHlsBody({ name: 'event-42-720p' }, { token }),
    status: 200,
    reason: 'valid',
  },
  {
    name: 'a token for another stream is refused with stream_not_allowed',
    issue: { streams: ['other'] },
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 403,
    reason: 'stream_not_allowed',
  },
  {
    name: 'a token limited to the request appKey is allowed',
    issue: { streams: ['test'], appKeys: ['defaultApp'] },
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 200,
    reason: 'valid',
  },
  {
    name: 'a token for another appKey is refused with app_not_allowed',
    issue: { streams: ['test'], appKeys: ['otherApp'] },
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 403,
    reason: 'app_not_allowed',
  },
  {
    name: 'a token with appKeys is refused when the request carries no appKey',
    issue: { streams: ['test'], appKeys: ['defaultApp'] },
    body: (token) => newerPlayHlsBody({ appKey: undefined }, { token }),
    status: 403,
    reason: 'app_not_allowed',
  },
  {
    name: 'a publish-only token cannot play',
    issue: { streams: ['test'], actions: ['publish'] },
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 403,
    reason: 'action_not_allowed',
  },
  {
    name: 'an expired token is refused with expired',
    issue: { streams: ['test'], ttlSeconds: 60 },
    arrange: (t) => t.clock.advance(61_000),
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 403,
    reason: 'expired',
  },
  {
    name: 'a token before its notBefore is refused with not_yet_valid',
    issue: (t) => ({ streams: ['test'], notBefore: future(t, HOUR_MS), ttlSeconds: 7200 }),
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 403,
    reason: 'not_yet_valid',
  },
  {
    name: 'a revoked token is refused with revoked',
    issue: { streams: ['test'] },
    arrange: (t, issued) => revokeViaApi(t.app, issued.id),
    body: (token) => newerPlayHlsBody({}, { token }),
    status: 403,
    reason: 'revoked',
  },
  {
    name: 'a well-formed token the store does not know is refused with unknown_token',
    body: () => newerPlayHlsBody({}, { token: `wta_${'A'.repeat(43)}` }),
    status: 403,
    reason: 'unknown_token',
  },
  {
    name: 'a garbage token is refused with unknown_token',
    body: () => newerPlayHlsBody({}, { token: '123456789' }),
    status: 403,
    reason: 'unknown_token',
  },
  {
    name: 'a numeric token (older shape, unquoted) is read as a string and refused as unknown',
    body: () => olderPlayHlsBody({ token: 123456789 }),
    status: 403,
    reason: 'unknown_token',
  },
  {
    name: 'no token at all is refused with missing_token',
    body: () => newerPlayHlsBody(),
    status: 403,
    reason: 'missing_token',
  },
  {
    name: 'an empty token is refused with missing_token',
    body: () => newerPlayHlsBody({}, { token: '' }),
    status: 403,
    reason: 'missing_token',
  },
  {
    name: 'a token that is an object is refused with malformed_token',
    body: () => newerPlayHlsBody({}, { token: { nested: true } }),
    status: 403,
    reason: 'malformed_token',
  },
  {
    name: 'custom wins: a valid token in custom is allowed even with a bad top-level token',
    issue: { streams: ['test'] },
    body: (token) => ({ ...newerPlayHlsBody({}, { token }), token: 'garbage' }),
    status: 200,
    reason: 'valid',
  },
  {
    name: 'custom wins: a bad token in custom is refused even with a valid top-level token',
    issue: { streams: ['test'] },
    body: (token) => ({ ...newerPlayHlsBody({}, { token: `wta_${'B'.repeat(43)}` }), token }),
    status: 403,
    reason: 'unknown_token',
  },
];

for (const storeKind of STORE_KINDS) {
  describe(`playHLS decisions with the ${storeKind} store`, () => {
    let t: TestApp;
    freshAppPerTest(storeKind, { HOOK_ALLOW_HEADERS: '{"X-Auth-Service":"wcs-token-auth"}' }, (app) => {
      t = app;
    });

    for (const c of cases) {
      it(`${c.name}: answers ${c.status} and counts reason=${c.reason}`, async () => {
        let token = '';
        let id = '';
        if (c.issue) {
          const issued = await issueViaApi(t.app, typeof c.issue === 'function' ? c.issue(t) : c.issue);
          token = issued.token;
          id = issued.record.id;
        }
        await c.arrange?.(t, { token, id });
        const raw = pretty(c.body(token));
        const result = c.status === 200 ? 'allow' : 'deny';
        const before = await counterValue(t.metrics, 'wcs_auth_decisions_total', { method: 'playHLS', result, reason: c.reason });

        const res = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(raw);

        assert.equal(res.status, c.status, res.text);
        assertMatchesContract('POST', '/wcs/playHLS', res);
        const decision = t.logs.decisions().at(-1);
        assert.equal(decision?.reason, c.reason);
        assert.equal(decision?.allow, c.status === 200);
        assert.equal(decision?.tokenId ?? null, c.issue && c.reason !== 'unknown_token' ? id : null);
        assert.equal(
          await counterValue(t.metrics, 'wcs_auth_decisions_total', { method: 'playHLS', result, reason: c.reason }),
          before + 1,
        );
        if (c.status === 200) {
          assert.equal(res.text, raw, 'the allow answer echoes the received bytes');
          assert.match(String(res.headers['content-type']), /^application\/json/);
          assert.equal(res.headers['x-auth-service'], 'wcs-token-auth');
        } else {
          assert.equal(res.body.error.code, 'forbidden');
          assert.doesNotMatch(res.text, new RegExp(c.reason), 'the reason is not told to the caller');
          assert.equal(res.headers['x-deny-reason'], undefined);
          assert.equal(res.headers['x-auth-service'], undefined, 'allow headers only on allow');
        }
        if (token) assert.ok(!t.logs.text().includes(token), 'the token never reaches the log');
      });
    }

    it('adds the token own headers to the allow answer', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['test'], headers: { 'X-Viewer-Id': 'user-1234' } });
      const res = await request(t.app)
        .post('/wcs/playHLS')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(newerPlayHlsBody({}, { token })));
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-viewer-id'], 'user-1234');
    });

    it('logs the client IP from the newer sessionId (canonical form) and the viewer session id', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['test'] });
      await request(t.app)
        .post('/wcs/playHLS')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(newerPlayHlsBody({ sessionId: '/0:0:0:0:0:0:0:1:59473/0:0:0:0:0:0:0:1:8445' }, { token })));
      const decision = t.logs.decisions().at(-1);
      // Java's spelling of ::1, logged in the canonical form every other part of the service uses.
      assert.equal(decision?.clientIp, '::1');
      assert.equal(decision?.viewerSessionId, '60709c5b-6950-40c3-8a3d-37ea0827ae32-7274-HLS');
      assert.equal(decision?.stream, 'test');
      assert.equal(decision?.appKey, 'defaultApp');
    });

    it('a revoked token is refused on the very next request, although it was allowed just before', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'] });
      const body = JSON.stringify(newerPlayHlsBody({}, { token }));
      const first = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body);
      assert.equal(first.status, 200);
      await revokeViaApi(t.app, record.id);
      const second = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body);
      assert.equal(second.status, 403);
    });
  });
}

describe('playHLS configuration variants', () => {
  it('reads the token from the configured parameter (aclAuth) and ignores `token` then', async () => {
    const t = buildTestApp({ store: 'memory', env: { TOKEN_QUERY_PARAM: 'aclAuth' } });
    const { token } = await issueViaApi(t.app, { streams: ['test'] });
    const ok = await request(t.app)
      .post('/wcs/playHLS')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(newerPlayHlsBody({}, { aclAuth: token })));
    assert.equal(ok.status, 200);
    const other = await request(t.app)
      .post('/wcs/playHLS')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(newerPlayHlsBody({}, { token })));
    assert.equal(other.status, 403);
    assert.equal(t.logs.decisions().at(-1)?.reason, 'missing_token');
    await t.close();
  });

  it('with EXPOSE_DENY_REASON=true, a 403 carries X-Deny-Reason (and only then)', async () => {
    const t = buildTestApp({ store: 'memory', env: { EXPOSE_DENY_REASON: 'true' } });
    const res = await request(t.app)
      .post('/wcs/playHLS')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(newerPlayHlsBody()));
    assert.equal(res.status, 403);
    assert.equal(res.headers['x-deny-reason'], 'missing_token');
    assertMatchesContract('POST', '/wcs/playHLS', res);
    await t.close();
  });

  it('serves the hooks under a custom WCS_HOOK_BASE_PATH', async () => {
    const t = buildTestApp({ store: 'memory', env: { WCS_HOOK_BASE_PATH: '/hooks/wcs/' } });
    const { token } = await issueViaApi(t.app, { streams: ['test'] });
    const res = await request(t.app)
      .post('/hooks/wcs/playHLS')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(newerPlayHlsBody({}, { token })));
    assert.equal(res.status, 200);
    const old = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send('{}');
    assert.equal(old.status, 404);
    await t.close();
  });
});
