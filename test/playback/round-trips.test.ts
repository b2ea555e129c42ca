import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { issueViaApi } from '../helpers/admin-client.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

/**
 * Requests Redis read from its clients (`total_reads_processed`: one per network read, so pipelined commands sent
 * together count once), and top-level script calls. Commands run inside a script are not client requests.
 */
async function redisWork(redis: TestRedis): Promise<{ reads: number; scripts: number }> {
  const stats = await redis.client.info('stats');
  const commands = await redis.client.info('commandstats');
  const reads = Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]);
  const scripts = [...commands.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[2]), 0);
  return { reads, scripts };
}

/** The work between two readings, less the reading itself (two INFO requests). */
async function workDuring(redis: TestRedis, action: () => Promise<void>): Promise<{ reads: number; scripts: number }> {
  const before = await redisWork(redis);
  await action();
  const after = await redisWork(redis);
  return { reads: after.reads - before.reads - 2, scripts: after.scripts - before.scripts };
}

describe('Redis work per decision', () => {
  let redis: TestRedis;
  let t: ServiceInstance;
  // Built as main.ts builds it, with brute-force throttling on (its default) and a token policy in use: the
  // budget must hold with both.
  serviceOnRedis({ STORE_TIMEOUT_MS: '2000', BRUTE_FORCE_MAX_PER_IP: '20' }, ([first], started) => {
    t = first!;
    redis = started!;
  });

  it('an allowed playHLS decision costs one Redis round trip (the token script), with throttling on', async () => {
    const { token } = await issueViaApi(t.app, { streams: ['test'], maxViewers: 5 });
    const body = JSON.stringify(newerPlayHlsBody({}, { token }));
    const first = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body);
    assert.equal(first.status, 200);
    const work = await workDuring(redis, async () => {
      const res = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body);
      assert.equal(res.status, 200);
    });
    assert.deepEqual(work, { reads: 1, scripts: 1 });
  });

  it('a refused guess runs the token script and, after the answer, one counter script', async () => {
    const work = await workDuring(redis, async () => {
      const res = await request(t.app)
        .post('/wcs/playHLS')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(newerPlayHlsBody({}, { token: `wta_${'E'.repeat(43)}` })));
      assert.equal(res.status, 403);
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    assert.deepEqual(work, { reads: 2, scripts: 2 });
    // Only store work is timed as a store operation: the counter update, not the in-process throttle check.
    const timed = (await t.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'wcs_auth_store_operation_duration_seconds');
    const operations = new Set((timed?.values ?? []).map((v) => String((v.labels as Record<string, unknown>).operation)));
    assert.ok(operations.has('guess_limit_record'), [...operations].join());
    assert.ok(!operations.has('guess_limit_check'), [...operations].join());
  });
});
