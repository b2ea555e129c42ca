import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueToken, playHls, type TimedAnswer } from '../helpers/hook-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { hashToken } from '../../src/tokens/opaque-token.js';

/**
 * What STORE_FAILURE_POLICY=cached allows while Redis is stalled: only a recent allow of this instance for the
 * same token, stream and appKey, not older than DECISION_CACHE_TTL_SECONDS, not past the token's expiry, and
 * within DECISION_CACHE_MAX_ENTRIES. Time is the instance's manual clock.
 */
function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

describe('STORE_FAILURE_POLICY=cached: what the cache allows during an outage', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let instance: ServiceInstance;

  const env = {
    STORE_TIMEOUT_MS: '400',
    STORE_FAILURE_POLICY: 'cached',
    DECISION_CACHE_TTL_SECONDS: '30',
    DECISION_CACHE_MAX_ENTRIES: '3',
    BRUTE_FORCE_MAX_PER_IP: '0',
  };
  serviceOnRedis(env, ([first], started) => {
    instance = first!;
    redis = started!;
  });

  /** Runs `during` with Redis stalled and returns its answers' [status, reason]. */
  async function duringOutage(requests: (() => Promise<TimedAnswer>)[]): Promise<[number, unknown][]> {
    redis.stall();
    try {
      const answers: [number, unknown][] = [];
      for (const request of requests) {
        const answer = await request();
        answers.push([answer.status, reasonOf(instance, answer)]);
      }
      return answers;
    } finally {
      redis.resume();
    }
  }

  test('allows only the same token for the same stream and appKey; other streams the token grants are refused', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(instance.url, { streams: ['event-*'] });
    assert.equal((await playHls(instance.url, token, { stream: 'event-1', appKey: 'app1' })).status, 200);
    const answers = await duringOutage([
      () => playHls(instance.url, token, { stream: 'event-1', appKey: 'app1' }),
      () => playHls(instance.url, token, { stream: 'event-2', appKey: 'app1' }),
      () => playHls(instance.url, token, { stream: 'event-1', appKey: 'app2' }),
    ]);
    assert.deepEqual(answers, [
      [200, 'cached'],
      [403, 'store_unavailable'],
      [403, 'store_unavailable'],
    ]);
  });

  test('a known token in another viewer session is refused: the cache never answers more generously than the store (one-time tokens)', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(instance.url, { streams: ['sessions'] });
    assert.equal((await playHls(instance.url, token, { stream: 'sessions', viewerSessionId: 'viewer-a-HLS' })).status, 200);
    const answers = await duringOutage([
      () => playHls(instance.url, token, { stream: 'sessions', viewerSessionId: 'viewer-a-HLS' }),
      () => playHls(instance.url, token, { stream: 'sessions', viewerSessionId: 'viewer-b-HLS' }),
    ]);
    assert.deepEqual(answers, [
      [200, 'cached'],
      [403, 'store_unavailable'],
    ]);
  });

  test('an allow older than DECISION_CACHE_TTL_SECONDS is no longer used', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(instance.url, { streams: ['ttl'] });
    assert.equal((await playHls(instance.url, token, { stream: 'ttl' })).status, 200);
    instance.clock.advance(29_000);
    assert.deepEqual(await duringOutage([() => playHls(instance.url, token, { stream: 'ttl' })]), [[200, 'cached']]);
    instance.clock.advance(1_000);
    assert.deepEqual(await duringOutage([() => playHls(instance.url, token, { stream: 'ttl' })]), [[403, 'store_unavailable']]);
  });

  test('a cached allow never outlives the token itself', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(instance.url, { streams: ['short'], ttlSeconds: 10 });
    assert.equal((await playHls(instance.url, token, { stream: 'short' })).status, 200);
    instance.clock.advance(10_000);
    assert.deepEqual(await duringOutage([() => playHls(instance.url, token, { stream: 'short' })]), [[403, 'store_unavailable']]);
  });

  test('a refusal from the store removes the cached allow (the token was revoked or expired meanwhile)', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(instance.url, { streams: ['gone'] });
    assert.equal((await playHls(instance.url, token, { stream: 'gone' })).status, 200);
    // Revoked behind this instance's back (no pub/sub message: written straight into Redis).
    await redis.client.hset(`${redis.keyPrefix}t:{${hashToken(token)}}`, 'revokedAt', String(Date.now()));
    const refused = await playHls(instance.url, token, { stream: 'gone' });
    assert.deepEqual([refused.status, reasonOf(instance, refused)], [403, 'revoked']);
    assert.deepEqual(await duringOutage([() => playHls(instance.url, token, { stream: 'gone' })]), [[403, 'store_unavailable']]);
  });

  test('holds at most DECISION_CACHE_MAX_ENTRIES: the oldest allow goes first', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { token } = await issueToken(instance.url, { streams: ['bounded'] });
      assert.equal((await playHls(instance.url, token, { stream: 'bounded' })).status, 200);
      tokens.push(token);
    }
    assert.equal(await instance.metric('wcs_auth_decision_cache_entries'), 3);
    const answers = await duringOutage(tokens.map((token) => () => playHls(instance.url, token, { stream: 'bounded' })));
    assert.deepEqual(answers, [
      [403, 'store_unavailable'],
      [200, 'cached'],
      [200, 'cached'],
      [200, 'cached'],
    ]);
  });

  test('the cached allow answers with the token’s own headers, as the store would', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const { token } = await issueToken(instance.url, { streams: ['hdr'], headers: { 'X-Viewer-Id': 'viewer-7' } });
    assert.equal((await playHls(instance.url, token, { stream: 'hdr' })).headers.get('x-viewer-id'), 'viewer-7');
    redis.stall();
    try {
      const answer = await playHls(instance.url, token, { stream: 'hdr' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-viewer-id'), 'viewer-7');
      const line = instance.logs.decisions().find((l) => l.requestId === answer.requestId);
      assert.equal(line?.reason, 'cached');
      assert.match(String(line?.tokenId), /^tok_/);
      assert.ok(!instance.logs.text().includes(token), 'the token never reaches the log');
    } finally {
      redis.resume();
    }
  });
});
