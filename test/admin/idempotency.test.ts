import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, freshAppPerTest, READ_ONLY_KEY, STORE_KINDS, type TestApp } from '../helpers/test-app.js';

const SECOND_ADMIN_KEY = 'second-admin-key-0123456789abcdef';
const ENV = {
  ADMIN_API_KEYS: `admin=${ADMIN_KEY},other=${SECOND_ADMIN_KEY},reader=${READ_ONLY_KEY}#tokens:read`,
  STORE_TIMEOUT_MS: '5000',
  JWT_SIGNING_KEYS: 'idem:HS256=env:IDEM_JWT_SECRET',
  IDEM_JWT_SECRET: 'idempotency-test-jwt-secret-0123456789abcdef',
};

interface Issued {
  token: string;
  record: { id: string };
}

for (const storeKind of STORE_KINDS) {
  describe(`Idempotency-Key on issuing, with the ${storeKind} store`, () => {
    let t: TestApp;
    let redis: TestRedis | undefined;
    freshAppPerTest(
      storeKind,
      ENV,
      (app, r) => {
        t = app;
        redis = r;
      },
      { keyPrefixPerTest: true },
    );

    const post = async (path: '/v1/tokens' | '/v1/tokens/batch', body: object, idempotencyKey?: string, key = ADMIN_KEY) => {
      const req = request(t.app).post(path).set('Authorization', `Bearer ${key}`);
      if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
      const res = await req.send(body);
      assertMatchesContract('POST', path, res);
      return res;
    };
    const issuedCount = () => counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'issue' });

    it('the same key and body answers the first token again, with Idempotent-Replayed, and issues nothing', async () => {
      const first = await post('/v1/tokens', { streams: ['cam-1'], maxUses: 1 }, 'order-1001');
      assert.equal(first.status, 201, first.text);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      // The same body with its keys in another order is the same request.
      const again = await post('/v1/tokens', { maxUses: 1, streams: ['cam-1'] }, 'order-1001');
      assert.equal(again.status, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.headers['cache-control'], 'no-store');
      assert.equal(again.headers.location, first.headers.location);
      assert.deepEqual(again.body, first.body);
      assert.equal(await issuedCount(), 1);
      assert.equal(t.logs.lines.filter((line) => line.action === 'token.issue').length, 1);
      const listed = await request(t.app).get('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`);
      assert.equal(listed.body.items.length, 1);
    });

    it('a retried batch of 1000 returns the same 1000 tokens and mints none', async () => {
      const body = { template: { streams: ['event-42-*'], maxUses: 1 }, count: 1000 };
      const first = await post('/v1/tokens/batch', body, 'batch-2026-12-01');
      assert.equal(first.status, 201, first.text);
      assert.equal(await issuedCount(), 1000);
      const retry = await post('/v1/tokens/batch', body, 'batch-2026-12-01');
      assert.equal(retry.status, 201);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.body.batchId, first.body.batchId);
      assert.deepEqual(
        (retry.body.tokens as Issued[]).map((item) => item.token),
        (first.body.tokens as Issued[]).map((item) => item.token),
      );
      assert.equal(await issuedCount(), 1000);
    });

    it('the same key with another body is refused with 422 idempotency_key_reused and issues nothing', async () => {
      assert.equal((await post('/v1/tokens', { streams: ['cam-1'] }, 'k-1')).status, 201);
      const other = await post('/v1/tokens', { streams: ['cam-2'] }, 'k-1');
      assert.equal(other.status, 422);
      assert.equal(other.body.error.code, 'idempotency_key_reused');
      assert.equal(await issuedCount(), 1);
    });

    it('concurrent duplicates: exactly one issues; the others get 409 idempotency_in_progress or the replay', async () => {
      const body = { template: { streams: ['race'] }, count: 200 };
      const answers = await Promise.all(Array.from({ length: 6 }, () => post('/v1/tokens/batch', body, 'race-key')));
      const fresh = answers.filter((res) => res.status === 201 && res.headers['idempotent-replayed'] === undefined);
      assert.equal(fresh.length, 1, answers.map((res) => res.status).join(','));
      for (const res of answers) {
        if (res === fresh[0]) continue;
        if (res.status === 409) {
          assert.equal(res.body.error.code, 'idempotency_in_progress');
          assert.equal(res.headers['retry-after'], '1');
        } else {
          assert.equal(res.status, 201);
          assert.equal(res.body.batchId, fresh[0]?.body.batchId);
        }
      }
      assert.equal(await issuedCount(), 200);
    });

    it('keys are per admin key: another admin key with the same idempotency key issues its own token', async () => {
      const mine = await post('/v1/tokens', { streams: ['cam-1'] }, 'shared-key');
      const theirs = await post('/v1/tokens', { streams: ['cam-1'] }, 'shared-key', SECOND_ADMIN_KEY);
      assert.equal(theirs.status, 201);
      assert.equal(theirs.headers['idempotent-replayed'], undefined);
      assert.notEqual(theirs.body.token, mine.body.token);
      // The two routes do not share keys either.
      const batch = await post('/v1/tokens/batch', { items: [{ streams: ['cam-1'] }] }, 'shared-key');
      assert.equal(batch.status, 201);
      assert.equal(await issuedCount(), 3);
    });

    it('a malformed key is refused with 400 naming Idempotency-Key, and nothing is issued', async () => {
      for (const bad of ['has space', 'x'.repeat(256), 'ünïcode', 'a,b']) {
        const res = await post('/v1/tokens', { streams: ['cam-1'] }, bad);
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.error.details[0].field, 'Idempotency-Key');
      }
      assert.equal((await post('/v1/tokens', { streams: ['cam-1'] }, 'x'.repeat(255))).status, 201);
      assert.equal(await issuedCount(), 1);
    });

    it('a request that issued nothing (400) leaves the key free for the corrected request', async () => {
      const bad = await post('/v1/tokens', { streams: [] }, 'fix-me');
      assert.equal(bad.status, 400);
      const good = await post('/v1/tokens', { streams: ['cam-1'] }, 'fix-me');
      assert.equal(good.status, 201);
      assert.equal(good.headers['idempotent-replayed'], undefined);
    });

    it('a JWT issue request is idempotent too: the retry answers the same signed token', async () => {
      const body = { type: 'jwt', streams: ['cam-1'], ttlSeconds: 600, once: true };
      const first = await post('/v1/tokens', body, 'jwt-key');
      assert.equal(first.status, 201, first.text);
      const again = await post('/v1/tokens', body, 'jwt-key');
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body.token, first.body.token);
      assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'issue_jwt' }), 1);
    });

    it('without the header, every request issues (no change for existing callers)', async () => {
      await post('/v1/tokens', { streams: ['cam-1'] });
      await post('/v1/tokens', { streams: ['cam-1'] });
      assert.equal(await issuedCount(), 2);
    });

    if (storeKind === 'memory') {
      it('after 24 hours the key is forgotten and the same request issues again', async () => {
        const first = await post('/v1/tokens', { streams: ['cam-1'], ttlSeconds: 3600 }, 'day-key');
        t.clock.advance(24 * 3600_000 - 1000);
        assert.equal((await post('/v1/tokens', { streams: ['cam-1'], ttlSeconds: 3600 }, 'day-key')).body.token, first.body.token);
        t.clock.advance(2000);
        const later = await post('/v1/tokens', { streams: ['cam-1'], ttlSeconds: 3600 }, 'day-key');
        assert.equal(later.headers['idempotent-replayed'], undefined);
        assert.notEqual(later.body.token, first.body.token);
      });
    } else {
      it('Redis keeps the answer for 24 hours, sealed: no token secret, body or idempotency key in clear', async () => {
        const res = await post('/v1/tokens/batch', { items: [{ streams: ['cam-1'], metadata: { orderId: 'A-1001' } }] }, 'sealed-key');
        const client = redis!.client;
        const keys = await client.keys(`${t.config.store.kind === 'redis' ? t.config.store.keyPrefix : ''}idem:{*`);
        assert.equal(keys.length, 1);
        const ttl = await client.pttl(keys[0]!);
        assert.ok(ttl > 24 * 3600_000 - 60_000 && ttl <= 24 * 3600_000, String(ttl));
        const stored = JSON.stringify(await client.hgetall(keys[0]!)) + keys[0];
        for (const secret of [(res.body.tokens as Issued[])[0]!.token, 'A-1001', 'sealed-key', 'cam-1']) {
          assert.ok(!stored.includes(secret), `${secret} is not stored in clear`);
        }
      });
    }
  });
}

