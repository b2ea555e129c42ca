import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueToken, playHls, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { tokenLookups } from '../helpers/store-metrics.js';

function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

async function guess(instance: ServiceInstance, clientIp: string, stream = 'test'): Promise<[number, unknown]> {
  const answer = await playHls(instance.url, unknownToken(), { clientIp, stream });
  return [answer.status, reasonOf(instance, answer)];
}

describe('brute-force throttling with the memory store (per process)', () => {
  let instance: ServiceInstance;
  serviceOnRedis({ BRUTE_FORCE_MAX_PER_IP: '3', BRUTE_FORCE_WINDOW_SECONDS: '60', EXPOSE_DENY_REASON: 'true' }, ([first]) => (instance = first!), { store: 'memory' });

  test('after BRUTE_FORCE_MAX_PER_IP unknown tokens from one IP, its requests are refused as throttled without a token lookup — even with a valid token', async () => {
    const { token } = await issueToken(instance.url);
    for (let i = 0; i < 3; i++) assert.deepEqual(await guess(instance, '10.0.0.1'), [403, 'unknown_token']);
    const lookups = await tokenLookups(instance);
    assert.deepEqual(await guess(instance, '10.0.0.1'), [403, 'throttled']);
    const valid = await playHls(instance.url, token, { clientIp: '10.0.0.1' });
    assert.deepEqual([valid.status, reasonOf(instance, valid)], [403, 'throttled']);
    assert.equal(valid.headers.get('x-deny-reason'), 'throttled');
    assert.equal(await tokenLookups(instance), lookups, 'throttled requests never reach the store');
    assert.equal(await instance.metric('wcs_auth_decisions_total', { reason: 'throttled', result: 'deny' }), 2);

    const other = await playHls(instance.url, token, { clientIp: '10.0.0.2' });
    assert.deepEqual([other.status, reasonOf(instance, other)], [200, 'valid'], 'other addresses are not affected');
  });

  test('the window ends BRUTE_FORCE_WINDOW_SECONDS after the first failure; then the address may try again', async () => {
    for (let i = 0; i < 3; i++) await guess(instance, '10.0.1.1');
    assert.deepEqual(await guess(instance, '10.0.1.1'), [403, 'throttled']);
    instance.clock.advance(60_000);
    assert.deepEqual(await guess(instance, '10.0.1.1'), [403, 'unknown_token']);
  });

  test('refusals of known tokens (wrong stream, expired) are not counted as guesses', async () => {
    const { token } = await issueToken(instance.url, { streams: ['only-this'], ttlSeconds: 60 });
    for (let i = 0; i < 5; i++) {
      const answer = await playHls(instance.url, token, { clientIp: '10.0.2.1', stream: 'another' });
      assert.equal(reasonOf(instance, answer), 'stream_not_allowed');
    }
    const allowed = await playHls(instance.url, token, { clientIp: '10.0.2.1', stream: 'only-this' });
    assert.equal(allowed.status, 200);
  });
});

describe('brute-force throttling with Redis (shared by every instance)', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let a: ServiceInstance;
  let b: ServiceInstance;
  serviceOnRedis(
    { STORE_TIMEOUT_MS: '400', BRUTE_FORCE_MAX_PER_IP: '3', BRUTE_FORCE_MAX_PER_STREAM: '5', BRUTE_FORCE_WINDOW_SECONDS: '60' },
    ([first, second], started) => {
      [a, b] = [first!, second!];
      redis = started!;
    },
    { count: 2 },
  );

  test('guesses spread over two instances add up in Redis: the instance that counts the limit throttles at once, the other after at most one more guess', async () => {
    assert.deepEqual(await guess(a, '10.1.0.1'), [403, 'unknown_token']);
    assert.deepEqual(await guess(b, '10.1.0.1'), [403, 'unknown_token']);
    assert.deepEqual(await guess(a, '10.1.0.1'), [403, 'unknown_token']);
    // Counting is not awaited by the decision: give the last INCR a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await guess(a, '10.1.0.1'), [403, 'throttled'], 'A counted the third guess: it knows');
    // B learns the shared count with its own next failure (the check itself costs no Redis round trip).
    assert.deepEqual(await guess(b, '10.1.0.1'), [403, 'unknown_token']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await guess(b, '10.1.0.1'), [403, 'throttled']);
    const counters = await redis.client.keys(`${redis.keyPrefix}f:g:ip:*`);
    assert.equal(counters.length, 1);
    assert.equal(await redis.client.get(counters[0]!), '4', 'four guesses in all: the limit of 3 plus one per other instance');
  });

  test('counters live in Redis under the prefix, expire with the window, and never hold the IP or stream in clear', async () => {
    const keys = await redis.client.keys(`${redis.keyPrefix}f:*`);
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.doesNotMatch(key.slice(redis.keyPrefix.length), /10\.1\.0\.1|test/);
      const ttl = await redis.client.pttl(key);
      assert.ok(ttl > 0 && ttl <= 60_000, `${key} expires within the window (pttl ${ttl})`);
    }
  });

  test('BRUTE_FORCE_MAX_PER_STREAM: many addresses guessing on one stream get that stream throttled; other streams are not', async () => {
    for (let i = 0; i < 5; i++) assert.deepEqual(await guess(i % 2 ? a : b, `10.2.0.${i}`, 'targeted'), [403, 'unknown_token']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // B counted the fifth guess on the stream, so B refuses the next one from any address.
    assert.deepEqual(await guess(b, '10.2.1.1', 'targeted'), [403, 'throttled']);
    const { token } = await issueToken(a.url, { streams: ['elsewhere'] });
    const answer = await playHls(b.url, token, { clientIp: '10.2.1.1', stream: 'elsewhere' });
    assert.deepEqual([answer.status, reasonOf(b, answer)], [200, 'valid']);
  });

  test('when Redis does not answer, a guess gets the failure policy within the timeout', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    redis.stall();
    try {
      const answer = await playHls(a.url, unknownToken(), { clientIp: '10.3.0.1' });
      assert.deepEqual([answer.status, reasonOf(a, answer)], [403, 'store_unavailable']);
      assert.ok(answer.elapsedMs < 400 + 1000, `answered in ${Math.round(answer.elapsedMs)} ms`);
    } finally {
      redis.resume();
    }
  });
});
