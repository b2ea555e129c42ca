import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { eventually, issueToken, playHls, timedRequest, unknownToken, type TimedAnswer } from '../helpers/hook-client.js';
import { startLatencyProxy, type LatencyProxy } from '../helpers/latency-proxy.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';

/**
 * Faults injected into a real redis-server while three instances, one per STORE_FAILURE_POLICY, share it. Every
 * answer must come within STORE_TIMEOUT_MS plus a generous margin (a hang fails the test through the client's
 * deadline), be the policy's answer, and the service must recover by itself once Redis is back.
 */
const STORE_TIMEOUT_MS = 250;
/** Not a speed assertion: an upper bound far above the timeout, to tell "answered after the timeout" from "hung". */
const ANSWER_BOUND_MS = STORE_TIMEOUT_MS + 1000;
const POLICIES = ['deny', 'allow', 'cached'] as const;
type Policy = (typeof POLICIES)[number];

/** What each policy answers while the store is down: for a token it allowed a moment ago, and for an unknown one. */
const EXPECTED: Record<Policy, { known: [number, string]; unknown: [number, string] }> = {
  deny: { known: [403, 'store_unavailable'], unknown: [403, 'store_unavailable'] },
  allow: { known: [200, 'store_unavailable'], unknown: [200, 'store_unavailable'] },
  cached: { known: [200, 'cached'], unknown: [403, 'store_unavailable'] },
};

function reasonOf(instance: ServiceInstance, answer: TimedAnswer): unknown {
  return instance.logs.decisions().find((line) => line.requestId === answer.requestId)?.reason;
}

function assertBounded(answer: TimedAnswer, what: string) {
  assert.ok(answer.elapsedMs < ANSWER_BOUND_MS, `${what} took ${Math.round(answer.elapsedMs)} ms (bound ${ANSWER_BOUND_MS} ms)`);
}