describe('Idempotency-Key while Redis does not answer', () => {
  let t: TestApp;
  let redis: TestRedis | undefined;
  freshAppPerTest('redis', { ...ENV, STORE_TIMEOUT_MS: '300' }, (app, r) => {
    t = app;
    redis = r;
  });

  it('answers 503 and claims nothing: the retry once Redis is back issues once', async () => {
    redis!.stall();
    let res;
    try {
      res = await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Idempotency-Key', 'outage-1').send({ streams: ['cam'] });
    } finally {
      redis!.resume();
    }
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'store_unavailable');
    const first = await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Idempotency-Key', 'outage-1').send({ streams: ['cam'] });
    assert.equal(first.status, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Idempotency-Key', 'outage-1').send({ streams: ['cam'] });
    assert.equal(again.body.token, first.body.token);
  });
});

/**
 * Kept answers have no cap of their own in Redis: they grow only with issuing, which an admin key may do without
 * limit anyway (README, Idempotent issuing). What that rests on, measured through the API: a kept answer costs Redis
 * about what the token records the same request wrote cost (sealing adds a third), and lives no longer than they do
 * with the default TOKEN_RETENTION_SECONDS.
 */
describe('Idempotency-Key: what kept answers cost in Redis', () => {
  let t: TestApp;
  let redis: TestRedis | undefined;
  freshAppPerTest('redis', ENV, (app, r) => ((t = app), (redis = r)), { keyPrefixPerTest: true });

  const redisBytes = async (pattern: string): Promise<{ bytes: number; minTtlMs: number }> => {
    const prefix = t.config.store.kind === 'redis' ? t.config.store.keyPrefix : '';
    let bytes = 0;
    let minTtlMs = Infinity;
    for (const key of await redis!.client.keys(`${prefix}${pattern}`)) {
      bytes += Number(await redis!.client.memory('USAGE', key, 'SAMPLES', '0'));
      minTtlMs = Math.min(minTtlMs, await redis!.client.pttl(key));
    }
    return { bytes, minTtlMs };
  };

  it('a batch of 1000 keeps an answer under twice the bytes of its 1000 records, for no longer than they live', async () => {
    const template = { streams: ['event-*'], maxUses: 1, metadata: { orderId: 'A-1001', note: 'n'.repeat(200) } };
    const res = await request(t.app)
      .post('/v1/tokens/batch')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .set('Idempotency-Key', 'cost-1')
      .send({ template, count: 1000 });
    assert.equal(res.status, 201, res.text);
    const answer = await redisBytes('idem:{*');
    const everything = await redisBytes('*');
    const records = { bytes: everything.bytes - answer.bytes, minTtlMs: (await redisBytes('t:{*')).minTtlMs };
    assert.ok(records.bytes > 100_000, `the records were found (${records.bytes} B)`);
    assert.ok(answer.bytes < 2 * records.bytes, `answer ${answer.bytes} B, records ${records.bytes} B`);
    assert.ok(answer.minTtlMs <= records.minTtlMs, `answer kept ${answer.minTtlMs} ms, records ${records.minTtlMs} ms`);
  });
});
