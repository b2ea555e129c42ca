import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { type TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, freshAppPerTest, oneAppPerBlock, READ_ONLY_KEY, STORE_KINDS, type TestApp } from '../helpers/test-app.js';

const bearer = (key: string) => `Bearer ${key}`;

for (const storeKind of STORE_KINDS) {
  describe(`admin token API with the ${storeKind} store`, () => {
    let redis: TestRedis | undefined;
    let t: TestApp;
    freshAppPerTest(storeKind, {}, (app, r) => {
      t = app;
      redis = r;
    });

    it('issues a token: 201, the secret once, a record without it, Location and no-store', async () => {
      const res = await request(t.app)
        .post('/v1/tokens')
        .set('Authorization', bearer(ADMIN_KEY))
        .send({ streams: ['test', 'event-*'], appKeys: ['defaultApp'], ttlSeconds: 600, headers: { 'X-Viewer-Id': 'u-1' }, metadata: { order: 7 } });
      assert.equal(res.status, 201, res.text);
      assertMatchesContract('POST', '/v1/tokens', res);
      assert.match(res.body.token, /^wta_[A-Za-z0-9_-]{43}$/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers.location, `/v1/tokens/${res.body.record.id}`);
      const record = res.body.record;
      assert.equal(record.state, 'active');
      assert.deepEqual(record.streams, ['test', 'event-*']);
      assert.deepEqual(record.appKeys, ['defaultApp']);
      assert.deepEqual(record.actions, ['play']);
      assert.equal(record.expiresAt, new Date(t.clock.now() + 600_000).toISOString());
      assert.deepEqual(record.metadata, { order: 7 });
      assert.ok(!JSON.stringify(record).includes(res.body.token));
      assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'issue' }), 1);
      const audit = t.logs.lines.find((line) => line.event === 'audit');
      assert.deepEqual(
        { action: audit?.action, tokenId: audit?.tokenId, adminKeyId: audit?.adminKeyId },
        { action: 'token.issue', tokenId: record.id, adminKeyId: 'admin' },
      );
      assert.ok(!t.logs.text().includes(res.body.token), 'the secret never reaches the log');
    });

    it('reads a token by id (never the secret), and 404 for an unknown or malformed id', async () => {
      const issued = await request(t.app).post('/v1/tokens').set('Authorization', bearer(ADMIN_KEY)).send({ streams: ['test'] });
      const read = await request(t.app).get(`/v1/tokens/${issued.body.record.id}`).set('Authorization', bearer(READ_ONLY_KEY));
      assert.equal(read.status, 200);
      assertMatchesContract('GET', `/v1/tokens/${issued.body.record.id}`, read);
      assert.deepEqual(read.body, issued.body.record);
      assert.ok(!read.text.includes(issued.body.token));
      for (const id of ['tok_AAAAAAAAAAAAAAAA', 'not-a-token-id']) {
        const missing = await request(t.app).get(`/v1/tokens/${id}`).set('Authorization', bearer(ADMIN_KEY));
        assert.equal(missing.status, 404);
        assertMatchesContract('GET', `/v1/tokens/${id}`, missing);
      }
    });

    it('revokes a token: 200 with state revoked, idempotent, audited and counted; 404 for unknown ids', async () => {
      const issued = await request(t.app).post('/v1/tokens').set('Authorization', bearer(ADMIN_KEY)).send({ streams: ['test'] });
      const id = issued.body.record.id;
      const first = await request(t.app).delete(`/v1/tokens/${id}`).set('Authorization', bearer(ADMIN_KEY));
      assert.equal(first.status, 200);
      assertMatchesContract('DELETE', `/v1/tokens/${id}`, first);
      assert.equal(first.body.state, 'revoked');
      assert.equal(first.body.revokedAt, new Date(t.clock.now()).toISOString());
      t.clock.advance(5000);
      const again = await request(t.app).delete(`/v1/tokens/${id}`).set('Authorization', bearer(ADMIN_KEY));
      assert.equal(again.status, 200);
      assert.equal(again.body.revokedAt, first.body.revokedAt, 'the first revocation time is kept');
      const read = await request(t.app).get(`/v1/tokens/${id}`).set('Authorization', bearer(ADMIN_KEY));
      assert.equal(read.body.state, 'revoked');
      assert.ok(t.logs.lines.some((line) => line.event === 'audit' && line.action === 'token.revoke' && line.tokenId === id));
      const missing = await request(t.app).delete('/v1/tokens/tok_AAAAAAAAAAAAAAAA').set('Authorization', bearer(ADMIN_KEY));
      assert.equal(missing.status, 404);
    });

    it('shows state expired after expiry and removes the record after the retention period', async () => {
      const issued = await request(t.app)
        .post('/v1/tokens')
        .set('Authorization', bearer(ADMIN_KEY))
        .send({ streams: ['test'], ttlSeconds: 60 });
      const id = issued.body.record.id;
      t.clock.advance(61_000);
      const read = await request(t.app).get(`/v1/tokens/${id}`).set('Authorization', bearer(ADMIN_KEY));
      assert.equal(read.body.state, 'expired');
      if (storeKind === 'memory') {
        t.clock.advance(t.config.tokenRetentionSeconds * 1000);
        const gone = await request(t.app).get(`/v1/tokens/${id}`).set('Authorization', bearer(ADMIN_KEY));
        assert.equal(gone.status, 404);
      }
    });

    if (storeKind === 'redis') {
      it('stores only the SHA-256 of the token, with a TTL at expiry + retention, and no plaintext anywhere', async () => {
        assert.ok(redis);
        const issued = await request(t.app)
          .post('/v1/tokens')
          .set('Authorization', bearer(ADMIN_KEY))
          .send({ streams: ['test'], ttlSeconds: 600 });
        const { token, record } = issued.body;
        const hash = createHash('sha256').update(token).digest('hex');
        const recordKey = `${redis.keyPrefix}t:{${hash}}`;
        const idsKey = `${redis.keyPrefix}{idx}:ids`;
        assert.equal(await redis.client.exists(recordKey), 1);
        assert.equal(await redis.client.hget(idsKey, record.id), Buffer.from(hash, 'hex').toString('base64url'));
        // The test clock is not Redis's clock: compare the absolute expiry Redis holds with the one expected.
        const expectedPurgeAt = Date.parse(record.expiresAt) + t.config.tokenRetentionSeconds * 1000;
        assert.equal(await redis.client.pexpiretime(recordKey), expectedPurgeAt);
        assert.ok((await redis.client.pexpiretime(idsKey)) >= expectedPurgeAt, 'the id map lives as long as its last token');
        const keys = await redis.client.keys(`${redis.keyPrefix}*`);
        for (const key of keys) {
          assert.ok(!key.includes(token));
          const type = await redis.client.type(key);
          const value =
            type === 'hash'
              ? JSON.stringify(await redis.client.hgetall(key))
              : type === 'zset'
                ? JSON.stringify(await redis.client.zrange(key, 0, -1))
                : String(await redis.client.get(key));
          assert.ok(!value.includes(token), `plaintext token found in ${key}`);
        }
        await request(t.app).delete(`/v1/tokens/${record.id}`).set('Authorization', bearer(ADMIN_KEY));
        assert.equal(await redis.client.hget(recordKey, 'revokedAt'), String(t.clock.now()));
        assert.equal(await redis.client.pexpiretime(recordKey), expectedPurgeAt, 'revoking keeps the TTL');
      });
    }
  });
}

