import assert from 'node:assert/strict';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { ADMIN_KEY, buildTestApp, READ_ONLY_KEY, withTestApp, type TestApp } from '../../helpers/test-app.js';
import { generateTestKeys, keyDir, playHls, seconds } from './jwt-fixtures.js';
import { assertMatchesContract } from '../../helpers/openapi.js';

const keys = generateTestKeys();
const files = keyDir();
let t: TestApp;

const issue = (app: TestApp, body: Record<string, unknown>, key = ADMIN_KEY) =>
  request(app.app).post('/v1/tokens').set('Authorization', `Bearer ${key}`).send(body);

function decode(token: string) {
  const [h = '', p = '', s = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>,
    input: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

before(() => {
  t = buildTestApp({
    store: 'memory',
    env: {
      EXPOSE_DENY_REASON: 'true',
      // The first key signs; the second is the previous key, still published and accepted during a rotation.
      JWT_SIGNING_KEYS: [
        `sig-new=file:${files.write('new.pem', keys.ec256.privatePem)}`,
        `sig-old:RS256=file:${files.write('old.pem', keys.rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }))}`,
      ].join(','),
      JWT_SIGNING_ISSUER: 'https://auth.example/wta',
      JWT_SIGNING_AUDIENCE: 'wcs',
      JWT_ISSUERS: 'https://auth.example/wta,https://idp.example',
      JWT_AUDIENCES: 'wcs',
    },
  });
});
after(async () => {
  await t.close();
  files.cleanup();
});

describe('POST /v1/tokens with type "jwt"', () => {
  test('signs an ES256 token with the policy as claims, verifiable with the published JWKS by plain node:crypto', async () => {
    const response = await issue(t, {
      type: 'jwt',
      streams: ['event-42-*'],
      appKeys: ['defaultApp'],
      actions: ['play'],
      ttlSeconds: 600,
      notBefore: '2029-12-31T23:59:00Z',
      headers: { 'X-Rate-Class': 'gold' },
      allowedIps: ['192.168.1.0/24'],
      viewerId: 'user-1234',
      subject: 'order-77',
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers['cache-control'], 'no-store');
    assertMatchesContract('post', '/v1/tokens', response);
    const now = seconds(t.clock.now());
    const { header, payload, input, signature } = decode(response.body.token);
    assert.deepEqual(header, { alg: 'ES256', typ: 'JWT', kid: 'sig-new' });
    assert.deepEqual(payload, {
      iss: 'https://auth.example/wta',
      sub: 'order-77',
      aud: 'wcs',
      iat: now,
      nbf: seconds(Date.parse('2029-12-31T23:59:00Z')),
      exp: now + 600,
      jti: response.body.jti,
      streams: ['event-42-*'],
      appKeys: ['defaultApp'],
      actions: ['play'],
      allowedIps: ['192.168.1.0/24'],
      headers: { 'X-Rate-Class': 'gold' },
      vid: 'user-1234',
    });
    assert.deepEqual(response.body.claims, payload);
    assert.equal(response.body.expiresAt, new Date((now + 600) * 1000).toISOString());
    assert.match(response.body.jti, /^[A-Za-z0-9_-]{22}$/);

    const jwks = await request(t.app).get('/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    assertMatchesContract('get', '/.well-known/jwks.json', jwks);
    const published = (jwks.body.keys as JsonWebKey[]).find((key) => key.kid === 'sig-new');
    assert.ok(published);
    const publicKey = createPublicKey({ key: published, format: 'jwk' });
    assert.equal(verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature), true);

    const allowed = await playHls(t.app, response.body.token, { name: 'event-42-main' });
    assert.equal(allowed.status, 200, String(allowed.headers['x-deny-reason']));
    assert.equal(allowed.headers['x-viewer-id'], 'user-1234');
    assert.equal(allowed.headers['x-rate-class'], 'gold');
    assert.equal((await playHls(t.app, response.body.token, { name: 'other' })).headers['x-deny-reason'], 'stream_not_allowed');
    const audit = t.logs.lines.find((line) => line.event === 'audit' && line.action === 'token.issue_jwt');
    assert.equal(audit?.tokenId, response.body.jti);
    assert.ok(!t.logs.text().includes(response.body.token), 'the token is never logged');
  });

  test('the JWKS lists the current and previous signing keys, public halves only', async () => {
    const jwks = await request(t.app).get('/.well-known/jwks.json');
    assert.deepEqual(
      (jwks.body.keys as Array<Record<string, unknown>>).map((k) => [k.kid, k.alg, k.kty, k.use]),
      [
        ['sig-new', 'ES256', 'EC', 'sig'],
        ['sig-old', 'RS256', 'RSA', 'sig'],
      ],
    );
    for (const key of jwks.body.keys as Array<Record<string, unknown>>) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[secret], undefined, `no ${secret} in a published key`);
    }
    assert.match(String(jwks.headers['cache-control']), /max-age=\d+/);
  });

  test('another service verifies the issued tokens through this one\'s JWKS URL', async () => {
    const server: Server = createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const other = buildTestApp({
      store: 'memory',
      env: { EXPOSE_DENY_REASON: 'true', JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, STORE_TIMEOUT_MS: '5000', JWT_UNKNOWN_KID_WAIT_MS: '4000' },
    });
    try {
      await other.jwt.start();
      const issued = await issue(t, { type: 'jwt', streams: ['test'] });
      const response = await playHls(other.app, issued.body.token);
      assert.equal(response.status, 200, String(response.headers['x-deny-reason']));
    } finally {
      await other.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a one-time JWT is owned by the first viewer session', async () => {
    const issued = await issue(t, { type: 'jwt', streams: ['test'], once: true });
    assert.equal(issued.body.claims.once, true);
    assert.equal((await playHls(t.app, issued.body.token, { mediaSessionId: 'first' })).status, 200);
    assert.equal((await playHls(t.app, issued.body.token, { mediaSessionId: 'first' })).status, 200);
    assert.equal((await playHls(t.app, issued.body.token, { mediaSessionId: 'second' })).headers['x-deny-reason'], 'already_used');
  });

  test('an issued JWT can be revoked with the jti and exp from the answer', async () => {
    const issued = await issue(t, { type: 'jwt', streams: ['test'] });
    assert.equal((await playHls(t.app, issued.body.token)).status, 200);
    const revoked = await request(t.app)
      .post('/v1/revocations')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({ jti: issued.body.jti, exp: issued.body.claims.exp });
    assertMatchesContract('post', '/v1/revocations', revoked);
    assert.equal((await playHls(t.app, issued.body.token)).headers['x-deny-reason'], 'revoked');
  });

  test('bad requests are 400 naming the field; nothing is signed', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'jwt' }, 'streams'],
      [{ type: 'jwt', streams: [] }, 'streams'],
      [{ type: 'jwt', streams: ['has space'] }, 'streams.0'],
      [{ type: 'jwt', streams: ['test'], ttlSeconds: 60, expiresAt: '2030-01-02T00:00:00Z' }, 'expiresAt'],
      [{ type: 'jwt', streams: ['test'], expiresAt: '2029-01-01T00:00:00Z' }, 'expiresAt'],
      [{ type: 'jwt', streams: ['test'], ttlSeconds: 31 * 86_400 }, 'ttlSeconds'],
      [{ type: 'jwt', streams: ['test'], notBefore: '2030-01-02T00:00:00Z', ttlSeconds: 60 }, 'notBefore'],
      [{ type: 'jwt', streams: ['test'], allowedIps: ['10.0.0.0/33'] }, 'allowedIps.0'],
      [{ type: 'jwt', streams: ['test'], viewerId: 'has space' }, 'viewerId'],
      [{ type: 'jwt', streams: ['test'], headers: { 'Set-Cookie': 'x' } }, 'headers.Set-Cookie'],
      [{ type: 'jwt', streams: ['test'], maxViewers: 3 }, 'body'],
    ];
    const issuedBefore = t.logs.lines.filter((l) => l.action === 'token.issue_jwt').length;
    for (const [body, field] of cases) {
      const response = await issue(t, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assertMatchesContract('post', '/v1/tokens', response);
      assert.ok(
        (response.body.error.details as Array<{ field: string }>).some((d) => d.field === field),
        `${JSON.stringify(body)} should name ${field}: ${JSON.stringify(response.body.error.details)}`,
      );
    }
    assert.equal(t.logs.lines.filter((l) => l.action === 'token.issue_jwt').length, issuedBefore, 'no token was issued');
  });

  test('issuing needs a tokens:write admin key', async () => {
    assert.equal((await request(t.app).post('/v1/tokens').send({ type: 'jwt', streams: ['test'] })).status, 401);
    const readOnly = await issue(t, { type: 'jwt', streams: ['test'] }, READ_ONLY_KEY);
    assert.equal(readOnly.status, 403);
    assertMatchesContract('post', '/v1/tokens', readOnly);
  });

  test('opaque issuing is unchanged next to JWT issuing', async () => {
    const response = await issue(t, { streams: ['test'] });
    assert.equal(response.status, 201);
    assertMatchesContract('post', '/v1/tokens', response);
    assert.match(response.body.token, /^wta_/);
  });
});

