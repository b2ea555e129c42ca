import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createServiceServer } from '../../src/shared/http-server.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The metrics series this request added to (route label, method, status). */
  counted: string[];
  /** The decision log lines it wrote, without what differs per request. */
  decisions: Record<string, unknown>[];
}

/**
 * Each spelling of a decision URL that Express's routing accepted before the front door took the decision paths
 * over, and each it refused. Sent through the real listener on a socket, as written (no client normalises them).
 */
const HOOK_SPELLINGS = ['/wcs/playHLS/', '/WCS/playHLS', '/Wcs/playHLS', '/wcs/play%48LS', '/wcs/%70layHLS/', '/wcs/playHLS?x=1', '/wcs/playHLS/?x=1', 'http://example.com/wcs/playHLS'];
const NOT_HOOK = ['/wcs//playHLS', '/wcs/playHLS//', '//wcs/playHLS', '/%77cs/playHLS', '/wcs/playHLS/extra', '/wcs/', '/wcs', '/wcs/./playHLS', '/wcs%2FplayHLS', '*'];
const NGINX_SPELLINGS = ['/nginx/auth/', '/NGINX/AUTH', '/Nginx/Auth', '/nginx/auth?x=1', '/nginx/auth/?x=1', 'http://example.com/nginx/auth'];
const NOT_NGINX = ['/nginx/%61uth', '//nginx/auth', '/nginx//auth', '/nginx/auth//', '/nginx/authz', '/nginx/auth/x', '/nginx%2Fauth'];

describe('the decision paths in every spelling, through the real listener', () => {
  let t: TestApp;
  let server: Server;
  let port: number;
  let token: string;
  let raw: string;
  before(async () => {
    t = buildTestApp({ store: 'memory', env: { HOOK_ALLOW_HEADERS: '{"X-Allowed-By":"wcs-token-auth"}' } });
    server = createServiceServer(t.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    token = (await issueViaApi(t.app, { streams: ['test', 'live'] })).token;
    raw = pretty(newerPlayHlsBody({}, { token }));
  });
  after(async () => {
    server.close();
    await t.close();
  });

  async function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
    const before = await series();
    const lines = t.logs.lines.length;
    const res = await new Promise<{ status: number; headers: Answer['headers']; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    // The log line and the metrics are written once the answer has gone out: let them land.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const id = String(res.headers['x-request-id']);
    const { date: _date, 'x-request-id': _id, ...headersLeft } = res.headers;
    const after = await series();
    return {
      status: res.status,
      headers: headersLeft,
      body: res.body.split(id).join('<id>'),
      counted: [...after].filter(([key, value]) => before.get(key) !== value).map(([key]) => key),
      decisions: t.logs.lines
        .slice(lines)
        .filter((line) => line.event === 'decision')
        .map(({ time: _time, requestId, durationMs: _ms, ...rest }) => ({ ...rest, requestId: requestId === id ? '<id>' : requestId })),
    };
  }

  async function series(): Promise<Map<string, number>> {
    const { values } = await t.metrics.registry.getSingleMetric('wcs_auth_http_requests_total')!.get();
    return new Map(values.map((value) => [`${value.labels.route} ${value.labels.method} ${value.labels.status}`, value.value]));
  }

  const hook = (path: string, method = 'POST') => send(method, path, { 'content-type': 'application/json' }, method === 'POST' ? raw : undefined);
  const nginx = (path: string, method = 'GET') =>
    send(method, path, { 'x-original-uri': `/live/live.m3u8?token=${token}`, 'x-original-method': 'GET' });

  it('answers every spelling of the hook URL as the plain one, under the one metrics label, with the same decision line', async () => {
    const plain = await hook('/wcs/playHLS');
    assert.equal(plain.status, 200);
    assert.equal(plain.body, raw);
    assert.deepEqual(plain.counted, ['/wcs/:method POST 200']);
    assert.equal(plain.decisions.length, 1);
    for (const path of HOOK_SPELLINGS) assert.deepEqual(await hook(path), plain, path);
    // The method name itself keeps its case, as WCS writes it: `PLAYHLS` is no method we check, so it is echoed.
    const echoed = await hook('/WCS/PLAYHLS');
    assert.deepEqual([echoed.status, echoed.body, echoed.decisions, echoed.counted], [200, raw, [], ['/wcs/:method POST 200']]);
  });

  it('answers every spelling of the nginx auth path as the plain one, for GET and HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const plain = await nginx('/nginx/auth', method);
      assert.equal(plain.status, 204);
      assert.deepEqual(plain.counted, [`/nginx/auth ${method} 204`]);
      assert.equal(plain.decisions.length, 1);
      for (const path of NGINX_SPELLINGS) assert.deepEqual(await nginx(path, method), plain, `${method} ${path}`);
    }
  });

  it('leaves what is not a decision path to Express: 404 not_found, counted as unmatched, no decision', async () => {
    for (const [path, ask] of [...NOT_HOOK.map((p) => [p, hook] as const), ...NOT_NGINX.map((p) => [p, nginx] as const)]) {
      const answer = await ask(path);
      assert.equal(answer.status, 404, path);
      assert.match(answer.body, /"code":"not_found"/, path);
      assert.deepEqual(answer.decisions, [], path);
      assert.equal(answer.counted.length, 1, path);
      assert.match(answer.counted[0]!, /^unmatched /, path);
    }
  });

  it('answers the other methods on the decision paths as Express did: 404, OPTIONS with Allow, HEAD on the hook counted under it', async () => {
    for (const path of ['/wcs/playHLS', '/WCS/playHLS/']) {
      const head = await hook(path, 'HEAD');
      assert.deepEqual([head.status, head.counted], [404, ['/wcs/:method HEAD 404']], path);
      const get = await hook(path, 'GET');
      assert.deepEqual([get.status, get.counted], [404, ['unmatched GET 404']], path);
      const options = await hook(path, 'OPTIONS');
      assert.deepEqual([options.status, options.headers.allow, options.body, options.counted], [200, 'POST', 'POST', ['unmatched OPTIONS 200']], path);
    }
    const options = await nginx('/NGINX/auth/', 'OPTIONS');
    assert.deepEqual([options.status, options.headers.allow, options.body], [200, 'GET, HEAD', 'GET, HEAD']);
    const post = await nginx('/nginx/auth', 'POST');
    assert.deepEqual([post.status, post.counted], [404, ['unmatched POST 404']]);
  });

  it('refuses a malformed percent-escape in the hook method with 400, for every method, counted as unmatched', async () => {
    for (const path of ['/wcs/%E0', '/wcs/%', '/WCS/%zz/']) {
      for (const method of ['POST', 'GET']) {
        const answer = await hook(path, method);
        assert.equal(answer.status, 400, `${method} ${path}`);
        assert.equal(answer.body, '{"error":{"code":"validation_failed","message":"The URL path is not valid percent-encoded UTF-8","requestId":"<id>"}}');
        assert.deepEqual(answer.counted, [`unmatched ${method} 400`]);
      }
    }
  });
});