async function startPolicyInstances(redisUrl: string, keyPrefix: string): Promise<Record<Policy, ServiceInstance>> {
  const entries = await Promise.all(
    POLICIES.map(async (policy) => {
      const instance = await startServiceInstance({
        TOKEN_STORE: 'redis',
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
        STORE_FAILURE_POLICY: policy,
        // Throttling has its own tests; here every unknown token must reach the (failing) store.
        BRUTE_FORCE_MAX_PER_IP: '0',
      });
      return [policy, instance] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<Policy, ServiceInstance>;
}

/** A fresh token, allowed once by every instance (so the `cached` instance has it cached). */
async function tokenAllowedEverywhere(instances: Record<Policy, ServiceInstance>): Promise<string> {
  const { token } = await issueToken(instances.deny.url);
  for (const policy of POLICIES) {
    const answer = await playHls(instances[policy].url, token);
    assert.equal(answer.status, 200, `${policy} instance allows the fresh token`);
    assert.equal(reasonOf(instances[policy], answer), 'valid');
  }
  return token;
}

/**
 * During the fault: every instance answers its policy, in bounded time, several times in a row; /readyz says so.
 * The instances are asked side by side so that faults with a fixed duration (CLIENT PAUSE, DEBUG SLEEP) last
 * through all of it.
 */
async function assertPolicyAnswers(instances: Record<Policy, ServiceInstance>, knownToken: string, fault: string) {
  await Promise.all(POLICIES.map((policy) => assertPolicyAnswersOf(policy, instances[policy], knownToken, fault)));
}

async function assertPolicyAnswersOf(policy: Policy, instance: ServiceInstance, knownToken: string, fault: string) {
  {
    for (let round = 0; round < 3; round++) {
      const known = await playHls(instance.url, knownToken);
      assertBounded(known, `${fault}/${policy}: known token`);
      assert.deepEqual([known.status, reasonOf(instance, known)], EXPECTED[policy].known, `${fault}/${policy}: known token`);
      const unknown = await playHls(instance.url, unknownToken());
      assertBounded(unknown, `${fault}/${policy}: unknown token`);
      assert.deepEqual([unknown.status, reasonOf(instance, unknown)], EXPECTED[policy].unknown, `${fault}/${policy}: unknown token`);
    }
    const ready = await timedRequest(`${instance.url}/readyz`);
    assertBounded(ready, `${fault}/${policy}: /readyz`);
    // Only deny leaves the load balancer: allow and cached still answer, so every instance stays in, degraded.
    const [status, body] = policy === 'deny' ? [503, 'store_unavailable'] : [200, 'degraded'];
    assert.equal(ready.status, status, `${fault}/${policy}: /readyz status`);
    assert.deepEqual(JSON.parse(ready.text), { status: body, store: 'redis' });
    assert.equal(await instance.metric('wcs_auth_store_up', { store: 'redis' }), 0, `${fault}/${policy}: store_up gauge is 0`);
  }
}

/** After the fault: without any restart, every instance is ready again and decides from the store. */
async function assertRecovered(instances: Record<Policy, ServiceInstance>, fault: string) {
  for (const policy of POLICIES) {
    await eventually(async () => (await timedRequest(`${instances[policy].url}/readyz`)).text.includes('"status":"ready"'), `${fault}/${policy} ready`, 150);
  }
  const fresh = await tokenAllowedEverywhere(instances);
  for (const policy of POLICIES) {
    const instance = instances[policy];
    const unknown = await playHls(instance.url, unknownToken());
    assert.deepEqual([unknown.status, reasonOf(instance, unknown)], [403, 'unknown_token'], `${fault}/${policy}: decides from the store again`);
    const wrongStream = await playHls(instance.url, fresh, { stream: 'other' });
    assert.deepEqual([wrongStream.status, reasonOf(instance, wrongStream)], [403, 'stream_not_allowed']);
    assert.equal(await instance.metric('wcs_auth_store_up', { store: 'redis' }), 1);
  }
}

describe('store faults on a real redis-server, per failure policy', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  let instances: Record<Policy, ServiceInstance>;

  before(async () => {
    redis = await startTestRedis({ extraArgs: ['--enable-debug-command', 'local'] });
    instances = await startPolicyInstances(redis.url, redis.keyPrefix);
  });
  after(async () => {
    for (const instance of Object.values(instances ?? {})) await instance.close();
    await redis?.stop();
  });

  test('Redis stalled (SIGSTOP): each policy answers within the timeout, and all recover after SIGCONT', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const token = await tokenAllowedEverywhere(instances);
    redis.stall();
    try {
      await assertPolicyAnswers(instances, token, 'stalled');
    } finally {
      redis.resume();
    }
    await assertRecovered(instances, 'stalled');
  });

  test('Redis killed: each policy answers within the timeout; after a restart on the same port all recover', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const token = await tokenAllowedEverywhere(instances);
    await redis.kill();
    try {
      await assertPolicyAnswers(instances, token, 'killed');
    } finally {
      await redis.restart();
    }
    await assertRecovered(instances, 'killed');
  });

  test('CLIENT PAUSE ALL: each policy answers within the timeout, and all recover when the pause ends', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const token = await tokenAllowedEverywhere(instances);
    const pauseMs = 6000;
    const pausedUntil = Date.now() + pauseMs;
    await redis.client.call('CLIENT', 'PAUSE', String(pauseMs), 'ALL');
    await assertPolicyAnswers(instances, token, 'client-pause');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pausedUntil - Date.now())));
    await assertRecovered(instances, 'client-pause');
  });

  test('DEBUG SLEEP (Redis busy): each policy answers within the timeout, and all recover when it wakes', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the tests started');
    const token = await tokenAllowedEverywhere(instances);
    const sleeper = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    sleeper.on('error', () => {});
    try {
      const sleeping = sleeper.call('DEBUG', 'SLEEP', '6');
      // Let the server start sleeping before the first request goes out.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await assertPolicyAnswers(instances, token, 'debug-sleep');
      await sleeping;
    } finally {
      sleeper.disconnect();
    }
    await assertRecovered(instances, 'debug-sleep');
  });

  test('an outage is logged once when it starts and once when it ends, and counted', async () => {
    // The tests above each caused an outage on every instance.
    for (const policy of POLICIES) {
      const instance = instances[policy];
      const outages = instance.logs.lines.filter((line) => line.event === 'store_outage');
      const recoveries = instance.logs.lines.filter((line) => line.event === 'store_recovered');
      assert.ok(outages.length >= 4, `${policy}: one store_outage line per outage (got ${outages.length})`);
      assert.equal(recoveries.length, outages.length, `${policy}: every outage ended with a store_recovered line`);
      assert.ok(outages.every((line) => line.failurePolicy === policy && line.level === 40));
      assert.ok(recoveries.every((line) => typeof line.outageMs === 'number' && Number(line.failures) > 0));
      assert.equal(await instance.metric('wcs_auth_store_outages_total', { store: 'redis' }), outages.length);
      const failedDecisions = instance.logs.decisions().filter((line) => line.reason === 'store_unavailable' || line.reason === 'cached');
      assert.ok(failedDecisions.length >= 4 * 6, `${policy}: every decision during an outage has its own line`);
    }
  });
});

describe('a slow Redis (latency added on the wire)', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let proxy: LatencyProxy;
  let instances: Record<Policy, ServiceInstance>;

  before(async () => {
    redis = await startTestRedis();
    proxy = await startLatencyProxy(redis.port);
    instances = await startPolicyInstances(`redis://127.0.0.1:${proxy.port}`, redis.keyPrefix);
  });
  after(async () => {
    for (const instance of Object.values(instances ?? {})) await instance.close();
    await proxy?.close();
    await redis?.stop();
  });

  test('slower than usual but within STORE_TIMEOUT_MS: decisions are still made from the store', async () => {
    const token = await tokenAllowedEverywhere(instances);
    proxy.setDelay(20);
    try {
      for (const policy of POLICIES) {
        const answer = await playHls(instances[policy].url, token);
        assertBounded(answer, `slow/${policy}`);
        assert.deepEqual([answer.status, reasonOf(instances[policy], answer)], [200, 'valid']);
        const unknown = await playHls(instances[policy].url, unknownToken());
        assert.deepEqual([unknown.status, reasonOf(instances[policy], unknown)], [403, 'unknown_token']);
      }
    } finally {
      proxy.setDelay(0);
    }
  });

  test('slower than STORE_TIMEOUT_MS: each policy answers within the bound, and all recover when it is fast again', async () => {
    const token = await tokenAllowedEverywhere(instances);
    proxy.setDelay(STORE_TIMEOUT_MS * 4);
    try {
      await assertPolicyAnswers(instances, token, 'slow');
    } finally {
      proxy.setDelay(0);
    }
    await assertRecovered(instances, 'slow');
  });
});
