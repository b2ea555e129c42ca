import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import request from 'supertest';
import { buildTestApp, type TestApp } from '../../helpers/test-app.js';
import { generateTestKeys, mintJwt, playHls, seconds, type KeyPair } from './jwt-fixtures.js';
import { eventually, JwksServer } from './jwks-server.js';

const keys = generateTestKeys();
const jwk = (pair: KeyPair, extra: Record<string, unknown>) => ({ ...pair.publicKey.export({ format: 'jwk' }), use: 'sig', ...extra });
const ecJwk = jwk(keys.ec256, { kid: 'ec-1', alg: 'ES256' });
const rsaJwk = jwk(keys.rsa, { kid: 'rsa-2', alg: 'RS256' });
const edJwk = jwk(keys.ed25519, { kid: 'ed-3' });

let server: JwksServer;
const apps: TestApp[] = [];

async function appWith(env: Record<string, string> = {}): Promise<TestApp> {
  const t = buildTestApp({
    store: 'memory',
    env: {
      EXPOSE_DENY_REASON: 'true',
      JWT_JWKS_URL: server.url,
      // Generous: this machine is shared and slow at times. The decision budget is not what these tests measure.
      STORE_TIMEOUT_MS: '10000',
      JWT_UNKNOWN_KID_WAIT_MS: '5000',
      JWT_JWKS_FETCH_TIMEOUT_MS: '5000',
      ...env,
    },
  });
  apps.push(t);
  await t.jwt.start();
  return t;
}

function token(t: TestApp, kid: string, extra: Record<string, unknown> = {}) {
  const now = seconds(t.clock.now());
  const payload = { iat: now, exp: now + 600, jti: randomUUID(), streams: ['test'], ...extra };
  if (kid.startsWith('rsa')) return mintJwt('RS256', payload, keys.rsa.privateKey, { kid });
  if (kid.startsWith('ed')) return mintJwt('EdDSA', payload, keys.ed25519.privateKey, { kid });
  return mintJwt('ES256', payload, keys.ec256.privateKey, { kid });
}

const MIN_INTERVAL_MS = 30_000;

