import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import request from 'supertest';
import { issueViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, oneAppPerBlock, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

const STORE_TIMEOUT_MS = 150;
/** Generous on purpose: the guarantee is "bounded, never a hang", not a latency figure. */
const ANSWER_BOUND_MS = STORE_TIMEOUT_MS + 2000;

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await call();
  return { value, ms: performance.now() - start };
}

for (const policy of ['deny', 'allow'] as const) {
  describe(`when Redis fails during a decision (STORE_FAILURE_POLICY=${policy})`, () => {
    let redis: TestRedis;
    let t: TestApp;
    let token: string;

    oneAppPerBlock('redis', { STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS), STORE_FAILURE_POLICY: policy }, async (app, started) => {
      t = app;
      redis = started!;
      token = (await issueViaApi(t.app, { streams: ['test'] })).token;
    });
    afterEach(() => redis.resume());

    const hook = () =>
      request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(JSON.stringify(newerPlayHlsBody({}, { token })));
    const expectedStatus = policy === 'deny' ? 403 : 200;

    it(`a stalled Redis (SIGSTOP) gets ${expectedStatus} within the timeout, logged and counted as store_unavailable`, async () => {
      assert.equal((await hook()).status, 200, 'allowed while Redis is healthy');
      const result = policy === 'deny' ? 'deny' : 'allow';
      const before = await counterValue(t.metrics, 'wcs_auth_decisions_total', { reason: 'store_unavailable', result });
      redis.stall();
      const { value: res, ms } = await timed(() => hook());
      assert.equal(res.status, expectedStatus);
      assertMatchesContract('POST', '/wcs/playHLS', res);
      assert.ok(ms < ANSWER_BOUND_MS, `answered in ${ms} ms`);
      const decision = t.logs.decisions().at(-1);
      assert.equal(decision?.reason, 'store_unavailable');
      assert.equal(decision?.allow, policy === 'allow');
      assert.equal(await counterValue(t.metrics, 'wcs_auth_decisions_total', { reason: 'store_unavailable', result }), before + 1);
      assert.ok(t.logs.lines.some((line) => line.event === 'store_failure'));
    });

    // deny: an instance that can only refuse leaves the load balancer. allow: it still answers by its policy, and
    // failing readiness would take every instance out at once, so it stays in and says it is degraded.
    const readyWhileDown = policy === 'deny' ? { status: 503, body: 'store_unavailable' } : { status: 200, body: 'degraded' };
    it(`readiness reports the stalled store (${readyWhileDown.status} ${readyWhileDown.body}) within the timeout, and recovers when Redis answers again`, async () => {
      redis.stall();
      const { value: down, ms } = await timed(() => request(t.app).get('/readyz'));
      assert.equal(down.status, readyWhileDown.status);
      assert.deepEqual(down.body, { status: readyWhileDown.body, store: 'redis' });
      assertMatchesContract('GET', '/readyz', down);
      assert.ok(ms < ANSWER_BOUND_MS, `answered in ${ms} ms`);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_store_up', { store: 'redis' }), 0);
      redis.resume();
      const up = await request(t.app).get('/readyz');
      assert.equal(up.status, 200);
      assert.deepEqual(up.body, { status: 'ready', store: 'redis' });
      assert.equal(await counterValue(t.metrics, 'wcs_auth_store_up', { store: 'redis' }), 1);
      assert.equal((await hook()).status, 200, 'the same token is allowed again without a restart');
    });

    it('a stalled Redis makes admin calls answer 503 store_unavailable within the timeout, not hang', async () => {
      redis.stall();
      const { value: res, ms } = await timed(() =>
        request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['x'] }),
      );
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'store_unavailable');
      assertMatchesContract('POST', '/v1/tokens', res);
      assert.ok(ms < ANSWER_BOUND_MS, `answered in ${ms} ms`);
      assert.ok(!res.text.includes('timed out'), 'internals are not exposed');
    });

    it(`a killed Redis gets ${expectedStatus} within the timeout and the service recovers after a restart`, async () => {
      await redis.kill();
      const { value: res, ms } = await timed(() => hook());
      assert.equal(res.status, expectedStatus);
      assert.ok(ms < ANSWER_BOUND_MS, `answered in ${ms} ms`);
      assert.equal(t.logs.decisions().at(-1)?.reason, 'store_unavailable');

      await redis.restart();
      // This test Redis keeps nothing on disk, so tokens from before the restart are gone: a new one must work
      // through the reconnected client.
      let fresh: string | undefined;
      for (let attempt = 0; attempt < 50 && !fresh; attempt++) {
        const issued = await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['test'] });
        if (issued.status === 201) fresh = issued.body.token as string;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(fresh, 'the service reconnected to Redis');
      const res2 = await request(t.app)
        .post('/wcs/playHLS')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(newerPlayHlsBody({}, { token: fresh })));
      assert.equal(res2.status, 200);
    });
  });
}

describe('store errors are counted by kind', () => {
  it('counts a timeout against the operation that failed', async () => {
    const redis = await startTestRedis();
    const t = buildTestApp({ store: 'redis', redis, env: { STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS) } });
    try {
      redis.stall();
      await request(t.app)
        .post('/wcs/playHLS')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(newerPlayHlsBody({}, { token: `wta_${'C'.repeat(43)}` })));
      // ioredis's own command timeout fails the pending command right after the decision gave up on it.
      let counted = 0;
      for (let i = 0; i < 40 && counted === 0; i++) {
        counted = await counterValue(t.metrics, 'wcs_auth_store_errors_total', { store: 'redis', operation: 'authorize', kind: 'timeout' });
        if (counted === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(counted, 1);
    } finally {
      redis.resume();
      await t.close();
      await redis.stop();
    }
  });
});