describe('signing keys of other kinds', () => {
  test('EdDSA (Ed25519) tokens verify with node:crypto and the hook', () =>
    withTestApp({ store: 'memory', env: { JWT_SIGNING_KEYS: `ed=file:${files.write('ed-sign.pem', keys.ed25519.privatePem)}` } }, async (app) => {
      const issued = await issue(app, { type: 'jwt', streams: ['test'] });
      assert.equal(issued.body.alg, 'EdDSA');
      const { header, input, signature } = decode(issued.body.token);
      assert.equal(header.alg, 'EdDSA');
      const jwks = await request(app.app).get('/.well-known/jwks.json');
      const key = createPublicKey({ key: (jwks.body.keys as JsonWebKey[])[0] as JsonWebKey, format: 'jwk' });
      assert.equal(verify(null, input, key, signature), true);
      assert.equal((await playHls(app.app, issued.body.token)).status, 200);
    }));

  test('an HMAC signing secret signs HS256 tokens and is never published', () =>
    withTestApp({ store: 'memory', env: { JWT_SIGNING_KEYS: 'hs:HS256=env:SIGNING_SECRET', SIGNING_SECRET: keys.hs256.toString() } }, async (app) => {
      const issued = await issue(app, { type: 'jwt', streams: ['test'] });
      assert.equal(issued.body.alg, 'HS256');
      assert.equal((await playHls(app.app, issued.body.token)).status, 200);
      const jwks = await request(app.app).get('/.well-known/jwks.json');
      assert.deepEqual(jwks.body, { keys: [] });
    }));

  test('without JWT_SIGNING_KEYS a JWT issue request is 400 naming type, and the JWKS is empty', () =>
    withTestApp({ store: 'memory' }, async (app) => {
      const response = await issue(app, { type: 'jwt', streams: ['test'] });
      assert.equal(response.status, 400);
      assertMatchesContract('post', '/v1/tokens', response);
      assert.equal(response.body.error.details[0].field, 'type');
      assert.match(response.body.error.message, /JWT_SIGNING_KEYS/);
      assert.deepEqual((await request(app.app).get('/.well-known/jwks.json')).body, { keys: [] });
    }));
});