describe('admin API authentication and scopes', () => {
  let t: TestApp;
  oneAppPerBlock('memory', {}, (app) => (t = app));

  it('refuses a request without a key with 401 and WWW-Authenticate, counted as missing', async () => {
    const before = await counterValue(t.metrics, 'wcs_auth_admin_auth_failures_total', { reason: 'missing' });
    const res = await request(t.app).post('/v1/tokens').send({ streams: ['test'] });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assertMatchesContract('POST', '/v1/tokens', res);
    assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_auth_failures_total', { reason: 'missing' }), before + 1);
  });

  it('refuses a wrong key with 401, without echoing it, counted as invalid', async () => {
    const wrong = 'wrong-key-wrong-key-wrong-key';
    const res = await request(t.app).get('/v1/tokens/tok_AAAAAAAAAAAAAAAA').set('Authorization', bearer(wrong));
    assert.equal(res.status, 401);
    assert.ok(!res.text.includes(wrong));
    assert.ok(!t.logs.text().includes(wrong));
    assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_auth_failures_total', { reason: 'invalid' }), 1);
  });

  it('refuses a read-only key on write routes with 403, and lets it read', async () => {
    const issue = await request(t.app).post('/v1/tokens').set('Authorization', bearer(READ_ONLY_KEY)).send({ streams: ['test'] });
    assert.equal(issue.status, 403);
    assertMatchesContract('POST', '/v1/tokens', issue);
    const revoke = await request(t.app).delete('/v1/tokens/tok_AAAAAAAAAAAAAAAA').set('Authorization', bearer(READ_ONLY_KEY));
    assert.equal(revoke.status, 403);
    const read = await request(t.app).get('/v1/tokens/tok_AAAAAAAAAAAAAAAA').set('Authorization', bearer(READ_ONLY_KEY));
    assert.equal(read.status, 404);
  });

  it('accepts a key configured as its SHA-256 hash', async () => {
    const key = 'hashed-admin-key-0123456789';
    const hashed = buildTestApp({
      store: 'memory',
      env: { ADMIN_API_KEYS: `ops=sha256:${createHash('sha256').update(key).digest('hex')}` },
    });
    const res = await request(hashed.app).post('/v1/tokens').set('Authorization', bearer(key)).send({ streams: ['test'] });
    assert.equal(res.status, 201);
    assert.equal(hashed.logs.lines.find((line) => line.event === 'audit')?.adminKeyId, 'ops');
    const wrong = await request(hashed.app).post('/v1/tokens').set('Authorization', bearer(`${key}x`)).send({ streams: ['test'] });
    assert.equal(wrong.status, 401);
    await hashed.close();
  });
});

