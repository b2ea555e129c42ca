import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { timedRequest } from '../helpers/hook-client.js';
import { startLatencyProxy, type LatencyProxy } from '../helpers/latency-proxy.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceInstance, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/**
 * One store budget per admin request: the admin rate limiter's check and the route's store calls share
 * STORE_TIMEOUT_MS. A slow Redis used to cost one timeout for the check and another for the call.
 */
const TIMEOUT_MS = 2000;

describe('admin requests against a slow store', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let proxy: LatencyProxy;
  let instance: ServiceInstance;
  before(async () => {
    redis = await startTestRedis();
    proxy = await startLatencyProxy(redis.port);
    instance = await startServiceInstance({
      TOKEN_STORE: 'redis',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      STORE_TIMEOUT_MS: String(TIMEOUT_MS),
    });
  });
  after(async () => {
    await instance?.close();
    await proxy?.close();
    await redis?.stop();
  });

  test('a check and a call that each fit the timeout but not together get 503 within one STORE_TIMEOUT_MS', async () => {
    const read = () => timedRequest(`${instance.url}/v1/tokens/tok_AAAAAAAAAAAAAAAA`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal((await read()).status, 404, 'answered normally while Redis is fast');
    // Each round trip now takes 1.4 s: the limiter's check fits the 2 s budget, the lookup after it does not.
    proxy.setDelay(700);
    try {
      const slow = await read();
      assert.equal(slow.status, 503, slow.text);
      assert.equal(JSON.parse(slow.text).error.code, 'store_unavailable');
      // Not a speed assertion: one budget ends near 2 s, two would end near 2.8 s.
      assert.ok(slow.elapsedMs < TIMEOUT_MS + 600, `answered in ${Math.round(slow.elapsedMs)} ms`);
    } finally {
      proxy.setDelay(0);
    }
  });
});
