import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timedRequest } from '../helpers/hook-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

const wrongKey = (i: number) => `wrong-admin-key-${String(i).padStart(8, '0')}`;
const getToken = (instance: ServiceInstance, key: string | undefined) =>
  timedRequest(`${instance.url}/v1/tokens/tok_AAAAAAAAAAAAAAAA`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

describe('admin API: failed-authentication limit (memory store)', () => {
  let instance: ServiceInstance;
  serviceOnRedis({ ADMIN_AUTH_MAX_FAILURES: '3', ADMIN_AUTH_WINDOW_SECONDS: '300' }, ([first]) => (instance = first!), { store: 'memory' });

  test('after ADMIN_AUTH_MAX_FAILURES wrong keys from one address, every request from it gets 429 with Retry-After until the window ends', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await getToken(instance, wrongKey(i))).status, 401);
    const limited = await getToken(instance, wrongKey(99));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '300');
    assert.equal(JSON.parse(limited.text).error.code, 'too_many_requests');
    // Even the right key: a guesser must not learn that a guess was right while it is limited.
    assert.equal((await getToken(instance, ADMIN_KEY)).status, 429);
    assert.equal(await instance.metric('wcs_auth_admin_auth_failures_total', { reason: 'throttled' }), 2);
    assert.equal(await instance.metric('wcs_auth_admin_auth_failures_total', { reason: 'invalid' }), 3);

    instance.clock.advance(300_000);
    assert.equal((await getToken(instance, ADMIN_KEY)).status, 404, 'the right key works once the window is over');
  });

  test('requests without any key are answered 401 and are not counted as guesses', async () => {
    instance.clock.advance(300_000);
    for (let i = 0; i < 5; i++) assert.equal((await getToken(instance, undefined)).status, 401);
    assert.equal((await getToken(instance, ADMIN_KEY)).status, 404);
  });
});

describe('admin API: failed-authentication limit shared through Redis', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let a: ServiceInstance;
  let b: ServiceInstance;
  serviceOnRedis(
    { ADMIN_AUTH_MAX_FAILURES: '4' },
    ([first, second], started) => {
      [a, b] = [first!, second!];
      redis = started!;
    },
    { count: 2 },
  );

  test('wrong keys sent to two instances add up', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await getToken(i % 2 ? a : b, wrongKey(i))).status, 401);
    assert.equal((await getToken(a, wrongKey(10))).status, 429);
    assert.equal((await getToken(b, wrongKey(11))).status, 429);
  });

  test('with Redis stalled, the limit fails closed: every admin request gets 503 store_unavailable within one STORE_TIMEOUT_MS', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    // Long enough that one timeout and two (the limiter check, then the store call) are far apart on a busy machine.
    const timeoutMs = 1500;
    const fresh = await startServiceInstance({ TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${redis.keyPrefix}x:`, STORE_TIMEOUT_MS: String(timeoutMs) });
    try {
      redis.stall();
      try {
        for (const key of [wrongKey(1), ADMIN_KEY]) {
          const answer = await getToken(fresh, key);
          assert.equal(answer.status, 503, answer.text);
          assert.equal(JSON.parse(answer.text).error.code, 'store_unavailable');
          assert.equal(JSON.parse(answer.text).error.requestId, answer.requestId);
          assert.equal(answer.headers.get('retry-after'), '1', 'a 503 says when to retry');
          assert.doesNotMatch(answer.text, new RegExp(`${ADMIN_KEY}|${wrongKey(1)}`));
          assert.ok(answer.elapsedMs < timeoutMs + 1000, `answered in ${Math.round(answer.elapsedMs)} ms`);
          const logged = fresh.logs.lines.filter((line) => line.event === 'admin_auth_limit_unavailable' && line.requestId === answer.requestId);
          assert.equal(logged.length, 1, 'one log line per refused request, joined by its request id');
        }
        assert.doesNotMatch(fresh.logs.text(), new RegExp(`${ADMIN_KEY}|${wrongKey(1)}`), 'no admin key in the logs');
      } finally {
        redis.resume();
      }
      assert.equal(await fresh.metric('wcs_auth_admin_auth_failures_total', { reason: 'throttled' }), 0, 'a store outage is no brute force');
      assert.equal((await getToken(fresh, wrongKey(2))).status, 401, 'the limit decides again once Redis answers');
      assert.equal((await getToken(fresh, ADMIN_KEY)).status, 404);
    } finally {
      await fresh.close();
    }
  });
});

describe('security headers and request ids', () => {
  let instance: ServiceInstance;
  serviceOnRedis({}, ([first]) => (instance = first!), { store: 'memory' });

  test('admin answers (success and error) carry no-store, nosniff, CSP, frame and referrer headers, and no X-Powered-By', async () => {
    const answers = [
      await timedRequest(`${instance.url}/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: '{"streams":["test"]}',
      }),
      await getToken(instance, undefined),
      await getToken(instance, ADMIN_KEY),
    ];
    assert.deepEqual(answers.map((a) => a.status), [201, 401, 404]);
    for (const answer of answers) {
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(answer.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
      assert.equal(answer.headers.get('x-frame-options'), 'DENY');
      assert.equal(answer.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(answer.headers.get('x-powered-by'), null);
      assert.match(answer.requestId, /^[0-9a-f-]{36}$/);
    }
  });

  test('hook and health answers carry nosniff and a request id, and no X-Powered-By', async () => {
    for (const answer of [
      await timedRequest(`${instance.url}/wcs/playHLS`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"test"}' }),
      await timedRequest(`${instance.url}/healthz`),
    ]) {
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(answer.headers.get('x-powered-by'), null);
      assert.ok(answer.requestId.length > 0);
    }
  });

  test('a sane incoming X-Request-Id is kept, so logs can be joined', async () => {
    const answer = await timedRequest(`${instance.url}/healthz`, { headers: { 'x-request-id': 'wcs-req-42' } });
    assert.equal(answer.requestId, 'wcs-req-42');
  });
});
