import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { issueViaApi, revokeViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, freshAppPerTest, READ_ONLY_KEY, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody } from '../helpers/wcs-bodies.js';

const bearer = (key: string) => `Bearer ${key}`;

for (const storeKind of STORE_KINDS) {
  describe(`PATCH /v1/tokens/{id} with the ${storeKind} store`, () => {
    let redis: TestRedis | undefined;
    let t: TestApp;
    freshAppPerTest(storeKind, { STORE_TIMEOUT_MS: '5000' }, (app, r) => {
      t = app;
      redis = r;
    });

    const patch = async (id: string, body: unknown, key = ADMIN_KEY) => {
      const res = await request(t.app).patch(`/v1/tokens/${id}`).set('Authorization', bearer(key)).send(body as object);
      assertMatchesContract('PATCH', `/v1/tokens/${id}`, res);
      return res;
    };
    const play = (token: string) =>
      request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(newerPlayHlsBody({}, { token }));

    it('disables and enables a token: the hook follows, each change is audited with its fields and counted', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], headers: { 'X-Viewer-Id': 'v1' } });
      const off = await patch(record.id, { disabled: true });
      assert.equal(off.status, 200);
      assert.deepEqual([off.body.state, off.body.disabled], ['disabled', true]);
      assert.equal((await play(token)).status, 403);
      const on = await patch(record.id, { disabled: false, metadata: { note: 'back' } });
      assert.deepEqual([on.body.state, on.body.metadata], ['active', { note: 'back' }]);
      assert.equal((await play(token)).status, 200);
      const audits = t.logs.lines.filter((line) => line.event === 'audit' && line.action === 'token.update');
      assert.deepEqual(
        audits.map((line) => [line.tokenId, line.adminKeyId, line.changes]),
        [
          [record.id, 'admin', ['disabled']],
          [record.id, 'admin', ['disabled', 'metadata']],
        ],
      );
      assert.ok(audits.every((line) => typeof line.time === 'string'), 'the audit line says when');
      assert.ok(!t.logs.text().includes(token));
      assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'update' }), 2);
    });

    it('changes expiry, limits, IP rules and headers; null removes a policy; the record reads back the same', async () => {
      const { record } = await issueViaApi(t.app, { streams: ['test'], maxUses: 1, allowedIps: ['10.0.0.0/8'] });
      const expiresAt = new Date(t.clock.now() + 7_200_000).toISOString();
      const res = await patch(record.id, {
        expiresAt,
        notBefore: new Date(t.clock.now() - 1000).toISOString(),
        maxUses: null,
        maxViewers: 4,
        allowedIps: ['192.0.2.77/24', '::ffff:198.51.100.0/120', '2001:DB8::/32'],
        bindIpOnFirstUse: true,
        headers: { 'X-Viewer-Id': 'v2' },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.expiresAt, expiresAt);
      assert.deepEqual(
        [res.body.maxUses, res.body.maxViewers, res.body.allowedIps, res.body.bindIpOnFirstUse, res.body.headers],
        [null, 4, ['192.0.2.0/24', '198.51.100.0/24', '2001:db8::/32'], true, { 'X-Viewer-Id': 'v2' }],
      );
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', bearer(READ_ONLY_KEY));
      assert.deepEqual(read.body, res.body);
      const cleared = await patch(record.id, { notBefore: null, allowedIps: null, maxViewers: null, bindIpOnFirstUse: false });
      assert.deepEqual(
        [cleared.body.notBefore, cleared.body.allowedIps, cleared.body.maxViewers, cleared.body.bindIpOnFirstUse],
        [null, null, null, false],
      );
    });

    it('ttlSeconds sets a new expiry from now, and a token past its old expiry is valid again', async () => {
      const { token, record } = await issueViaApi(t.app, { streams: ['test'], ttlSeconds: 60 });
      t.clock.advance(61_000);
      assert.equal((await play(token)).status, 403);
      const res = await patch(record.id, { ttlSeconds: 600 });
      assert.equal(res.body.expiresAt, new Date(t.clock.now() + 600_000).toISOString());
      assert.equal((await play(token)).status, 200);
    });

    it('answers 400 naming the field for bad changes, and changes nothing', async () => {
      const { record } = await issueViaApi(t.app, { streams: ['test'], ttlSeconds: 600 });
      const now = t.clock.now();
      for (const [body, field] of [
        [{}, 'body'],
        [{ streams: ['other'] }, 'body'],
        [{ ttlSeconds: 60, expiresAt: new Date(now + 60_000).toISOString() }, 'expiresAt'],
        [{ expiresAt: new Date(now - 1000).toISOString() }, 'expiresAt'],
        [{ ttlSeconds: t.config.tokenMaxTtlSeconds + 1 }, 'ttlSeconds'],
        [{ notBefore: new Date(now + 700_000).toISOString() }, 'notBefore'],
        [{ maxUses: 0 }, 'maxUses'],
        [{ maxViewers: 10_001 }, 'maxViewers'],
        [{ allowedIps: ['10.0.0.0/33'] }, 'allowedIps.0'],
        [{ allowedIps: [] }, 'allowedIps'],
        [{ headers: { 'X-Bad': 'a\r\nSet-Cookie: x=1' } }, 'headers.X-Bad'],
        [{ disabled: 'yes' }, 'disabled'],
      ] as const) {
        const res = await patch(record.id, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.ok(
          res.body.error.details.some((d: { field: string }) => d.field === field),
          `${JSON.stringify(body)} should name ${field}: ${res.text}`,
        );
      }
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set('Authorization', bearer(ADMIN_KEY));
      assert.equal(read.body.expiresAt, new Date(now + 600_000).toISOString());
      assert.equal(t.logs.lines.filter((line) => line.action === 'token.update').length, 0);
    });

    it('a revoked token cannot be changed (409); unknown ids are 404; read-only keys 403; non-JSON 415', async () => {
      const { record } = await issueViaApi(t.app, { streams: ['test'] });
      await revokeViaApi(t.app, record.id);
      const conflict = await patch(record.id, { disabled: false });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body.error.code, 'conflict');
      assert.equal((await patch('tok_AAAAAAAAAAAAAAAA', { disabled: true })).status, 404);
      assert.equal((await patch('nope', { disabled: true })).status, 404);
      assert.equal((await patch(record.id, { disabled: true }, READ_ONLY_KEY)).status, 403);
      const text = await request(t.app).patch(`/v1/tokens/${record.id}`).set('Authorization', bearer(ADMIN_KEY)).set('Content-Type', 'text/plain').send('x');
      assert.equal(text.status, 415);
      const mergePatch = await request(t.app)
        .patch(`/v1/tokens/${record.id}`)
        .set('Authorization', bearer(ADMIN_KEY))
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ disabled: true }));
      assert.equal(mergePatch.status, 409, 'merge-patch+json is read too');
    });

    if (storeKind === 'redis') {
      it('moves the Redis expiry of the record and its session keys; the id map and index live at least as long', async () => {
        assert.ok(redis);
        const { token, record } = await issueViaApi(t.app, { streams: ['test'], maxViewers: 3 });
        assert.equal((await play(token)).status, 200);
        const hash = createHash('sha256').update(token).digest('hex');
        const store = t.redisStore;
        assert.ok(store);
        const expiresAt = t.clock.now() + 5 * 3_600_000;
        const res = await patch(record.id, { expiresAt: new Date(expiresAt).toISOString() });
        assert.equal(res.status, 200);
        const purgeAt = expiresAt + t.config.tokenRetentionSeconds * 1000;
        for (const key of [store.recordKey(hash), store.sessionsKey(hash), store.activeKey(hash)]) {
          assert.equal(await redis.client.pexpiretime(key), purgeAt, key);
        }
        // Index entries have no purge time of their own (housekeeping drops them once the record is gone).
        for (const key of [store.idsKey(), store.indexKey()]) assert.ok((await redis.client.pexpiretime(key)) >= purgeAt, key);
      });
    }
  });
}
