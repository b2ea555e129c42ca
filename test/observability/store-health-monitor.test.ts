import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { instrumentTokenStore } from '../../src/wiring/instrumented-token-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { startStoreHealthMonitor } from '../../src/observability/store-health-monitor.js';
import { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import { systemClock } from '../../src/shared/clock.js';
import { LogCapture } from '../helpers/log-capture.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

async function storeUp(metrics: Metrics): Promise<number | undefined> {
  const { values } = await metrics.storeUp.get();
  return values.find((sample) => sample.labels.store === 'redis')?.value;
}

/** Polls (bounded by count, generous in time) until the gauge shows `expected`. */
async function waitForStoreUp(metrics: Metrics, expected: number): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if ((await storeUp(metrics)) === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(await storeUp(metrics), expected, 'wcs_auth_store_up');
}

describe('store health monitor against a real Redis', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('sets wcs_auth_store_up to 1, to 0 when Redis dies, and back to 1 when it returns, logging changes only', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the test started itself (unset REDIS_URL)');
    const metrics = createMetrics();
    const logs = new LogCapture();
    // Timeouts generous enough that a loaded machine does not turn a healthy ping into a failure.
    const store = instrumentTokenStore(
      new RedisTokenStore({ url: redis.url, keyPrefix: redis.keyPrefix, commandTimeoutMs: 1000, retentionMs: 0, clock: systemClock }),
      metrics,
    );
    const monitor = startStoreHealthMonitor({ store, metrics, logger: createLogger('info', logs), timeoutMs: 1000, intervalMs: 50 });
    const failedPings = async () => {
      const { values } = await metrics.storeErrors.get();
      return values.filter((sample) => sample.labels.operation === 'ping').reduce((sum, sample) => sum + sample.value, 0);
    };
    try {
      await waitForStoreUp(metrics, 1);
      await redis.kill();
      await waitForStoreUp(metrics, 0);
      // A failed ping is also a store error, by operation and kind; let several fail before Redis returns.
      for (let attempt = 0; attempt < 400 && (await failedPings()) < 3; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(await metrics.registry.metrics(), /^wcs_auth_store_errors_total\{store="redis",operation="ping",kind="(connection|timeout)"\} [1-9]/m);
      await redis.restart();
      await waitForStoreUp(metrics, 1);
      const changes = logs.lines.filter((line) => line.event === 'store_health').map((line) => line.up);
      assert.deepEqual(changes.slice(-2), [false, true], 'a line when it went down, then one when it came back');
      for (let i = 1; i < changes.length; i++) assert.notEqual(changes[i], changes[i - 1], 'only changes of state are logged');
      assert.ok((await failedPings()) > changes.filter((up) => up === false).length, 'not one line per failed ping');
    } finally {
      monitor.stop();
      await store.close();
    }
  });

  it('reports a stalled Redis (accepts connections, never answers) as down within the store timeout', async (t) => {
    if (!redis.owned) return t.skip('needs a Redis the test started itself (unset REDIS_URL)');
    const metrics = createMetrics();
    const store = new RedisTokenStore({ url: redis.url, keyPrefix: redis.keyPrefix, commandTimeoutMs: 5000, retentionMs: 0, clock: systemClock });
    const monitor = startStoreHealthMonitor({ store, metrics, logger: createLogger('silent'), timeoutMs: 100, intervalMs: 0 });
    try {
      assert.equal(await monitor.check(), true);
      assert.equal(await storeUp(metrics), 1);
      redis.stall();
      // The monitor's own timeout (100 ms) decides, not the client's (5 s): check() resolves either way.
      assert.equal(await monitor.check(), false);
      assert.equal(await storeUp(metrics), 0);
    } finally {
      redis.resume();
      monitor.stop();
      await store.close();
    }
  });

  it('after stop() it pings no more', async () => {
    const metrics = createMetrics();
    let pings = 0;
    const monitor = startStoreHealthMonitor({
      store: { kind: 'memory', ping: async () => void pings++ },
      metrics,
      logger: createLogger('silent'),
      timeoutMs: 100,
      intervalMs: 10,
    });
    for (let attempt = 0; attempt < 100 && pings < 3; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(pings >= 3, 'it pings repeatedly while running');
    monitor.stop();
    const atStop = pings;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(pings <= atStop + 1, 'at most the ping already in flight');
  });
});
