import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueToken, playHls, unknownToken } from '../helpers/hook-client.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';

/**
 * Only a real store answer ends an outage. A decision that never reaches the store (a malformed token) used to count
 * as one: `wcs_auth_store_up` went back to 1 during the outage, `store_recovered` was logged, and one outage was
 * counted several times, resetting the WcsAuthStoreUnavailable alert.
 */
describe('the store outage signal', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let instance: ServiceInstance;
  serviceOnRedis({ STORE_TIMEOUT_MS: '300', STORE_HEALTH_CHECK_INTERVAL_MS: '0', EXPOSE_DENY_REASON: 'true' }, ([first], started) => {
    instance = first!;
    redis = started!;
  });

  const events = (name: string) => instance.logs.lines.filter((line) => line.event === name);
  const storeUp = () => instance.metric('wcs_auth_store_up', { store: 'redis' });
  const outages = () => instance.metric('wcs_auth_store_outages_total', { store: 'redis' });

  test('decisions that never reach the store neither end nor restart an outage; the first real answer ends it once', async () => {
    const { token } = await issueToken(instance.url);
    assert.equal((await playHls(instance.url, token)).status, 200);
    redis.stall();
    try {
      assert.equal((await playHls(instance.url, token)).headers.get('x-deny-reason'), 'store_unavailable');
      assert.equal(await storeUp(), 0);
      assert.equal(await outages(), 1);
      for (let round = 0; round < 3; round++) {
        for (const never of ['wta_x', 'abc', 'eyJhbGciOiJIUzI1NiJ9.e30.x', `wta_${'!'.repeat(43)}`]) {
          const answer = await playHls(instance.url, never);
          assert.equal(answer.status, 403);
          // Refused from its shape alone: a store failure would have said store_unavailable.
          assert.match(String(answer.headers.get('x-deny-reason')), /^(malformed_token|unknown_token|unknown_key)$/, never);
        }
        assert.equal(await storeUp(), 0, 'still down after decisions that did not need the store');
        assert.equal((await playHls(instance.url, unknownToken())).headers.get('x-deny-reason'), 'store_unavailable');
      }
      assert.deepEqual(events('store_recovered'), []);
      assert.equal(events('store_outage').length, 1);
      assert.equal(await outages(), 1, 'one outage counted once');
    } finally {
      redis.resume();
    }
    assert.equal((await playHls(instance.url, token)).status, 200);
    assert.equal(await storeUp(), 1);
    assert.equal(events('store_recovered').length, 1);
    assert.equal(await outages(), 1);
  });
});
