import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, freshAppPerTest, READ_ONLY_KEY, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

const bearer = (key: string) => `Bearer ${key}`;

interface Issued {
  token: string;
  record: { id: string; streams: string[]; maxUses: number | null; maxViewers: number | null };
}

for (const storeKind of STORE_KINDS) {
  describe(`POST /v1/tokens/batch with the ${storeKind} store`, () => {
    let redis: TestRedis | undefined;
    let t: TestApp;
    // Each test lists only its own tokens: keys of its own.
    freshAppPerTest(storeKind, { STORE_TIMEOUT_MS: '5000' }, (app, r) => ([t, redis] = [app, r]), { keyPrefixPerTest: true });

    const batch = async (body: unknown, key = ADMIN_KEY) => {
      const res = await request(t.app).post('/v1/tokens/batch').set('Authorization', bearer(key)).send(body as object);
      assertMatchesContract('POST', '/v1/tokens/batch', res);
      return res;
    };
    const listedCount = async () =>
      ((await request(t.app).get('/v1/tokens?limit=200').set('Authorization', bearer(ADMIN_KEY))).body as { items: unknown[] }).items.length;

    it('template + count: issues that many distinct working tokens, shown once, one audit line each', async () => {
      const res = await batch({ template: { streams: ['concert'], maxUses: 1 }, count: 25 });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers['cache-control'], 'no-store');
      const tokens = res.body.tokens as Issued[];
      assert.equal(tokens.length, 25);
      assert.equal(new Set(tokens.map(({ token }) => token)).size, 25);
      assert.equal(new Set(tokens.map(({ record }) => record.id)).size, 25);
      for (const { token } of tokens.slice(0, 3)) {
        const ok = await request(t.app)
          .post('/wcs/playHLS')
          .set('Content-Type', 'application/json')
          .send(newerPlayHlsBody({ name: 'concert', mediaSessionId: `viewer-of-${token.slice(-6)}` }, { token }));
        assert.equal(ok.status, 200);
      }
      const audits = t.logs.lines.filter((line) => line.event === 'audit' && line.action === 'token.issue');
      assert.equal(audits.length, 25);
      assert.equal(new Set(audits.map((line) => line.batchId)).size, 1);
      assert.equal(audits[0]?.batchId, res.body.batchId);
      for (const { token } of tokens) assert.ok(!t.logs.text().includes(token), 'no secret in the log');
      assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'issue' }), 25);
      assert.equal(await listedCount(), 25);
    });

    it('items: issues different tokens, in request order', async () => {
      const res = await batch({ items: [{ streams: ['cam-1'] }, { streams: ['cam-2'], maxViewers: 2 }, { streams: ['cam-3'], maxUses: 5 }] });
      assert.equal(res.status, 201);
      const records = (res.body.tokens as Issued[]).map(({ record }) => [record.streams[0], record.maxViewers, record.maxUses]);
      assert.deepEqual(records, [
        ['cam-1', null, null],
        ['cam-2', 2, null],
        ['cam-3', null, 5],
      ]);
    });

    it('all or nothing on bad input: one invalid item fails the call with 400 naming it, and nothing is stored', async () => {
      const past = new Date(t.clock.now() - 1000).toISOString();
      for (const [body, field] of [
        [{ items: [{ streams: ['a'] }, { streams: [] }, { streams: ['c'] }] }, 'items.1.streams'],
        [{ items: [{ streams: ['a'] }, { streams: ['b'] }, { streams: ['c'], expiresAt: past }] }, 'items.2.expiresAt'],
        [{ items: [{ streams: ['a'], allowedIps: ['nope'] }] }, 'items.0.allowedIps.0'],
        [{ template: { streams: ['a'], maxUses: -1 }, count: 3 }, 'template.maxUses'],
        [{ template: { streams: ['a'] }, count: 1001 }, 'count'],
        [{ items: [] }, 'items'],
      ] as const) {
        const res = await batch(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.ok(res.body.error.details.some((d: { field: string }) => d.field === field), `${field}: ${res.text}`);
      }
      assert.equal(await listedCount(), 0);
      assert.equal(t.logs.lines.filter((line) => line.event === 'audit').length, 0);
    });

    it('needs tokens:write (403 for a read-only key), JSON (415), and a body within ADMIN_BATCH_BODY_LIMIT_BYTES (413)', async () => {
      assert.equal((await batch({ template: { streams: ['a'] }, count: 1 }, READ_ONLY_KEY)).status, 403);
      const text = await request(t.app).post('/v1/tokens/batch').set('Authorization', bearer(ADMIN_KEY)).set('Content-Type', 'text/plain').send('x');
      assert.equal(text.status, 415);
      const small = buildTestApp({ store: 'memory', env: { ADMIN_BATCH_BODY_LIMIT_BYTES: '1024' } });
      try {
        const items = Array.from({ length: 40 }, (_, i) => ({ streams: [`stream-number-${i}`] }));
        const tooLarge = await request(small.app).post('/v1/tokens/batch').set('Authorization', bearer(ADMIN_KEY)).send({ items });
        assert.equal(tooLarge.status, 413);
        assertMatchesContract('POST', '/v1/tokens/batch', tooLarge);
      } finally {
        await small.close();
      }
    });

    it('issues the full 1000 in one call', async () => {
      const res = await batch({ template: { streams: ['big-event'], maxUses: 1 }, count: 1000 });
      assert.equal(res.status, 201);
      assert.equal(res.body.tokens.length, 1000);
    });

    if (storeKind === 'redis') {
      it('when Redis stalls mid-batch: 503, and once Redis answers again none of the batch exists', async () => {
        assert.ok(redis);
        const prefix = `${redis.keyPrefix}stall:`;
        const stalled = buildTestApp({ store: 'redis', redis, env: { STORE_TIMEOUT_MS: '300', REDIS_KEY_PREFIX: prefix } });
        try {
          redis.stall();
          const res = await request(stalled.app).post('/v1/tokens/batch').set('Authorization', bearer(ADMIN_KEY)).send({ template: { streams: ['x'] }, count: 20 });
          assert.equal(res.status, 503);
          assertMatchesContract('POST', '/v1/tokens/batch', res);
          assert.equal(res.body.error.code, 'store_unavailable');
        } finally {
          redis.resume();
        }
        // The writes and the rollback were queued on one connection and run in order once Redis resumed. Read
        // until that queue has drained (a PING on the same connection answers after it), then look.
        await stalled.redisStore?.redis.ping();
        const records = await redis.client.keys(`${prefix}t:*`);
        const ids = await redis.client.keys(`${prefix}i:*`);
        assert.deepEqual([records, ids], [[], []]);
        assert.deepEqual([await redis.client.hlen(`${prefix}{idx}:ids`), await redis.client.zcard(`${prefix}{idx}:tokens`)], [0, 0], 'no id, no index entry');
        await stalled.close();
      });
    }
  });
}
