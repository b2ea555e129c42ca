import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { issueViaApi, revokeViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, oneAppPerBlock, withTestApp, type StoreKind, type TestApp } from '../helpers/test-app.js';

const HOUR_MS = 3_600_000;

async function issue(t: TestApp, body: Record<string, unknown>): Promise<{ token: string; id: string }> {
  const issued = await issueViaApi(t.app, body);
  return { token: issued.token, id: issued.record.id };
}

function nginxAuth(t: TestApp, uri: string | undefined, headers: Record<string, string> = {}, path = '/nginx/auth') {
  const req = request(t.app).get(path);
  if (uri !== undefined) req.set('X-Original-URI', uri);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req;
}

function checkContract(response: request.Response) {
  if (response.status === 204) assert.equal(response.text, '', 'a 204 has no body');
  assertMatchesContract('GET', '/nginx/auth', response);
}

const decisionCount = (t: TestApp, labels: Record<string, string>) => counterValue(t.metrics, 'wcs_auth_decisions_total', labels);

for (const storeKind of ['memory', 'redis'] as StoreKind[]) {
  describe(`GET /nginx/auth decision matrix (${storeKind} store)`, () => {
    let t: TestApp;
    oneAppPerBlock(storeKind, {}, (app) => (t = app));

    const cases: {
      name: string;
      token: (t: TestApp) => Promise<string | undefined>;
      uri?: (token: string | undefined) => string;
      status: number;
      reason: string;
    }[] = [
      { name: 'a valid token on a playlist', token: async (t) => (await issue(t, { streams: ['live'] })).token, status: 204, reason: 'valid' },
      {
        name: 'a valid token on a segment',
        token: async (t) => (await issue(t, { streams: ['live'] })).token,
        uri: (token) => `/live/live7.ts?token=${token}&sessionId=abc`,
        status: 204,
        reason: 'valid',
      },
      { name: 'a glob pattern', token: async (t) => (await issue(t, { streams: ['li*'] })).token, status: 204, reason: 'valid' },
      { name: 'no token', token: async () => undefined, status: 401, reason: 'missing_token' },
      { name: 'an empty token', token: async () => '', status: 401, reason: 'missing_token' },
      {
        name: 'no token on a segment',
        token: async () => undefined,
        uri: () => '/live/live7.ts?sessionId=abc',
        status: 401,
        reason: 'missing_token',
      },
      { name: 'an unknown token', token: async () => `wta_${randomBytes(32).toString('base64url')}`, status: 403, reason: 'unknown_token' },
      { name: 'a string that is no token', token: async () => 'not-a-token', status: 403, reason: 'unknown_token' },
      {
        name: 'two different tokens',
        token: async (t) => (await issue(t, { streams: ['live'] })).token,
        uri: (token) => `/live/live.m3u8?token=${token}&token=wta_${'x'.repeat(43)}`,
        status: 403,
        reason: 'malformed_token',
      },
      { name: 'a token of another stream', token: async (t) => (await issue(t, { streams: ['other'] })).token, status: 403, reason: 'stream_not_allowed' },
      {
        name: 'a revoked token',
        token: async (t) => {
          const issued = await issue(t, { streams: ['live'] });
          await revokeViaApi(t.app, issued.id);
          return issued.token;
        },
        status: 403,
        reason: 'revoked',
      },
      {
        name: 'a token not valid yet',
        token: async (t) =>
          (await issue(t, { streams: ['live'], ttlSeconds: 7200, notBefore: new Date(t.clock.now() + HOUR_MS).toISOString() })).token,
        status: 403,
        reason: 'not_yet_valid',
      },
      {
        name: 'an expired token',
        token: async (t) => {
          const issued = await issue(t, { streams: ['live'], ttlSeconds: 60 });
          t.clock.advance(61_000);
          return issued.token;
        },
        status: 403,
        reason: 'expired',
      },
      {
        name: 'a token for another WCS application',
        token: async (t) => (await issue(t, { streams: ['live'], appKeys: ['otherApp'] })).token,
        uri: (token) => `/live/live.m3u8?token=${token}&appKey=defaultApp`,
        status: 403,
        reason: 'app_not_allowed',
      },
      {
        name: 'a token for the WCS application in the URL',
        token: async (t) => (await issue(t, { streams: ['live'], appKeys: ['defaultApp'] })).token,
        uri: (token) => `/live/live.m3u8?appKey=defaultApp&token=${token}`,
        status: 204,
        reason: 'valid',
      },
      {
        name: 'a token for a publish-only action',
        token: async (t) => (await issue(t, { streams: ['live'], actions: ['publish'] })).token,
        status: 403,
        reason: 'action_not_allowed',
      },
      {
        name: 'a URI that is not a playlist or segment',
        token: async (t) => (await issue(t, { streams: ['live'] })).token,
        uri: (token) => `/live/live.mp3?token=${token}`,
        status: 403,
        reason: 'unrecognized_uri',
      },
      {
        name: 'a URI climbing out of the stream directory',
        token: async (t) => (await issue(t, { streams: ['other'] })).token,
        uri: (token) => `/other/../live/live.m3u8?token=${token}`,
        status: 403,
        reason: 'unrecognized_uri',
      },
    ];

    for (const c of cases) {
      test(`with ${c.name}, answers ${c.status} and logs reason=${c.reason}`, async () => {
        const token = await c.token(t);
        const uri = c.uri ? c.uri(token) : `/live/live.m3u8${token === undefined ? '' : `?token=${token}`}`;
        const before = await decisionCount(t, { method: 'nginx', reason: c.reason });
        const response = await nginxAuth(t, uri, { 'X-Real-IP': '203.0.113.7' });
        assert.equal(response.status, c.status);
        checkContract(response);
        assert.equal(response.headers['x-deny-reason'], undefined, 'reasons stay in the log by default');
        const line = t.logs.decisions().at(-1);
        assert.equal(line?.method, 'nginx');
        assert.equal(line?.reason, c.reason);
        assert.equal(line?.allow, c.status === 204);
        assert.equal(await decisionCount(t, { method: 'nginx', reason: c.reason }), before + 1);
        if (token) assert.ok(!t.logs.text().includes(token), 'the token never reaches the log');
      });
    }
  });
}