describe('JWKS: keys from an identity provider', () => {
  before(async () => {
    server = new JwksServer();
    await server.start();
  });
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
    server.status = 200;
    server.delayMs = 0;
    if (server.port && !(await fetch(server.url).then(() => true, () => false))) await server.start(server.port);
  });
  after(() => server.stop());

  test('the key set is fetched at start and its keys verify tokens (ES256 with alg, EdDSA without)', async () => {
    server.setKeys([ecJwk, edJwk]);
    const hitsBefore = server.hits;
    const t = await appWith();
    assert.equal(server.hits, hitsBefore + 1);
    assert.equal((await playHls(t.app, token(t, 'ec-1'))).status, 200);
    assert.equal((await playHls(t.app, token(t, 'ed-3'))).status, 200);
    const metrics = await request(t.app).get('/metrics');
    assert.match(metrics.text, /wcs_auth_jwks_fetches_total\{trigger="start",result="ok"\} 1/);
  });

  test('a rotated-in kid is fetched on first sight, but at most once per minimum interval', async () => {
    server.setKeys([ecJwk]);
    const t = await appWith();
    server.setKeys([ecJwk, rsaJwk]);
    const hitsBefore = server.hits;
    // Right after the start fetch the rate limit holds: no fetch, the new kid is still unknown.
    const early = await playHls(t.app, token(t, 'rsa-2'));
    assert.equal(early.headers['x-deny-reason'], 'unknown_key');
    assert.equal(server.hits, hitsBefore);
    t.clock.advance(MIN_INTERVAL_MS);
    const later = await playHls(t.app, token(t, 'rsa-2'));
    assert.equal(later.status, 200, String(later.headers['x-deny-reason']));
    assert.equal(server.hits, hitsBefore + 1);
    // The old key keeps working, and a known kid never causes a fetch.
    assert.equal((await playHls(t.app, token(t, 'ec-1'))).status, 200);
    assert.equal(server.hits, hitsBefore + 1);
  });

  test('thirty requests with random kids cause one fetch, not thirty', async () => {
    server.setKeys([ecJwk]);
    const t = await appWith();
    t.clock.advance(MIN_INTERVAL_MS);
    const hitsBefore = server.hits;
    const answers = await Promise.all(Array.from({ length: 30 }, () => playHls(t.app, token(t, `garbage-${randomUUID()}`))));
    assert.ok(answers.every((a) => a.status === 403 && a.headers['x-deny-reason'] === 'unknown_key'));
    assert.equal(server.hits, hitsBefore + 1);
    const more = await Promise.all(Array.from({ length: 10 }, () => playHls(t.app, token(t, `garbage-${randomUUID()}`))));
    assert.ok(more.every((a) => a.status === 403));
    assert.equal(server.hits, hitsBefore + 1, 'still within the interval');
  });

  test('while the provider is down (refused, 500, garbage, no keys array) the last good copy keeps verifying', async () => {
    server.setKeys([ecJwk]);
    const t = await appWith();
    const failures: Array<() => Promise<void> | void> = [
      () => server.stop(),
      () => void (server.status = 500),
      () => void (server.body = '<html>maintenance</html>'),
      () => void (server.body = '{"error":"down"}'),
    ];
    for (const fail of failures) {
      await fail();
      t.clock.advance(MIN_INTERVAL_MS);
      // An unknown kid forces a fetch, which fails.
      assert.equal((await playHls(t.app, token(t, 'rsa-2'))).headers['x-deny-reason'], 'unknown_key');
      const response = await playHls(t.app, token(t, 'ec-1'));
      assert.equal(response.status, 200, 'the last good copy still verifies');
      if (!server.port || !(await fetch(server.url).then(() => true, () => false))) await server.start(server.port);
      server.status = 200;
      server.setKeys([ecJwk]);
    }
    const failed = t.logs.lines.filter((line) => line.event === 'jwks_fetch_failed');
    assert.equal(failed.length, 4);
    assert.ok(failed.every((line) => line.servingLastGoodCopy === true));
    const metrics = await request(t.app).get('/metrics');
    assert.match(metrics.text, /wcs_auth_jwks_fetches_total\{trigger="unknown_kid",result="error"\} 4/);
  });

  test('a provider that is down at start is fetched later, when a token names a kid', async () => {
    await server.stop();
    const t = await appWith();
    assert.equal((await playHls(t.app, token(t, 'ec-1'))).headers['x-deny-reason'], 'unknown_key');
    await server.start(server.port);
    server.setKeys([ecJwk]);
    t.clock.advance(MIN_INTERVAL_MS);
    assert.equal((await playHls(t.app, token(t, 'ec-1'))).status, 200);
  });

  test('the key set is refreshed in the background (JWT_JWKS_REFRESH_INTERVAL_SECONDS)', async () => {
    server.setKeys([ecJwk]);
    const t = await appWith({ JWT_JWKS_REFRESH_INTERVAL_SECONDS: '1' });
    const hitsBefore = server.hits;
    server.setKeys([ecJwk, rsaJwk]);
    await eventually(() => server.hits > hitsBefore);
    await eventually(() => t.jwt.jwks?.find('rsa-2') !== undefined);
    // No clock advance: the key came from the background refresh, not from an unknown-kid fetch.
    assert.equal((await playHls(t.app, token(t, 'rsa-2'))).status, 200);
  });

  test('a slow provider makes an unknown kid wait at most JWT_UNKNOWN_KID_WAIT_MS, and is never a store failure', async () => {
    server.setKeys([ecJwk]);
    const t = await appWith({ JWT_UNKNOWN_KID_WAIT_MS: '50', STORE_FAILURE_POLICY: 'allow' });
    server.setKeys([ecJwk, rsaJwk]);
    server.delayMs = 1500;
    t.clock.advance(MIN_INTERVAL_MS);
    const first = await playHls(t.app, token(t, 'rsa-2'));
    // Refused for the key, not let through by STORE_FAILURE_POLICY=allow as a "store failure".
    assert.equal(first.status, 403);
    assert.equal(first.headers['x-deny-reason'], 'unknown_key');
    // The fetch finishes in the background; the viewer's next attempt succeeds.
    await eventually(() => t.jwt.jwks?.find('rsa-2') !== undefined);
    assert.equal((await playHls(t.app, token(t, 'rsa-2'))).status, 200);
  });

  test('unusable JWKS entries are skipped, the rest are used, and a JWK alg limits its key', async () => {
    server.setKeys([
      { kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url'), kid: 'sym', alg: 'HS256' },
      { ...keys.ec256Other.privateKey.export({ format: 'jwk' }), kid: 'leaked' },
      jwk(keys.ec256Other, { kid: 'enc', use: 'enc' }),
      jwk(keys.ec384, { kid: 'mislabelled', alg: 'RS256' }),
      'not an object',
      rsaJwk,
    ]);
    const t = await appWith();
    assert.deepEqual(t.jwt.jwks?.keysFor('RS256').map((k) => k.kid), ['rsa-2']);
    const skipped = t.logs.lines.find((line) => line.event === 'jwks_keys_skipped');
    assert.equal((skipped?.skipped as string[]).length, 5);
    assert.ok(!JSON.stringify(skipped).includes(String(keys.ec256Other.privateKey.export({ format: 'jwk' }).d)), 'no key material in logs');
    const now = seconds(t.clock.now());
    const hs = mintJwt('HS256', { exp: now + 60, streams: ['test'] }, Buffer.alloc(32, 1), { kid: 'sym' });
    assert.equal((await playHls(t.app, hs)).headers['x-deny-reason'], 'unknown_key');
    const ps = mintJwt('PS256', { exp: now + 60, streams: ['test'] }, keys.rsa.privateKey, { kid: 'rsa-2' });
    assert.equal((await playHls(t.app, ps)).headers['x-deny-reason'], 'algorithm_not_allowed');
    assert.equal((await playHls(t.app, token(t, 'rsa-2'))).status, 200);
  });

  test('JWT_JWKS_ALGORITHMS restricts what JWKS keys may be used for', async () => {
    server.setKeys([jwk(keys.rsa, { kid: 'rsa-2' }), ecJwk]);
    const t = await appWith({ JWT_JWKS_ALGORITHMS: 'ES256' });
    assert.equal((await playHls(t.app, token(t, 'rsa-2'))).headers['x-deny-reason'], 'unknown_key');
    assert.equal((await playHls(t.app, token(t, 'ec-1'))).status, 200);
  });
});
