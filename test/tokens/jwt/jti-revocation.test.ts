import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { freePort } from '../../helpers/free-port.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, READ_ONLY_KEY, withTestApp, type TestApp } from '../../helpers/test-app.js';
import type { AccessRequest } from '../../../src/tokens/token-verifier.js';
import { generateTestKeys, keyDir, mintJwt, playHls, seconds } from './jwt-fixtures.js';
import { assertMatchesContract } from '../../helpers/openapi.js';

const keys = generateTestKeys();
const files = keyDir();
const SKEW_SECONDS = 30;
let redis: TestRedis;
let a: TestApp;
let b: TestApp;
let env: Record<string, string>;

before(async () => {
  redis = await startTestRedis();
  env = {
    EXPOSE_DENY_REASON: 'true',
    JWT_KEYS: `ec:ES256=file:${files.write('ec.pem', keys.ec256.publicPem)}`,
    // Generous, for a shared slow machine under parallel requests; the failure tests below set their own.
    STORE_TIMEOUT_MS: '5000',
  };
  // Two instances of the service sharing one Redis, as behind a load balancer.
  a = buildTestApp({ store: 'redis', redis, env });
  b = buildTestApp({ store: 'redis', redis, env });
});
after(async () => {
  await a.close();
  await b.close();
  await redis.stop();
  files.cleanup();
});

function ecToken(t: TestApp, extra: Record<string, unknown> = {}) {
  const now = seconds(t.clock.now());
  const payload = { iat: now, exp: now + 600, jti: randomUUID(), streams: ['test'], ...extra };
  return { token: mintJwt('ES256', payload, keys.ec256.privateKey, { kid: 'ec' }), payload };
}

const jtiKey = (jti: string) => `${redis.keyPrefix}j:{${createHash('sha256').update(jti).digest('hex')}}`;
const revoke = (t: TestApp, body: unknown, key = ADMIN_KEY) => request(t.app).post('/v1/revocations').set('Authorization', `Bearer ${key}`).send(body as object);

