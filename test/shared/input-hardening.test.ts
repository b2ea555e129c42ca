import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { beforeEach, describe, test } from 'node:test';
import { issueToken, timedRequest, type TimedAnswer } from '../helpers/hook-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { pretty } from '../helpers/wcs-bodies.js';

/**
 * Hostile input to the hook and the admin API, against a Redis-backed instance: each case gets a clear 4xx with
 * the documented error shape, and nothing is written to Redis.
 */
const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
};
/** Nesting as text, so that depth is not limited by JSON.stringify in the test itself. */
const deepText = (depth: number) => `${'{"d":'.repeat(depth)}1${'}'.repeat(depth)}`;
const INVALID_UTF8 = Buffer.concat([Buffer.from('{"streams":["te'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('st"]}')]);

describe('input hardening', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let instance: ServiceInstance;
  let keysBefore: string[];

  serviceOnRedis({ BODY_LIMIT_BYTES: '65536', BRUTE_FORCE_MAX_PER_IP: '0' }, ([first], started) => {
    instance = first!;
    redis = started!;
  });
  beforeEach(async () => {
    keysBefore = (await redis.client.keys(`${redis.keyPrefix}*`)).sort();
  });

  const admin = (body: string | Buffer, headers: Record<string, string> = {}) =>
    timedRequest(`${instance.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, ...headers },
      body,
    });
  const hook = (body: string | Buffer) =>
    timedRequest(`${instance.url}/wcs/playHLS`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  async function assertRefused(answer: TimedAnswer, status: number, code: string, field?: string) {
    assert.equal(answer.status, status, answer.text);
    const error = (JSON.parse(answer.text) as { error: { code: string; requestId: string; details?: { field: string }[] } }).error;
    assert.equal(error.code, code);
    assert.equal(error.requestId, answer.requestId);
    if (field) assert.equal(error.details?.[0]?.field, field);
    assert.deepEqual((await redis.client.keys(`${redis.keyPrefix}*`)).sort(), keysBefore, 'nothing was stored');
  }

  const adminCases: [string, () => Promise<TimedAnswer>, number, string, string?][] = [
    ['metadata nested 5000 levels deep', () => admin(`{"streams":["test"],"metadata":${deepText(5000)}}`), 400, 'validation_failed'],
    ['metadata nested just past the limit', () => admin(JSON.stringify({ streams: ['test'], metadata: nested(32) })), 400, 'validation_failed'],
    ['a __proto__ key at the top level', () => admin('{"streams":["test"],"__proto__":{"polluted":true}}'), 400, 'validation_failed', '__proto__'],
    ['a __proto__ key inside metadata', () => admin('{"streams":["test"],"metadata":{"__proto__":{"polluted":true}}}'), 400, 'validation_failed', 'metadata.__proto__'],
    ['a __proto__ key as a header name', () => admin('{"streams":["test"],"headers":{"__proto__":"x"}}'), 400, 'validation_failed', 'headers.__proto__'],
    ['bytes that are not UTF-8', () => admin(INVALID_UTF8), 400, 'invalid_json'],
    ['a body over BODY_LIMIT_BYTES', () => admin(JSON.stringify({ streams: ['test'], metadata: { pad: 'x'.repeat(70_000) } })), 413, 'payload_too_large'],
    ['CR/LF in a token header value (response splitting)', () => admin(JSON.stringify({ streams: ['test'], headers: { 'X-A': 'v\r\nSet-Cookie: s=1' } })), 400, 'validation_failed', 'headers.X-A'],
    ['a token header name with a colon', () => admin(JSON.stringify({ streams: ['test'], headers: { 'X-A: b': 'v' } })), 400, 'validation_failed'],
    ['a reserved token header (Set-Cookie)', () => admin(JSON.stringify({ streams: ['test'], headers: { 'Set-Cookie': 's=1' } })), 400, 'validation_failed'],
    ['a stream pattern with a newline', () => admin(JSON.stringify({ streams: ['a\nb'] })), 400, 'validation_failed', 'streams.0'],
    ['JSON that is not an object', () => admin('[1,2,3]'), 400, 'validation_failed'],
    ['truncated JSON', () => admin('{"streams":["test"'), 400, 'invalid_json'],
  ];
  for (const [what, send, status, code, field] of adminCases) {
    test(`admin API, ${what}: answers ${status} ${code} and stores nothing`, async () => {
      await assertRefused(await send(), status, code, field);
    });
  }

  const hookCases: [string, () => Promise<TimedAnswer>, number, string, string?][] = [
    ['a body nested 5000 levels deep', () => hook(`{"name":"test","custom":${deepText(5000)}}`), 400, 'validation_failed'],
    ['a __proto__ key in custom', () => hook('{"name":"test","custom":{"__proto__":{"token":"x"}}}'), 400, 'validation_failed', 'custom.__proto__'],
    ['bytes that are not UTF-8', () => hook(Buffer.concat([Buffer.from('{"name":"te'), Buffer.from([0xff, 0xfe]), Buffer.from('st"}')])), 400, 'invalid_json'],
    ['a body over BODY_LIMIT_BYTES', () => hook(JSON.stringify({ name: 'test', pad: 'x'.repeat(70_000) })), 413, 'payload_too_large'],
    ['a name that is not a string', () => hook(pretty({ name: { $ne: 1 } })), 400, 'validation_failed', 'name'],
    // Just past the limits that the hook's text pre-scan (mayHoldUnsafeJson) bounds without walking the body.
    ['a body nested 33 levels deep (one past the limit)', () => hook(`{"name":"test","custom":${deepText(32)}}`), 400, 'validation_failed'],
    ['a __proto__ key spelled with an escape', () => hook('{"name":"test","custom":{"__pr\\u006fto__":{"token":"x"}}}'), 400, 'validation_failed', 'custom.__proto__'],
    ['an unpaired surrogate escape in a string', () => hook('{"name":"test","custom":{"token":"wta_\\ud800"}}'), 400, 'validation_failed', 'custom.token'],
  ];
  for (const [what, send, status, code, field] of hookCases) {
    test(`hook, ${what}: answers ${status} ${code} and stores nothing`, async () => {
      await assertRefused(await send(), status, code, field);
    });
  }

  test('a moderately nested body within the limit is still accepted (the limit is not a blanket refusal)', async () => {
    const answer = await admin(JSON.stringify({ streams: ['test'], metadata: nested(20) }));
    assert.equal(answer.status, 201);
    assert.equal(JSON.parse(answer.text).record.metadata.d.d.d.d !== undefined, true);
  });

  test('header injection attempts in the token itself are only ever an unknown token: 403, no injected header', async () => {
    for (const token of ['wta_x\r\nSet-Cookie: s=1', 'wta_x\nX-Injected: 1', `wta_${'A'.repeat(43)}\r\n`, '\u0000\u2028']) {
      const answer = await hook(pretty({ name: 'test', custom: { token } }));
      assert.equal(answer.status, 403);
      assert.equal(answer.headers.get('set-cookie'), null);
      assert.equal(answer.headers.get('x-injected'), null);
      const line = instance.logs.decisions().find((l) => l.requestId === answer.requestId);
      assert.ok(line?.reason === 'unknown_token', `reason ${String(line?.reason)}`);
    }
    assert.deepEqual((await redis.client.keys(`${redis.keyPrefix}*`)).sort(), keysBefore);
  });

  test('__proto__ payloads never reach Object.prototype', async () => {
    await admin('{"streams":["test"],"metadata":{"__proto__":{"polluted":true}}}');
    await hook('{"name":"test","__proto__":{"polluted":true},"custom":{"token":"wta_x"}}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a request header block over 16 KiB is refused by the HTTP server with 431 before any route runs', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${instance.url}/wcs/playHLS`);
      const request = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'x-filler': 'a'.repeat(20_000) } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end('{"name":"test"}');
    });
    assert.equal(status, 431);
    assert.deepEqual((await redis.client.keys(`${redis.keyPrefix}*`)).sort(), keysBefore);
  });

  test('an X-Request-Id with characters outside the safe set is replaced, not echoed', async () => {
    const answer = await timedRequest(`${instance.url}/healthz`, { headers: { 'x-request-id': 'abc<script>"x' } });
    assert.match(answer.requestId, /^[0-9a-f-]{36}$/);
  });

  test('a token issued after all this still works (the refusals left no state behind)', async () => {
    const { token } = await issueToken(instance.url);
    const answer = await hook(pretty({ name: 'test', custom: { token } }));
    assert.equal(answer.status, 200);
  });
});