describe('admin API input validation', () => {
  let t: TestApp;
  oneAppPerBlock('memory', { BODY_LIMIT_BYTES: '2048', TOKEN_MAX_TTL_SECONDS: '86400' }, (app) => (t = app));

  const issue = (body: unknown, contentType = 'application/json') =>
    request(t.app)
      .post('/v1/tokens')
      .set('Authorization', bearer(ADMIN_KEY))
      .set('Content-Type', contentType)
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  const invalid: [string, unknown, string][] = [
    ['no streams', {}, 'streams'],
    ['empty streams', { streams: [] }, 'streams'],
    ['a stream with a space', { streams: ['a b'] }, 'streams.0'],
    ['streams of the wrong type', { streams: 'test' }, 'streams'],
    ['a negative ttl', { streams: ['t'], ttlSeconds: -5 }, 'ttlSeconds'],
    ['a fractional ttl', { streams: ['t'], ttlSeconds: 1.5 }, 'ttlSeconds'],
    ['a ttl over the maximum', { streams: ['t'], ttlSeconds: 86_401 }, 'ttlSeconds'],
    ['an expiry in the past', { streams: ['t'], expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
    ['a malformed expiry', { streams: ['t'], expiresAt: 'tomorrow' }, 'expiresAt'],
    ['both ttl and expiry', { streams: ['t'], ttlSeconds: 60, expiresAt: '2030-01-01T01:00:00Z' }, 'expiresAt'],
    ['notBefore after expiry', { streams: ['t'], ttlSeconds: 60, notBefore: '2030-01-02T00:00:00Z' }, 'notBefore'],
    ['an unknown action', { streams: ['t'], actions: ['delete'] }, 'actions.0'],
    ['a header name with a space', { streams: ['t'], headers: { 'X Bad': 'v' } }, 'headers.X Bad'],
    ['a header value with CR/LF', { streams: ['t'], headers: { 'X-Ok': 'v\r\nSet-Cookie: a=b' } }, 'headers.X-Ok'],
    ['a reserved header', { streams: ['t'], headers: { 'Content-Type': 'text/html' } }, 'headers.Content-Type'],
    ['an unknown field', { streams: ['t'], maxUsez: 1 }, 'body'],
    ['a body that is an array', [{ streams: ['t'] }], 'body'],
    ['metadata that is not an object', { streams: ['t'], metadata: [1] }, 'metadata'],
  ];
  for (const [name, body, field] of invalid) {
    it(`${name}: 400 validation_failed naming "${field}", nothing stored`, async () => {
      const before = await counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'issue' });
      const res = await issue(body);
      assert.equal(res.status, 400, res.text);
      assertMatchesContract('POST', '/v1/tokens', res);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `expected a detail for ${field}: ${JSON.stringify(res.body.error.details)}`,
      );
      assert.equal(await counterValue(t.metrics, 'wcs_auth_admin_token_operations_total', { operation: 'issue' }), before);
    });
  }

  it('malformed JSON gets 400 invalid_json', async () => {
    const res = await issue('{"streams": [', 'application/json');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
    assertMatchesContract('POST', '/v1/tokens', res);
  });

  it('a non-JSON content type gets 415', async () => {
    const res = await issue('streams=test', 'application/x-www-form-urlencoded');
    assert.equal(res.status, 415);
    assertMatchesContract('POST', '/v1/tokens', res);
  });

  it('a body over BODY_LIMIT_BYTES gets 413', async () => {
    const res = await issue({ streams: ['t'], metadata: { pad: 'x'.repeat(4000) } });
    assert.equal(res.status, 413);
    assertMatchesContract('POST', '/v1/tokens', res);
  });

  it('metadata over 4096 bytes gets 400 naming metadata', async () => {
    const big = buildTestApp({ store: 'memory' });
    const res = await request(big.app)
      .post('/v1/tokens')
      .set('Authorization', bearer(ADMIN_KEY))
      .send({ streams: ['t'], metadata: { pad: 'x'.repeat(5000) } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].field, 'metadata');
    await big.close();
  });
});