describe('GET /nginx/auth answers', () => {
  let t: TestApp;
  oneAppPerBlock('memory', { HOOK_ALLOW_HEADERS: '{"X-Auth-Service":"wcs-token-auth"}' }, (app) => (t = app));

  test('an allow is 204 without body, with the token id, the token\'s headers and the global allow headers', async () => {
    const { token, id } = await issue(t, { streams: ['live'], headers: { 'X-Viewer-Id': 'viewer-42' } });
    const response = await nginxAuth(t, `/live/live.m3u8?token=${token}`);
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    assert.equal(response.headers['x-auth-token-id'], id);
    assert.equal(response.headers['x-viewer-id'], 'viewer-42');
    assert.equal(response.headers['x-auth-service'], 'wcs-token-auth');
    checkContract(response);
  });

  test('a token header cannot forge X-Auth-Token-Id: the name is reserved at issue', async () => {
    const refused = await request(t.app)
      .post('/v1/tokens')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({ streams: ['live'], headers: { 'X-Auth-Token-Id': 'tok_forgedforgedforge' } });
    assert.equal(refused.status, 400);
    const { token, id } = await issue(t, { streams: ['live'] });
    const response = await nginxAuth(t, `/live/live.m3u8?token=${token}`);
    assert.equal(response.headers['x-auth-token-id'], id);
  });

  test('a playlist is logged as a viewer-session start and a segment as a check, both in one session: stream and viewer address', async () => {
    const { token, id } = await issue(t, { streams: ['live'] });
    await nginxAuth(t, `/live/live.m3u8?token=${token}`, { 'X-Real-IP': '203.0.113.7' }).expect(204);
    await nginxAuth(t, `/live/live3.ts?token=${token}&sessionId=60709c5b-HLS`, { 'X-Real-IP': '203.0.113.7' }).expect(204);
    await nginxAuth(t, `/live-720p/live-720p.m3u8?token=${token}`, { 'X-Real-IP': '203.0.113.7' }).expect(204);
    await nginxAuth(t, `/live/live.m3u8?token=${token}`, { 'X-Real-IP': '198.51.100.4' }).expect(204);
    const lines = t.logs.decisions().filter((line) => line.tokenId === id);
    assert.deepEqual(
      lines.map((line) => [line.resource, line.viewerSessionId, line.clientIp, line.stream]),
      [
        ['playlist', 'live@203.0.113.7', '203.0.113.7', 'live'],
        ['segment', 'live@203.0.113.7', '203.0.113.7', 'live'],
        ['playlist', 'live@203.0.113.7', '203.0.113.7', 'live'],
        ['playlist', 'live@198.51.100.4', '198.51.100.4', 'live'],
      ],
    );
  });

  test('an ABR variant (/live-720p/…, or /live/720/… in newer WCS) is checked as its stream', async () => {
    const { token } = await issue(t, { streams: ['live'] });
    await nginxAuth(t, `/live-720p/live-720p.m3u8?token=${token}`).expect(204);
    assert.equal(t.logs.decisions().at(-1)?.stream, 'live');
    await nginxAuth(t, `/live-720p/live-720p12.ts?token=${token}`).expect(204);
    await nginxAuth(t, `/live/720/720.m3u8?token=${token}`).expect(204);
    await nginxAuth(t, `/live-720x/live-720x.m3u8?token=${token}`).expect(403);
  });

  test('a method other than GET or HEAD is refused with reason method_not_allowed', async () => {
    const { token } = await issue(t, { streams: ['live'] });
    await nginxAuth(t, `/live/live.m3u8?token=${token}`, { 'X-Original-Method': 'HEAD' }).expect(204);
    const response = await nginxAuth(t, `/live/live.m3u8?token=${token}`, { 'X-Original-Method': 'POST' });
    assert.equal(response.status, 403);
    checkContract(response);
    assert.equal(t.logs.decisions().at(-1)?.reason, 'method_not_allowed');
  });

  test('without X-Original-URI (a misconfigured nginx), answers 400 naming the header and decides nothing', async () => {
    const decisions = t.logs.decisions().length;
    const response = await nginxAuth(t, undefined);
    assert.equal(response.status, 400);
    assert.equal(response.body.error.details[0].field, 'X-Original-URI');
    checkContract(response);
    assert.equal(t.logs.decisions().length, decisions);
  });

  test('HEAD on the endpoint works like GET (nginx sends GET, but a health probe may not)', async () => {
    const { token } = await issue(t, { streams: ['live'] });
    const response = await request(t.app).head('/nginx/auth').set('X-Original-URI', `/live/live.m3u8?token=${token}`);
    assert.equal(response.status, 204);
  });
});

