import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, issueToken, playHls, revokeToken, timedRequest, type TimedAnswer } from '../helpers/hook-client.js';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { hashToken } from '../../src/tokens/opaque-token.js';

/** Several instances of the service on one real Redis, as behind a load balancer or in a WCS CDN. */
function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

describe('instances sharing one Redis', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  const pairs: Record<string, [ServiceInstance, ServiceInstance]> = {};

  before(async () => {
    redis = await startTestRedis();
    for (const policy of ['deny', 'allow', 'cached']) {
      const start = () =>
        startServiceInstance({
          TOKEN_STORE: 'redis',
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: `${redis.keyPrefix}${policy}:`,
          STORE_TIMEOUT_MS: '400',
          STORE_FAILURE_POLICY: policy,
        });
      pairs[policy] = [await start(), await start()];
    }
  });
  after(async () => {
    for (const pair of Object.values(pairs)) for (const instance of pair) await instance.close();
    await redis?.stop();
  });

  for (const policy of ['deny', 'allow', 'cached']) {
    test(`STORE_FAILURE_POLICY=${policy}: a token revoked through instance A is refused by instance B on its very next request`, async () => {
      const [a, b] = pairs[policy]!;
      const { token, id } = await issueToken(a.url);
      const before = await playHls(b.url, token);
      assert.deepEqual([before.status, reasonOf(b, before)], [200, 'valid']);
      assert.equal((await revokeToken(a.url, id)).status, 200);
      const next = await playHls(b.url, token);
      assert.deepEqual([next.status, reasonOf(b, next)], [403, 'revoked']);
    });
  }

  test('with the cached policy, a revocation through A reaches B over pub/sub: B no longer allows it from its cache during an outage', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const [a, b] = pairs.cached!;
    const revoked = await issueToken(a.url);
    const kept = await issueToken(a.url);
    for (const token of [revoked.token, kept.token]) assert.equal((await playHls(b.url, token)).status, 200, 'B caches both');
    const received = await b.metric('wcs_auth_revocation_messages_total', { event: 'received' });
    const published = await a.metric('wcs_auth_revocation_messages_total', { event: 'published' });
    const invalidated = await b.metric('wcs_auth_decision_cache_invalidations_total', { source: 'message' });

    assert.equal((await revokeToken(a.url, revoked.id)).status, 200);
    assert.equal(await a.metric('wcs_auth_revocation_messages_total', { event: 'published' }), published + 1);
    // Delivery is asynchronous (milliseconds): wait for B to have it, then take Redis away before B asks the store.
    await eventually(
      async () => (await b.metric('wcs_auth_revocation_messages_total', { event: 'received' })) > received,
      'B receives the revocation',
    );
    assert.equal(await b.metric('wcs_auth_decision_cache_invalidations_total', { source: 'message' }), invalidated + 1);

    redis.stall();
    try {
      const refused = await playHls(b.url, revoked.token);
      assert.deepEqual([refused.status, reasonOf(b, refused)], [403, 'store_unavailable'], 'the revoked token is gone from B’s cache');
      const allowed = await playHls(b.url, kept.token);
      assert.deepEqual([allowed.status, reasonOf(b, allowed)], [200, 'cached'], 'the other token is still cached: the cache works');
    } finally {
      redis.resume();
    }
  });

  test('with the cached policy, a PATCH through A drops the cached allows on A and B, but is no revocation: the live session stays', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const [a, b] = pairs.cached!;
    const { token, id } = await issueToken(a.url);
    for (const instance of [a, b]) assert.equal((await playHls(instance.url, token)).status, 200, 'both cache the allow');
    const received = await b.metric('wcs_auth_revocation_messages_total', { event: 'received' });
    const published = await a.metric('wcs_auth_revocation_messages_total', { event: 'published' });
    const revokedEnded = await a.metric('wcs_auth_sessions_ended_total', { cause: 'token_revoked' });

    const patched = await timedRequest(`${a.url}/v1/tokens/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ disabled: true }),
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(await a.metric('wcs_auth_revocation_messages_total', { event: 'published' }), published + 1, 'A tells the others');
    await eventually(async () => (await b.metric('wcs_auth_revocation_messages_total', { event: 'received' })) > received, 'B hears of the PATCH');
    // A disabled token's checks are refused and its sessions end as idle; only a revocation or a kick ends them now.
    assert.equal(await a.metric('wcs_auth_sessions_ended_total', { cause: 'token_revoked' }), revokedEnded, 'no session ended as revoked');
    const live = await timedRequest(`${a.url}/v1/sessions?tokenId=${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal((JSON.parse(live.text) as { items: unknown[] }).items.length, 1, live.text);

    redis.stall();
    try {
      for (const instance of [a, b]) {
        const answer = await playHls(instance.url, token);
        assert.deepEqual([answer.status, reasonOf(instance, answer)], [403, 'store_unavailable'], 'no cached allow outlives the PATCH');
      }
    } finally {
      redis.resume();
    }
  });

  test('with the cached policy, the instance that revokes drops its own cached decision at once', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const [a] = pairs.cached!;
    const { token, id } = await issueToken(a.url);
    assert.equal((await playHls(a.url, token)).status, 200);
    assert.equal((await revokeToken(a.url, id)).status, 200);
    redis.stall();
    try {
      const answer = await playHls(a.url, token);
      assert.deepEqual([answer.status, reasonOf(a, answer)], [403, 'store_unavailable']);
    } finally {
      redis.resume();
    }
    assert.ok((await a.metric('wcs_auth_decision_cache_invalidations_total', { source: 'local' })) >= 1);
  });

  test('a revocation whose message an instance missed (subscription interrupted) is applied from the revocation log when it reconnects', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const [a, b] = pairs.cached!;
    const missed = await issueToken(a.url);
    const kept = await issueToken(a.url);
    for (const token of [missed.token, kept.token]) assert.equal((await playHls(b.url, token)).status, 200, 'B caches both');
    // The revocation as another instance records it, minus the message: store and log only.
    await redis.client.hset(`${redis.keyPrefix}cached:t:{${hashToken(missed.token)}}`, 'revokedAt', String(Date.now()));
    await redis.client.zadd(`${redis.keyPrefix}cached:revocations:recent`, Date.now(), missed.id);
    const resyncs = b.logs.lines.filter((line) => line.event === 'revocations_resync').length;

    await redis.client.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await eventually(
      async () => b.logs.lines.filter((line) => line.event === 'revocations_resync').length > resyncs,
      'B resubscribes and reads the log',
      150,
    );
    const resync = b.logs.lines.filter((line) => line.event === 'revocations_resync').at(-1);
    assert.ok(Number(resync?.missed) >= 1 && Number(resync?.dropped) >= 1, JSON.stringify(resync));

    redis.stall();
    try {
      const refused = await playHls(b.url, missed.token);
      assert.deepEqual([refused.status, reasonOf(b, refused)], [403, 'store_unavailable'], 'the missed revocation was applied');
      const allowed = await playHls(b.url, kept.token);
      assert.deepEqual([allowed.status, reasonOf(b, allowed)], [200, 'cached'], 'everything else stays cached');
    } finally {
      redis.resume();
    }

    // And messages flow again afterwards.
    const later = await issueToken(a.url);
    const received = await b.metric('wcs_auth_revocation_messages_total', { event: 'received' });
    await revokeToken(a.url, later.id);
    await eventually(
      async () => (await b.metric('wcs_auth_revocation_messages_total', { event: 'received' })) > received,
      'B receives revocations after resubscribing',
    );
  });

  test('each revocation is also logged for late subscribers, and the log expires by itself', async () => {
    const [a] = pairs.cached!;
    const { id } = await issueToken(a.url);
    await revokeToken(a.url, id);
    const logKey = `${redis.keyPrefix}cached:revocations:recent`;
    assert.ok((await redis.client.zscore(logKey, id)) !== null);
    const ttl = await redis.client.pttl(logKey);
    assert.ok(ttl > 0 && ttl <= 30_000 + 60_000, `log expires (pttl ${ttl})`);
  });
});