describe('an NGINX_AUTH_PATH under WCS_HOOK_BASE_PATH', () => {
  it('takes GET, HEAD and OPTIONS for nginx in every spelling, and POST for the hook', async () => {
    const t = buildTestApp({ store: 'memory', env: { NGINX_AUTH_PATH: '/wcs/auth' } });
    try {
      const uri = '/live/live.m3u8';
      for (const path of ['/wcs/auth', '/WCS/Auth/', '/wcs/auth?x=1']) {
        const nginx = await request(t.app).get(path).set('X-Original-URI', uri);
        assert.deepEqual([nginx.status, nginx.body.error?.code], [401, 'unauthorized'], path);
        const options = await request(t.app).options(path);
        assert.equal(options.headers.allow, 'GET, HEAD', path);
      }
      const hook = await request(t.app).post('/wcs/auth').set('Content-Type', 'application/json').send('{"a":1}');
      assert.deepEqual([hook.status, hook.text], [200, '{"a":1}']);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/auth', method: 'GET', status: '401' }), 3);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_http_requests_total', { route: '/wcs/:method', method: 'POST', status: '200' }), 1);
    } finally {
      await t.close();
    }
  });
});

describe('WCS_HOOK_BASE_PATH=/ and the app\'s own one-segment paths', () => {
  it('leaves OPTIONS on a served path (any case, one trailing slash) to the app, and answers it on any other one-segment path for the hook', async () => {
    const t = buildTestApp({ store: 'memory', env: { WCS_HOOK_BASE_PATH: '/' } });
    try {
      for (const path of ['/healthz', '/READYZ/', '/Healthz']) {
        const served = await request(t.app).options(path);
        assert.deepEqual([served.status, served.headers.allow], [200, 'GET, HEAD'], path);
      }
      const hook = await request(t.app).options('/playHLS');
      assert.deepEqual([hook.status, hook.headers.allow, hook.text], [200, 'POST', 'POST']);
      // POST on a served path is still the hook's, as it was under Express (`POST /:method`): echoed, no decision.
      const post = await request(t.app).post('/healthz').set('Content-Type', 'application/json').send('{"a":1}');
      assert.deepEqual([post.status, post.text], [200, '{"a":1}']);
    } finally {
      await t.close();
    }
  });
});