describe('POST /v1/revocations', () => {
  test('a jti revoked through instance A is refused by instance B on its very next request', async () => {
    const { token, payload } = ecToken(a);
    const other = ecToken(a);
    assert.equal((await playHls(b.app, token)).status, 200);
    const answer = await revoke(a, { jti: payload.jti, exp: payload.exp });
    assert.equal(answer.status, 200);
    assertMatchesContract('post', '/v1/revocations', answer);
    assert.deepEqual(answer.body, { jti: payload.jti, exp: payload.exp, revokedUntil: new Date((payload.exp + SKEW_SECONDS) * 1000).toISOString() });
    const refused = await playHls(b.app, token);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers['x-deny-reason'], 'revoked');
    assert.equal((await playHls(a.app, token)).headers['x-deny-reason'], 'revoked');
    assert.equal((await playHls(b.app, other.token)).status, 200, 'other tokens are not affected');
    const audit = a.logs.lines.find((line) => line.event === 'audit' && line.action === 'jwt.revoke');
    assert.equal(audit?.tokenId, payload.jti);
    assert.equal(audit?.adminKeyId, 'admin');
  });

  test('the denylist entry expires with the token (exp + skew), and a repeat with a smaller exp does not shorten it', async () => {
    const { payload } = ecToken(a);
    assert.equal((await revoke(a, { jti: payload.jti, exp: payload.exp })).status, 200);
    const expected = (payload.exp + SKEW_SECONDS) * 1000;
    assert.equal(Number(await redis.client.call('PEXPIRETIME', jtiKey(payload.jti))), expected);
    assert.equal((await revoke(b, { jti: payload.jti, exp: payload.exp - 300 })).status, 200);
    assert.equal(Number(await redis.client.call('PEXPIRETIME', jtiKey(payload.jti))), expected);
    assert.deepEqual(Object.keys(await redis.client.hgetall(jtiKey(payload.jti))).sort(), ['revokedAt', 'until']);
  });

  test('revoking a token that has already expired stores nothing', async () => {
    const jti = randomUUID();
    const answer = await revoke(a, { jti, exp: seconds(a.clock.now()) - 3600 });
    assert.equal(answer.status, 200);
    assert.equal(await redis.client.exists(jtiKey(jti)), 0);
  });

  test('the route needs a tokens:write admin key and a valid body', async () => {
    const body = { jti: randomUUID(), exp: seconds(a.clock.now()) + 60 };
    const anonymous = await request(a.app).post('/v1/revocations').send(body);
    assert.equal(anonymous.status, 401);
    assertMatchesContract('post', '/v1/revocations', anonymous);
    assert.equal((await revoke(a, body, 'wrong-key-0123456789abcdef')).status, 401);
    assert.equal((await revoke(a, body, READ_ONLY_KEY)).status, 403);
    assert.equal(await redis.client.exists(jtiKey(body.jti)), 0, 'refused requests store nothing');
    const cases: Array<[unknown, string]> = [
      [{ jti: body.jti }, 'exp'],
      [{ exp: body.exp }, 'jti'],
      [{ jti: '', exp: body.exp }, 'jti'],
      [{ jti: body.jti, exp: '2030-01-01' }, 'exp'],
      [{ jti: body.jti, exp: 1.5 }, 'exp'],
      [{ jti: body.jti, exp: body.exp, reason: 'x' }, 'body'],
    ];
    for (const [bad, field] of cases) {
      const answer = await revoke(a, bad);
      assert.equal(answer.status, 400, JSON.stringify(bad));
      assertMatchesContract('post', '/v1/revocations', answer);
      assert.equal(answer.body.error.code, 'validation_failed');
      assert.ok(answer.body.error.details.some((d: { field: string }) => d.field === field), `${JSON.stringify(bad)} names ${field}`);
    }
    const text = await request(a.app).post('/v1/revocations').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Content-Type', 'text/plain').send('x');
    assert.equal(text.status, 415);
    const broken = await request(a.app).post('/v1/revocations').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Content-Type', 'application/json').send('{"jti":');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'invalid_json');
  });

  test('with the memory store the denylist works within the instance', () =>
    withTestApp({ store: 'memory', env }, async (t) => {
      const { token, payload } = ecToken(t);
      assert.equal((await playHls(t.app, token)).status, 200);
      assert.equal((await revoke(t, { jti: payload.jti, exp: payload.exp })).status, 200);
      assert.equal((await playHls(t.app, token)).headers['x-deny-reason'], 'revoked');
      // The entry is forgotten once the token could no longer be accepted anyway.
      t.clock.advance((600 + SKEW_SECONDS) * 1000);
      assert.equal((await playHls(t.app, token)).headers['x-deny-reason'], 'expired');
    }));
});

describe('one-time JWTs (once: true)', () => {
  test('raced by 24 viewer sessions on two instances, exactly one session wins; it may come back, the others may not', async () => {
    const { token, payload } = ecToken(a, { once: true });
    const sessions = Array.from({ length: 24 }, (_, i) => `session-${i}-${randomUUID()}`);
    const answers = await Promise.all(sessions.map((mediaSessionId, i) => playHls(i % 2 ? a.app : b.app, token, { mediaSessionId })));
    const winners = sessions.filter((_, i) => answers[i]?.status === 200);
    assert.equal(winners.length, 1, `exactly one winner, got ${winners.length}`);
    assert.ok(answers.every((r) => r.status === 200 || r.headers['x-deny-reason'] === 'already_used'));
    const winner = winners[0] as string;
    assert.equal(await redis.client.hget(jtiKey(payload.jti), 'session'), winner);
    // WCS retries and playlist reloads of the winning session, on either instance, are allowed again.
    for (const t of [a, b, a]) assert.equal((await playHls(t.app, token, { mediaSessionId: winner })).status, 200);
    const loser = sessions.find((s) => s !== winner) as string;
    assert.equal((await playHls(b.app, token, { mediaSessionId: loser })).headers['x-deny-reason'], 'already_used');
    assert.equal(Number(await redis.client.call('PEXPIRETIME', jtiKey(payload.jti))), (payload.exp + SKEW_SECONDS) * 1000);
  });

  test('a refused request consumes nothing: a wrong-stream attempt does not burn the token', async () => {
    const { token, payload } = ecToken(a, { once: true });
    const wrongStream = await playHls(a.app, token, { name: 'other', mediaSessionId: 'early' });
    assert.equal(wrongStream.headers['x-deny-reason'], 'stream_not_allowed');
    assert.equal(await redis.client.exists(jtiKey(payload.jti)), 0);
    assert.equal((await playHls(b.app, token, { mediaSessionId: 'viewer' })).status, 200);
    assert.equal((await playHls(a.app, token, { mediaSessionId: 'early' })).headers['x-deny-reason'], 'already_used');
  });

  test('a check with consume: false (dry run, segment check) never claims the token', async () => {
    const { token, payload } = ecToken(a, { once: true });
    const verifier = a.jwt.verifier;
    assert.ok(verifier);
    const ask = (viewerSessionId: string, consume: boolean): AccessRequest => ({
      stream: 'test',
      appKey: 'defaultApp',
      action: 'play',
      clientIp: '192.168.1.100',
      viewerSessionId,
      consume,
    });
    assert.equal((await verifier.verify(token, ask('dry', false))).valid, true);
    assert.equal(await redis.client.exists(jtiKey(payload.jti)), 0);
    assert.equal((await verifier.verify(token, ask('owner', true))).valid, true);
    const dryOther = await verifier.verify(token, ask('dry', false));
    assert.equal(dryOther.valid ? 'valid' : dryOther.reason, 'already_used');
    assert.equal(await redis.client.hget(jtiKey(payload.jti), 'session'), 'owner');
  });

  test('a revoked one-time token is refused even for the session that owns it', async () => {
    const { token, payload } = ecToken(a, { once: true });
    assert.equal((await playHls(a.app, token, { mediaSessionId: 'owner' })).status, 200);
    await revoke(b, { jti: payload.jti, exp: payload.exp });
    assert.equal((await playHls(a.app, token, { mediaSessionId: 'owner' })).headers['x-deny-reason'], 'revoked');
  });

  test('with the memory store, parallel sessions on one instance also get exactly one winner', () =>
    withTestApp({ store: 'memory', env }, async (t) => {
      const { token } = ecToken(t, { once: true });
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => playHls(t.app, token, { mediaSessionId: `m-${i}` })));
      assert.equal(answers.filter((r) => r.status === 200).length, 1);
    }));
});

