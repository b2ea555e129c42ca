import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { issueViaApi, revokeViaApi } from '../helpers/admin-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, freshAppPerTest, READ_ONLY_KEY, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

const bearer = (key: string) => `Bearer ${key}`;

interface Page {
  items: { id: string; state: string; [field: string]: unknown }[];
  nextCursor: string | null;
}

for (const storeKind of STORE_KINDS) {
  describe(`GET /v1/tokens with the ${storeKind} store`, () => {
    let redis: TestRedis | undefined;
    let t: TestApp;
    // Each test lists only its own tokens: keys of its own.
    freshAppPerTest(storeKind, { STORE_TIMEOUT_MS: '5000' }, (app, r) => ([t, redis] = [app, r]), { keyPrefixPerTest: true });

    const list = async (query: string, key = READ_ONLY_KEY) => {
      const res = await request(t.app).get(`/v1/tokens${query}`).set('Authorization', bearer(key));
      assertMatchesContract('GET', '/v1/tokens', res);
      return res;
    };

    it('lists newest first in pages that follow nextCursor to the end, without any secret', async () => {
      const issued = [];
      for (let i = 0; i < 5; i++) {
        issued.unshift(await issueViaApi(t.app, { streams: [`s-${i}`] }));
        t.clock.advance(1000);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const res = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200);
        const body = res.body as Page;
        assert.ok(body.items.length <= 2);
        seen.push(...body.items.map((item) => item.id));
        for (const { token } of issued) assert.ok(!res.text.includes(token), 'no secret in a listing');
        cursor = body.nextCursor;
        if (cursor === null) break;
      }
      assert.equal(cursor, null);
      assert.deepEqual(seen, issued.map(({ record }) => record.id));
    });

    it('filters by stream (patterns that grant it), appKey (tokens valid for it) and state', async () => {
      const exact = await issueViaApi(t.app, { streams: ['event-42'], appKeys: ['app1'] });
      const glob = await issueViaApi(t.app, { streams: ['event-*'] });
      const other = await issueViaApi(t.app, { streams: ['other'], appKeys: ['app2'] });
      const ids = async (query: string) => ((await list(query)).body as Page).items.map((item) => item.id).sort();

      assert.deepEqual(await ids('?stream=event-42'), [exact.record.id, glob.record.id].sort());
      assert.deepEqual(await ids('?appKey=app1'), [exact.record.id, glob.record.id].sort());
      assert.deepEqual(await ids('?appKey=app2&stream=other'), [other.record.id]);

      await revokeViaApi(t.app, exact.record.id);
      const disabled = await request(t.app).patch(`/v1/tokens/${glob.record.id}`).set('Authorization', bearer(ADMIN_KEY)).send({ disabled: true });
      assert.equal(disabled.status, 200);
      const oneTime = await issueViaApi(t.app, { streams: ['test'], maxUses: 1 });
      const used = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(newerPlayHlsBody({}, { token: oneTime.token }));
      assert.equal(used.status, 200);
      const pending = await issueViaApi(t.app, { streams: ['test'], notBefore: new Date(t.clock.now() + 60_000).toISOString() });

      assert.deepEqual(await ids('?state=revoked'), [exact.record.id]);
      assert.deepEqual(await ids('?state=disabled'), [glob.record.id]);
      assert.deepEqual(await ids('?state=exhausted'), [oneTime.record.id]);
      assert.deepEqual(await ids('?state=pending'), [pending.record.id]);
      assert.deepEqual(await ids('?state=active'), [other.record.id]);
      t.clock.advance(2 * 3_600_000);
      // Revoked and disabled stay what they are; the others are now expired (kept for the retention period).
      assert.deepEqual(await ids('?state=expired'), [other.record.id, oneTime.record.id, pending.record.id].sort());
    });

    it('answers 400 naming the parameter for a bad limit, state, cursor or an unknown parameter', async () => {
      for (const [query, field] of [
        ['?limit=0', 'limit'],
        ['?limit=201', 'limit'],
        ['?limit=ten', 'limit'],
        ['?state=gone', 'state'],
        ['?cursor=not-a-cursor', 'cursor'],
        ['?cursor=' + Buffer.from('000000000000001:tok_AAAAAAAAAAAAAAA').toString('base64url'), 'cursor'],
        ['?colour=blue', 'colour'],
        ['?limit=5&colour=blue', 'colour'],
      ] as const) {
        const res = await list(query);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error.code, 'validation_failed');
        assert.ok(res.body.error.details.some((d: { field: string }) => d.field === field), `${query}: ${res.text}`);
      }
    });

    it('needs an admin key (401) and accepts a read-only one', async () => {
      const none = await request(t.app).get('/v1/tokens');
      assert.equal(none.status, 401);
      assertMatchesContract('GET', '/v1/tokens', none);
      assert.equal((await list('', READ_ONLY_KEY)).status, 200);
    });

    if (storeKind === 'redis') {
      it('answers 503 within the timeout when Redis stalls, and lists again afterwards', async () => {
        assert.ok(redis);
        const stalled = buildTestApp({ store: 'redis', redis, env: { STORE_TIMEOUT_MS: '300' } });
        try {
          redis.stall();
          const res = await request(stalled.app).get('/v1/tokens').set('Authorization', bearer(READ_ONLY_KEY));
          assert.equal(res.status, 503);
          assertMatchesContract('GET', '/v1/tokens', res);
        } finally {
          redis.resume();
          await stalled.close();
        }
        assert.equal((await list('')).status, 200);
      });
    }
  });
}
