import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServiceServer } from '../../src/shared/http-server.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

interface RawAnswer {
  status: number;
  /** Header names in the order they came on the wire. */
  names: string[];
  values: Record<string, string>;
  body: string;
}

/**
 * The decision answers are written with one writeHead (src/http/decision-answer.ts). The head is the one the
 * setHeader calls wrote before: request id, nosniff, the route's own headers, then Content-Type and
 * Content-Length, node's Date and Connection last. Read from rawHeaders, so a change of order fails here.
 */
describe('the head of a decision answer, in wire order', () => {
  let t: TestApp;
  let server: Server;
  let port: number;
  let token: string;
  let tokenId: string;
  before(async () => {
    t = buildTestApp({ store: 'memory', env: { HOOK_ALLOW_HEADERS: '{"X-Allowed-By":"wcs-token-auth"}', EXPOSE_DENY_REASON: 'true' } });
    server = createServiceServer(t.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    const issued = await issueViaApi(t.app, { streams: ['test', 'live'], headers: { 'X-Viewer-Tier': 'gold', 'X-Customer-Id': 'c-1' } });
    token = issued.token;
    tokenId = issued.record.id;
  });
  after(async () => {
    server.close();
    await t.close();
  });

  function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const raw = response.rawHeaders;
          const names = raw.filter((_, i) => i % 2 === 0);
          const values = Object.fromEntries(names.map((name, i) => [name, raw[2 * i + 1] ?? '']));
          resolve({ status: response.statusCode ?? 0, names, values, body: text });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const hook = (raw: string) => send('POST', '/wcs/playHLS', { 'content-type': 'application/json' }, raw);

  it('allow: request id, nosniff, the operator\'s headers, the token\'s, then the type and length of the echoed body', async () => {
    const raw = pretty(newerPlayHlsBody({}, { token }));
    const answer = await hook(raw);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, raw);
    assert.deepEqual(answer.names, ['X-Request-Id', 'X-Content-Type-Options', 'X-Allowed-By', 'X-Viewer-Tier', 'X-Customer-Id', 'Content-Type', 'Content-Length', 'Date', 'Connection']);
    assert.deepEqual(
      [answer.values['X-Content-Type-Options'], answer.values['X-Viewer-Tier'], answer.values['Content-Type'], answer.values['Content-Length']],
      ['nosniff', 'gold', 'application/json; charset=utf-8', String(Buffer.byteLength(raw))],
    );
  });

  it('deny: the reason header (EXPOSE_DENY_REASON) before the error body\'s type and length', async () => {
    const answer = await hook(pretty(newerPlayHlsBody({}, { token: 'wta_unknown' })));
    assert.equal(answer.status, 403);
    assert.deepEqual(answer.names, ['X-Request-Id', 'X-Content-Type-Options', 'X-Deny-Reason', 'Content-Type', 'Content-Length', 'Date', 'Connection']);
    assert.equal(answer.body, `{"error":{"code":"forbidden","message":"Access denied","requestId":"${answer.values['X-Request-Id']}"}}`);
  });

  it('an oversized body: Connection: close where the handler set it, and no second Connection from node', async () => {
    const answer = await hook(`{"a":"${'x'.repeat(70 * 1024)}"}`);
    assert.equal(answer.status, 413);
    assert.deepEqual(answer.names, ['X-Request-Id', 'X-Content-Type-Options', 'Connection', 'Content-Type', 'Content-Length', 'Date']);
    assert.equal(answer.values.Connection, 'close');
  });

  it('nginx allow: 204 with the operator\'s and the token\'s headers, then the token id', async () => {
    const answer = await send('GET', '/nginx/auth', { 'x-original-uri': `/live/live.m3u8?token=${token}` });
    assert.equal(answer.status, 204);
    assert.deepEqual(answer.names, ['X-Request-Id', 'X-Content-Type-Options', 'X-Allowed-By', 'X-Viewer-Tier', 'X-Customer-Id', 'X-Auth-Token-Id', 'Date', 'Connection']);
    assert.equal(answer.values['X-Auth-Token-Id'], tokenId);
  });
});