describe('when Redis fails during a JWT decision', () => {
  test('a dead Redis gets the failure policy for a valid JWT, but never lets a forged JWT through', async () => {
    const dead = { ...redis, url: `redis://127.0.0.1:${await freePort()}` };
    const deny = buildTestApp({ store: 'redis', redis: dead, env: { ...env, STORE_TIMEOUT_MS: '300' } });
    const allow = buildTestApp({ store: 'redis', redis: dead, env: { ...env, STORE_TIMEOUT_MS: '300', STORE_FAILURE_POLICY: 'allow' } });
    try {
      const { token } = ecToken(deny);
      const denied = await playHls(deny.app, token);
      assert.equal(denied.status, 403);
      assert.equal(denied.headers['x-deny-reason'], 'store_unavailable');
      assert.equal((await playHls(allow.app, token)).status, 200);
      assert.equal(allow.logs.decisions().at(-1)?.reason, 'store_unavailable');
      // Signature and claims are checked before the store: a forged or expired token is refused whatever the policy.
      const forged = mintJwt('ES256', { exp: seconds(allow.clock.now()) + 60, jti: 'x', streams: ['*'] }, keys.ec256Other.privateKey, { kid: 'ec' });
      assert.equal((await playHls(allow.app, forged)).headers['x-deny-reason'], 'invalid_signature');
      const revocation = await revoke(deny, { jti: randomUUID(), exp: seconds(deny.clock.now()) + 60 });
      assert.equal(revocation.status, 503);
      assertMatchesContract('post', '/v1/revocations', revocation);
      assert.equal(revocation.body.error.code, 'store_unavailable');
    } finally {
      await deny.close();
      await allow.close();
    }
  });

  test('a stalled Redis gets the failure policy within STORE_TIMEOUT_MS, and decisions recover when it resumes', async (ctx) => {
    if (!redis.owned) return ctx.skip('needs a Redis the tests started');
    const t = buildTestApp({ store: 'redis', redis, env: { ...env, STORE_TIMEOUT_MS: '300' } });
    try {
      const { token } = ecToken(t);
      assert.equal((await playHls(t.app, token)).status, 200);
      redis.stall();
      try {
        assert.equal((await playHls(t.app, token)).headers['x-deny-reason'], 'store_unavailable');
      } finally {
        redis.resume();
      }
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) status = (await playHls(t.app, token)).status;
      assert.equal(status, 200);
    } finally {
      await t.close();
    }
  });
});
