import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import request from 'supertest';
import type { JwtKey } from '../../../src/tokens/jwt/jwt-key.js';
import { VerifiedJwtCache } from '../../../src/tokens/jwt/verified-jwt-cache.js';
import { counterValue } from '../../helpers/metric-value.js';
import { ADMIN_KEY, oneAppPerBlock, withTestApp, type TestApp } from '../../helpers/test-app.js';
import { generateTestKeys, keyDir, mintJwt, playHls, seconds } from './jwt-fixtures.js';

const keys = generateTestKeys();
const files = keyDir();
const SKEW_SECONDS = 30;
const env = { EXPOSE_DENY_REASON: 'true', JWT_KEYS: `ec:ES256=file:${files.write('ec.pem', keys.ec256.publicPem)}` };
after(() => files.cleanup());

const lookups = (t: TestApp, result: 'hit' | 'miss') => counterValue(t.metrics, 'wcs_auth_jwt_verified_cache_total', { result });

function ecToken(t: TestApp, extra: Record<string, unknown> = {}) {
  const now = seconds(t.clock.now());
  const payload = { iat: now, exp: now + 600, jti: randomUUID(), streams: ['test'], ...extra };
  return { token: mintJwt('ES256', payload, keys.ec256.privateKey, { kid: 'ec' }), payload };
}

describe('JWT_VERIFIED_CACHE_SIZE: a token verified once is not signature-checked again', () => {
  let t: TestApp;
  oneAppPerBlock('memory', env, (app) => (t = app));

  test('the same token again (a playlist reload) is a hit, with the same answer', async () => {
    const { token } = ecToken(t);
    const [hits, misses] = [await lookups(t, 'hit'), await lookups(t, 'miss')];
    for (let i = 0; i < 3; i++) assert.equal((await playHls(t.app, token)).status, 200);
    assert.equal(await lookups(t, 'miss'), misses + 1);
    assert.equal(await lookups(t, 'hit'), hits + 2);
  });

  test('a cached token is refused once it expires, with its id in the decision line', async () => {
    const { token, payload } = ecToken(t);
    assert.equal((await playHls(t.app, token)).status, 200);
    t.clock.advance((600 + SKEW_SECONDS) * 1000);
    try {
      const refused = await playHls(t.app, token);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers['x-deny-reason'], 'expired');
      assert.equal(t.logs.decisions().at(-1)?.tokenId, payload.jti);
    } finally {
      t.clock.advance(-(600 + SKEW_SECONDS) * 1000);
    }
  });

  test('a cached token whose jti is revoked is refused: the jti state is read on every request', async () => {
    const { token, payload } = ecToken(t);
    assert.equal((await playHls(t.app, token)).status, 200);
    const revoked = await request(t.app).post('/v1/revocations').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ jti: payload.jti, exp: payload.exp });
    assert.equal(revoked.status, 200);
    assert.equal((await playHls(t.app, token)).headers['x-deny-reason'], 'revoked');
  });

  test('the grant is still checked on a hit: another stream is refused', async () => {
    const { token } = ecToken(t);
    assert.equal((await playHls(t.app, token)).status, 200);
    assert.equal((await playHls(t.app, token, { name: 'other' })).headers['x-deny-reason'], 'stream_not_allowed');
  });

  test('allowedIps are still checked on a hit, for every client address', async () => {
    const { token } = ecToken(t, { allowedIps: ['10.0.0.0/8'] });
    const from = (ip: string) => playHls(t.app, token, { sessionId: `/${ip}:5555/192.168.1.5:8445` });
    assert.equal((await from('10.1.2.3')).status, 200);
    assert.equal((await from('10.9.9.9')).status, 200);
    assert.equal((await from('192.0.2.7')).headers['x-deny-reason'], 'ip_not_allowed');
    assert.equal((await from('10.1.2.3')).status, 200);
  });

  test('a cached token with its signature altered, or signed by another key, is refused', async () => {
    const { token, payload } = ecToken(t);
    assert.equal((await playHls(t.app, token)).status, 200);
    const [h, p, s = ''] = token.split('.');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    assert.equal((await playHls(t.app, flipped)).headers['x-deny-reason'], 'invalid_signature');
    const byOther = mintJwt('ES256', payload, keys.ec256Other.privateKey, { kid: 'ec' });
    assert.equal((await playHls(t.app, byOther)).headers['x-deny-reason'], 'invalid_signature');
  });

  test('refusals are not cached: a token used before its nbf is checked again once valid', async () => {
    const now = seconds(t.clock.now());
    const { token } = ecToken(t, { nbf: now + 120, iat: now });
    assert.equal((await playHls(t.app, token)).headers['x-deny-reason'], 'not_yet_valid');
    const misses = await lookups(t, 'miss');
    t.clock.advance(120_000);
    try {
      assert.equal((await playHls(t.app, token)).status, 200);
      assert.equal(await lookups(t, 'miss'), misses + 1, 'the refusal left nothing behind');
    } finally {
      t.clock.advance(-120_000);
    }
  });
});

test('JWT_VERIFIED_CACHE_SIZE=0 checks every signature and counts no lookups', () =>
  withTestApp({ store: 'memory', env: { ...env, JWT_VERIFIED_CACHE_SIZE: '0' } }, async (t) => {
    const { token } = ecToken(t);
    for (let i = 0; i < 2; i++) assert.equal((await playHls(t.app, token)).status, 200);
    assert.equal((await lookups(t, 'hit')) + (await lookups(t, 'miss')), 0);
  }));

test('the cache keeps at most its size, dropping the oldest entry, and keys entries by hash, never by token', () => {
  const cache = new VerifiedJwtCache(2);
  const key = { kid: 'k', algorithms: ['ES256'], key: {} } as unknown as JwtKey;
  const entry = (tokenId: string) => ({ key, kid: 'k', alg: 'ES256' as const, claims: {}, tokenId });
  for (const token of ['t1', 't2', 't3']) {
    const { fingerprint } = cache.lookup(token);
    assert.match(fingerprint, /^[0-9a-f]{64}$/);
    cache.remember(fingerprint, entry(token));
  }
  assert.equal(cache.size, 2);
  assert.equal(cache.lookup('t1').entry, undefined);
  assert.equal(cache.lookup('t3').entry?.tokenId, 't3');
  assert.equal(new VerifiedJwtCache(0).enabled, false);
});