describe('GET /nginx/auth configuration', () => {
  test('NGINX_AUTH_PATH moves the endpoint', () =>
    withTestApp({ store: 'memory', env: { NGINX_AUTH_PATH: '/auth/hls' } }, async (t) => {
      const { token } = await issue(t, { streams: ['live'] });
      await nginxAuth(t, `/live/live.m3u8?token=${token}`, {}, '/auth/hls').expect(204);
      await nginxAuth(t, `/live/live.m3u8?token=${token}`).expect(404);
    }));

  test('TOKEN_QUERY_PARAM=aclAuth reads the token from aclAuth', () =>
    withTestApp({ store: 'memory', env: { TOKEN_QUERY_PARAM: 'aclAuth' } }, async (t) => {
      const { token } = await issue(t, { streams: ['live'] });
      await nginxAuth(t, `/live/live.m3u8?aclAuth=${token}`).expect(204);
      await nginxAuth(t, `/live/live.m3u8?token=${token}`).expect(401);
    }));

  test('NGINX_STREAM_VARIANT_SUFFIX=none checks the first path segment as it is', () =>
    withTestApp({ store: 'memory', env: { NGINX_STREAM_VARIANT_SUFFIX: 'none' } }, async (t) => {
      const { token } = await issue(t, { streams: ['live'] });
      await nginxAuth(t, `/live-720p/live-720p.m3u8?token=${token}`).expect(403);
      assert.equal(t.logs.decisions().at(-1)?.reason, 'stream_not_allowed');
    }));

  test('a custom NGINX_STREAM_VARIANT_SUFFIX strips the operator\'s profile names only', () =>
    withTestApp({ store: 'memory', env: { NGINX_STREAM_VARIANT_SUFFIX: '_(hd|sd)' } }, async (t) => {
      const { token } = await issue(t, { streams: ['live'] });
      await nginxAuth(t, `/live_hd/live_hd.m3u8?token=${token}`).expect(204);
      await nginxAuth(t, `/live-720p/live-720p.m3u8?token=${token}`).expect(403);
    }));

  test('X-Real-IP and X-Forwarded-For are ignored from a peer outside TRUSTED_PROXY_CIDRS', () =>
    withTestApp({ store: 'memory', env: { TRUSTED_PROXY_CIDRS: '10.0.0.0/8' } }, async (t) => {
      const { token } = await issue(t, { streams: ['live'] });
      await nginxAuth(t, `/live/live.m3u8?token=${token}`, { 'X-Real-IP': '203.0.113.7', 'X-Forwarded-For': '198.51.100.1' }).expect(204);
      assert.equal(t.logs.decisions().at(-1)?.clientIp, '127.0.0.1');
    }));

  test('from a trusted proxy, X-Forwarded-For is walked from the right past trusted hops', () =>
    withTestApp({ store: 'memory', env: { TRUSTED_PROXY_CIDRS: '127.0.0.0/8,10.0.0.0/8' } }, async (t) => {
      const { token } = await issue(t, { streams: ['live'] });
      await nginxAuth(t, `/live/live.m3u8?token=${token}`, { 'X-Forwarded-For': '1.2.3.4, 203.0.113.7, 10.0.0.2' }).expect(204);
      assert.equal(t.logs.decisions().at(-1)?.clientIp, '203.0.113.7');
    }));

  test('EXPOSE_DENY_REASON=true adds X-Deny-Reason to refusals', () =>
    withTestApp({ store: 'memory', env: { EXPOSE_DENY_REASON: 'true' } }, async (t) => {
      const response = await nginxAuth(t, '/live/live.m3u8');
      assert.equal(response.status, 401);
      assert.equal(response.headers['x-deny-reason'], 'missing_token');
    }));
});

