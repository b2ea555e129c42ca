import assert from 'node:assert/strict';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import type { TokenVerifier } from '../../src/tokens/token-verifier.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { LogCapture } from '../helpers/log-capture.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

/** The headers that say what an answer is, without the ones that change per request. */
function stableHeaders(headers: Record<string, string>): Record<string, string> {
  const { date: _date, 'x-request-id': _id, ...rest } = headers;
  return rest;
}

describe('the front door: the WCS hook and nginx auth_request answered without Express, in every spelling', () => {
  describe('answers', () => {
    let t: TestApp;
    let token: string;
    before(async () => {
      t = buildTestApp({ store: 'memory', env: { HOOK_ALLOW_HEADERS: '{"X-Allowed-By":"wcs-token-auth"}' } });
      token = (await issueViaApi(t.app, { streams: ['test'] })).token;
    });
    after(() => t.close());

    const post = (path: string, raw: string) => request(t.app).post(path).set('Content-Type', 'application/json').send(raw);

    it('gives other spellings of a hook URL the same answers, under the same metrics label', async () => {
      const allowRaw = pretty(newerPlayHlsBody({}, { token }));
      const denyRaw = pretty(newerPlayHlsBody({}, { token: 'wta_unknown' }));
      const before200 = await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', status: '200' });
      const fast = await post('/wcs/playHLS', allowRaw);
      const fastDeny = await post('/wcs/playHLS', denyRaw);
      assert.equal(fast.status, 200);
      assert.equal(fast.text, allowRaw);
      assert.equal(fast.headers['x-allowed-by'], 'wcs-token-auth');
      assert.equal(fastDeny.status, 403);
      for (const path of ['/wcs/playHLS/', '/WCS/playHLS', '/wcs/play%48LS']) {
        const allowed = await post(path, allowRaw);
        assert.equal(allowed.status, 200, path);
        assert.equal(allowed.text, allowRaw, path);
        assert.deepEqual(stableHeaders(allowed.headers), stableHeaders(fast.headers), path);
        const denied = await post(path, denyRaw);
        assert.equal(denied.status, 403, path);
        assert.deepEqual(stableHeaders(denied.headers), stableHeaders(fastDeny.headers), path);
        assert.equal(denied.body.error.requestId, denied.headers['x-request-id']);
      }
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', status: '200' }), before200 + 4);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/WCS/:method', status: '200' }), 0);
    });

    it('sets the request id and nosniff headers itself, and keeps a sane incoming X-Request-Id', async () => {
      const res = await request(t.app).post('/wcs/connect').set('Content-Type', 'application/json').set('X-Request-Id', 'wcs-42').send('{}');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-request-id'], 'wcs-42');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(res.headers['x-powered-by'], undefined);
      // node joins a repeated X-Request-Id ("wcs-42, wcs-43"): not a sane id, so the answer gets one of ours. (An
      // array is sent as two header lines; superagent's types admit one only for Cookie.)
      const twice = ['wcs-42', 'wcs-43'] as unknown as string;
      const repeated = await request(t.app).post('/wcs/connect').set('Content-Type', 'application/json').set('x-REQUEST-id', twice).send('{}');
      assert.match(String(repeated.headers['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('refuses a compressed body with 415 (it was a 500 before)', async () => {
      const res = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{}');
      assert.equal(res.status, 415);
      assert.equal(res.body.error.code, 'unsupported_media_type');
      assertMatchesContract('post', '/wcs/{method}', res);
      const identity = await request(t.app).post('/wcs/connect').set('Content-Type', 'application/json').set('Content-Encoding', 'identity').send('{}');
      assert.equal(identity.status, 200);
    });

    it('gives other spellings of the nginx auth path the same answers, under the same metrics label', async () => {
      const nginx = (path: string, uri: string, method: 'get' | 'head' = 'get') =>
        request(t.app)[method](path).set('X-Original-URI', uri).set('X-Original-Method', 'GET');
      // `token` is for the stream `test`: a refusal.
      const otherStreamUri = `/live/live.m3u8?token=${token}`;
      const live = (await issueViaApi(t.app, { streams: ['live'] })).token;
      const count204 = (method: string) => counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/nginx/auth', method, status: '204' });
      const [getsBefore, headsBefore] = [await count204('GET'), await count204('HEAD')];
      const fast = await nginx('/nginx/auth', `/live/live.m3u8?token=${live}`);
      const fastDeny = await nginx('/nginx/auth', otherStreamUri);
      const fastMissing = await nginx('/nginx/auth', '/live/live.m3u8');
      assert.deepEqual([fast.status, fastDeny.status, fastMissing.status], [204, 403, 401]);
      assert.equal(fast.headers['x-allowed-by'], 'wcs-token-auth');
      assert.ok(fast.headers['x-auth-token-id']);
      for (const path of ['/nginx/auth/', '/NGINX/auth']) {
        const allowed = await nginx(path, `/live/live.m3u8?token=${live}`);
        assert.equal(allowed.status, 204, path);
        assert.deepEqual(stableHeaders(allowed.headers), stableHeaders(fast.headers), path);
        const denied = await nginx(path, otherStreamUri);
        assert.equal(denied.status, 403, path);
        assert.deepEqual(stableHeaders(denied.headers), stableHeaders(fastDeny.headers), path);
      }
      const head = await nginx('/nginx/auth', `/live/live.m3u8?token=${live}`, 'head');
      assert.equal(head.status, 204);
      assert.equal(await count204('GET'), getsBefore + 3);
      assert.equal(await count204('HEAD'), headsBefore + 1);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/NGINX/auth', status: '204' }), 0);
    });

    it('leaves every other request to Express: GET on a hook URL and deeper paths get 404, admin routes still answer', async () => {
      assert.equal((await request(t.app).get('/wcs/playHLS')).status, 404);
      assert.equal((await post('/wcs/playHLS/extra', '{}')).status, 404);
      assert.equal((await request(t.app).get('/healthz')).status, 200);
      const unmatched = await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' });
      assert.ok(unmatched >= 1, 'a GET on a hook URL is not counted under the hook route');
    });
  });

  it('works with WCS_HOOK_BASE_PATH=/ without hiding the other routes', async () => {
    const t = buildTestApp({ store: 'memory', env: { WCS_HOOK_BASE_PATH: '/' } });
    try {
      const { token } = await issueViaApi(t.app, { streams: ['test'] });
      const raw = pretty(newerPlayHlsBody({}, { token }));
      const allowed = await request(t.app).post('/playHLS').set('Content-Type', 'application/json').send(raw);
      assert.equal(allowed.status, 200);
      assert.equal(allowed.text, raw);
      assert.equal((await request(t.app).get('/healthz')).status, 200);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/:method', status: '200' }), 1);
    } finally {
      await t.close();
    }
  });

  it('answers a failure inside either handler with 500 internal, logged, without the details', async () => {
    const t = buildTestApp({ store: 'memory' });
    // A verdict that throws when the decision reads it: a failure inside the handler, after the lookup.
    const verifier: TokenVerifier = {
      verify: () =>
        Promise.resolve({
          valid: true,
          kind: 'opaque',
          tokenId: 'tok_1',
          get headers(): Record<string, string> {
            throw new Error('line break X-Bad');
          },
        }),
    };
    const app = createApp(t.config, { ...t.services, verifier }, { clock: t.clock, logger: createLogger('info', t.logs), metrics: t.metrics });
    try {
      const res = await request(app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(pretty(newerPlayHlsBody({}, { token: 'wta_x' })));
      assert.equal(res.status, 500);
      assert.equal(res.body.error.code, 'internal');
      assert.equal(res.body.error.message, 'Internal error');
      assert.doesNotMatch(res.text, /line|break|X-Bad/);
      assertMatchesContract('post', '/wcs/{method}', res);
      assert.ok(t.logs.lines.some((line) => line.msg === 'unhandled error' && line.requestId === res.headers['x-request-id']));
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', status: '500' }), 1);
      const nginx = await request(app).get('/nginx/auth').set('X-Original-URI', '/test/test.m3u8?token=wta_x');
      assert.equal(nginx.status, 500);
      assert.equal(nginx.body.error.code, 'internal');
      assertMatchesContract('get', '/nginx/auth', nginx);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/nginx/auth', status: '500' }), 1);
    } finally {
      await t.close();
    }
  });

  it('answers a throw from inside the body\'s end listener (and nginx\'s listener) with the 500, counted once', async () => {
    const t = buildTestApp({ store: 'memory' });
    // A verdict the memory path hands over at once (verifyNow) that throws when the decision reads it: the hook's
    // throw comes from the request body's 'end' listener, the nginx one from the request listener, both before the
    // answer is written.
    const verifier: TokenVerifier = {
      verify: () => Promise.reject(new Error('not used: verifyNow answers')),
      verifyNow: () => ({
        valid: true,
        kind: 'opaque',
        tokenId: 'tok_1',
        expiresAt: Date.now() + 60_000,
        get headers(): Record<string, string> {
          throw new Error('verdict unreadable');
        },
      }),
    };
    const logs = new LogCapture();
    const app = createApp(t.config, { ...t.services, verifier }, { clock: t.clock, logger: createLogger('info', logs), metrics: t.metrics });
    try {
      const hook = await request(app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(pretty(newerPlayHlsBody({}, { token: 'wta_x' })));
      assert.equal(hook.status, 500);
      assert.equal(hook.body.error.code, 'internal');
      assert.equal(hook.headers['x-content-type-options'], 'nosniff');
      const nginx = await request(app).get('/nginx/auth').set('X-Original-URI', '/test/test.m3u8?token=wta_x');
      assert.equal(nginx.status, 500);
      const failures = logs.lines.filter((line) => line.msg === 'unhandled error');
      assert.deepEqual(failures.map((line) => line.requestId), [hook.headers['x-request-id'], nginx.headers['x-request-id']]);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', status: '500' }), 1);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/nginx/auth', status: '500' }), 1);
    } finally {
      await t.close();
    }
  });

  it('writes the answer before the decision line: a line that cannot be written leaves the answer whole, and is logged', async () => {
    const t = buildTestApp({ store: 'memory', env: { WCS_SIGNING_SECRET: 'front-door-secret' } });
    // bad_signature and a POST to nginx are decided without a promise; their decision lines throw after the answer.
    const logs = new LogCapture();
    const failingLog = {
      write(line: string) {
        if (line.includes('"event":"decision"')) throw new Error('decision log failed');
        logs.write(line);
      },
    };
    const app = createApp(t.config, t.services, { clock: t.clock, logger: createLogger('info', failingLog), metrics: t.metrics });
    try {
      const hook = await request(app).post('/wcs/playHLS').set('Content-Type', 'application/json').set('Authorization', 'WCS 00').send('{}');
      assert.equal(hook.status, 403);
      assert.equal(hook.body.error.code, 'forbidden');
      const nginx = await request(app).get('/nginx/auth').set('X-Original-URI', '/test/test.m3u8?token=wta_x').set('X-Original-Method', 'POST');
      assert.equal(nginx.status, 403);
      assert.equal(nginx.body.error.code, 'forbidden');
      const failures = logs.lines.filter((line) => line.msg === 'unhandled error');
      assert.deepEqual(failures.map((line) => line.requestId), [hook.headers['x-request-id'], nginx.headers['x-request-id']]);
      // Counted once each, with the status the caller got.
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', status: '403' }), 1);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', status: '500' }), 0);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/nginx/auth', status: '403' }), 1);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/nginx/auth', status: '500' }), 0);
      // The failure after the answer does not cut the caller's keep-alive connection: its next request reuses it.
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const { port } = server.address() as AddressInfo;
        const reused: boolean[] = [];
        for (let i = 0; i < 2; i++) {
          const status = await new Promise<number | undefined>((resolve, reject) => {
            const req = httpRequest({ port, host: '127.0.0.1', path: '/wcs/playHLS', method: 'POST', agent, headers: { 'Content-Type': 'application/json', Authorization: 'WCS 00' } }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
            });
            req.on('error', reject);
            reused.push(req.reusedSocket);
            req.end('{}');
          });
          assert.equal(status, 403);
        }
        assert.deepEqual(reused, [false, true]);
      } finally {
        agent.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      await t.close();
    }
  });
});