describe('GET /nginx/auth when Redis fails', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(() => redis.stop());

  for (const policy of ['deny', 'allow'] as const) {
    test(`with STORE_FAILURE_POLICY=${policy}, a stalled Redis gets ${policy === 'deny' ? 403 : 204} within STORE_TIMEOUT_MS, reason store_unavailable`, () =>
      withTestApp({ store: 'redis', redis, env: { STORE_FAILURE_POLICY: policy, STORE_TIMEOUT_MS: '300' } }, async (t) => {
        const { token } = await issue(t, { streams: ['live'] });
        redis.stall();
        let response;
        try {
          response = await nginxAuth(t, `/live/live.m3u8?token=${token}`).timeout(10_000);
        } finally {
          redis.resume();
        }
        assert.equal(response.status, policy === 'deny' ? 403 : 204);
        checkContract(response);
        assert.equal(t.logs.decisions().at(-1)?.reason, 'store_unavailable');
        assert.equal(response.headers['x-auth-token-id'], undefined);
      }));
  }

  test('a killed Redis gets the deny policy\'s 403, not an error', async () => {
    const t = buildTestApp({ store: 'redis', redis, env: { STORE_TIMEOUT_MS: '300' } });
    try {
      const { token } = await issue(t, { streams: ['live'] });
      await redis.kill();
      const response = await nginxAuth(t, `/live/live3.ts?token=${token}`).timeout(10_000);
      assert.equal(response.status, 403);
      assert.equal(t.logs.decisions().at(-1)?.reason, 'store_unavailable');
    } finally {
      await redis.restart();
      await t.close();
    }
  });
});
