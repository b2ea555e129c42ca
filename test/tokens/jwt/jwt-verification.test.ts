import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { ADMIN_KEY, buildTestApp, withTestApp, type TestApp } from '../../helpers/test-app.js';
import { newerPlayHlsBody, olderPlayHlsBody, pretty } from '../../helpers/wcs-bodies.js';
import { generateTestKeys, keyDir, mintJwt, playHls, seconds, type MintAlg, type SigningMaterial, type TestKeys } from './jwt-fixtures.js';

const keys: TestKeys = generateTestKeys();
const files = keyDir();
let env: Record<string, string>;
let t: TestApp;
let now: number;

before(() => {
  env = {
    EXPOSE_DENY_REASON: 'true',
    TEST_HS256_SECRET: keys.hs256.toString(),
    JWT_KEYS: [
      `rsa:RS256+RS384+RS512+PS256=file:${files.write('rsa.pem', keys.rsa.publicPem)}`,
      `rsa-rs256-only:RS256=file:${files.write('rsa-again.pem', keys.rsa.publicPem)}`,
      // No algorithm given: the key's type decides (P-256 → ES256).
      `ec256=file:${files.write('ec256.pem', keys.ec256.publicPem)}`,
      `ec384:ES384=file:${files.write('ec384.pem', keys.ec384.publicPem)}`,
      // A private key file is accepted for verification: only its public half is kept.
      `ed:EdDSA=file:${files.write('ed.pem', keys.ed25519.privatePem)}`,
      'hs256:HS256=env:TEST_HS256_SECRET',
      `hs384:HS384=file:${files.write('hs384.key', keys.hs384)}`,
      `hs512:HS512=file:${files.write('hs512.key', keys.hs512)}`,
    ].join(','),
  };
  t = buildTestApp({ store: 'memory', env });
  now = seconds(t.clock.now());
});
after(async () => {
  await t.close();
  files.cleanup();
});

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'viewer-1',
  iat: now,
  exp: now + 3600,
  jti: randomUUID(),
  streams: ['test'],
  ...extra,
});

function expectDecision(response: request.Response, expected: 200 | string, message: string) {
  if (expected === 200) {
    assert.equal(response.status, 200, `${message}: expected 200, got ${response.status} (${String(response.headers['x-deny-reason'])})`);
  } else {
    assert.equal(response.status, 403, `${message}: expected 403`);
    assert.equal(response.headers['x-deny-reason'], expected, message);
  }
}

describe('JWT verification through the playHLS hook', () => {
  const perAlgorithm: Array<[MintAlg, string, () => SigningMaterial]> = [
    ['HS256', 'hs256', () => keys.hs256],
    ['HS384', 'hs384', () => keys.hs384],
    ['HS512', 'hs512', () => keys.hs512],
    ['RS256', 'rsa', () => keys.rsa.privateKey],
    ['RS384', 'rsa', () => keys.rsa.privateKey],
    ['RS512', 'rsa', () => keys.rsa.privateKey],
    ['PS256', 'rsa', () => keys.rsa.privateKey],
    ['ES256', 'ec256', () => keys.ec256.privateKey],
    ['ES384', 'ec384', () => keys.ec384.privateKey],
    ['EdDSA', 'ed', () => keys.ed25519.privateKey],
  ];
  for (const [alg, kid, key] of perAlgorithm) {
    test(`a ${alg} token minted with node:crypto (no JWT library) for the stream is allowed`, async () => {
      const token = mintJwt(alg, claims(), key(), { kid });
      const response = await playHls(t.app, token);
      expectDecision(response, 200, alg);
      assert.equal(response.text, pretty(newerPlayHlsBody({}, { token })), 'the body is echoed byte for byte');
    });
  }

  test('tokens minted by jsonwebtoken with a string key are allowed', async () => {
    const rs = jwt.sign(claims(), keys.rsa.privatePem, { algorithm: 'RS256', keyid: 'rsa' });
    const es = jwt.sign(claims(), keys.ec256.privatePem, { algorithm: 'ES256', keyid: 'ec256' });
    const hs = jwt.sign(claims(), keys.hs256.toString(), { algorithm: 'HS256', keyid: 'hs256' });
    for (const token of [rs, es, hs]) expectDecision(await playHls(t.app, token), 200, 'jsonwebtoken');
  });

  test('an RS256 token signed by the openssl command line is allowed, and refused once tampered', async (ctx) => {
    const key = files.write('openssl-signer.pem', keys.rsa.privatePem);
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rsa' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    const signed = spawnSync('openssl', ['dgst', '-sha256', '-sign', key], { input });
    if (signed.error || signed.status !== 0) return ctx.skip('openssl is not installed');
    const token = `${input}.${signed.stdout.toString('base64url')}`;
    expectDecision(await playHls(t.app, token), 200, 'openssl');
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify(claims({ streams: ['*'] }))).toString('base64url')}.${s}`;
    expectDecision(await playHls(t.app, forged), 'invalid_signature', 'openssl, payload replaced');
  });

  const otherEd = generateKeyPairSync('ed25519').privateKey;
  const refusals: Array<[string, () => string, string]> = [
    ['RS256 signed with another RSA key', () => mintJwt('RS256', claims(), keys.rsaOther.privateKey, { kid: 'rsa' }), 'invalid_signature'],
    ['ES256 signed with another P-256 key', () => mintJwt('ES256', claims(), keys.ec256Other.privateKey, { kid: 'ec256' }), 'invalid_signature'],
    ['EdDSA signed with another Ed25519 key', () => mintJwt('EdDSA', claims(), otherEd, { kid: 'ed' }), 'invalid_signature'],
    ['HS256 signed with another secret', () => mintJwt('HS256', claims(), Buffer.alloc(32, 7), { kid: 'hs256' }), 'invalid_signature'],
    [
      'a payload changed after signing (streams widened to *)',
      () => {
        const [h, , s] = mintJwt('ES256', claims(), keys.ec256.privateKey, { kid: 'ec256' }).split('.');
        return `${h}.${Buffer.from(JSON.stringify(claims({ streams: ['*'] }))).toString('base64url')}.${s}`;
      },
      'invalid_signature',
    ],
    [
      'an EdDSA payload changed after signing',
      () => {
        const [h, , s] = mintJwt('EdDSA', claims(), keys.ed25519.privateKey, { kid: 'ed' }).split('.');
        return `${h}.${Buffer.from(JSON.stringify(claims({ streams: ['*'] }))).toString('base64url')}.${s}`;
      },
      'invalid_signature',
    ],
    ['alg none naming a configured key', () => mintJwt('none', claims(), null, { kid: 'rsa' }), 'algorithm_not_allowed'],
    ['alg none without a kid', () => mintJwt('none', claims(), null), 'algorithm_not_allowed'],
    ['alg "None" with a signature from a real key', () => mintJwt('HS256', claims(), keys.hs256, { kid: 'hs256', alg: 'None' }), 'algorithm_not_allowed'],
    [
      'HS256 "signed" with the RSA public key as the HMAC secret (algorithm confusion)',
      () => mintJwt('HS256', claims(), Buffer.from(keys.rsa.publicPem), { kid: 'rsa' }),
      'algorithm_not_allowed',
    ],
    [
      'HS256 signed with the EC public key as the secret, without a kid',
      () => mintJwt('HS256', claims(), Buffer.from(keys.ec256.publicPem)),
      'invalid_signature',
    ],
    ['ES256 sent with the kid of an RSA key', () => mintJwt('ES256', claims(), keys.ec256.privateKey, { kid: 'rsa' }), 'algorithm_not_allowed'],
    ['PS256 to a key configured for RS256 only', () => mintJwt('PS256', claims(), keys.rsa.privateKey, { kid: 'rsa-rs256-only' }), 'algorithm_not_allowed'],
    ['ES384 signed with a P-384 key but sent to the P-256 kid', () => mintJwt('ES384', claims(), keys.ec384.privateKey, { kid: 'ec256' }), 'algorithm_not_allowed'],
    ['an algorithm this service does not know (ES512)', () => mintJwt('ES256', claims(), keys.ec256.privateKey, { kid: 'ec256', alg: 'ES512' }), 'algorithm_not_allowed'],
    ['an unknown kid (no JWKS configured)', () => mintJwt('ES256', claims(), keys.ec256.privateKey, { kid: 'nobody' }), 'unknown_key'],
    ['no kid while two keys allow RS256', () => mintJwt('RS256', claims(), keys.rsa.privateKey), 'unknown_key'],
    ['expired an hour ago', () => mintJwt('ES256', claims({ iat: now - 7200, exp: now - 3600 }), keys.ec256.privateKey, { kid: 'ec256' }), 'expired'],
    ['expired 31 s ago (beyond the 30 s skew)', () => mintJwt('ES256', claims({ exp: now - 31 }), keys.ec256.privateKey, { kid: 'ec256' }), 'expired'],
    ['EdDSA expired 31 s ago', () => mintJwt('EdDSA', claims({ exp: now - 31 }), keys.ed25519.privateKey, { kid: 'ed' }), 'expired'],
    ['not valid before an hour from now', () => mintJwt('ES256', claims({ nbf: now + 3600 }), keys.ec256.privateKey, { kid: 'ec256' }), 'not_yet_valid'],
    ['EdDSA not valid before an hour from now', () => mintJwt('EdDSA', claims({ nbf: now + 3600 }), keys.ed25519.privateKey, { kid: 'ed' }), 'not_yet_valid'],
    ['issued in the future (iat beyond the skew)', () => mintJwt('ES256', claims({ iat: now + 600 }), keys.ec256.privateKey, { kid: 'ec256' }), 'not_yet_valid'],
    ['no exp (exp is required by default)', () => mintJwt('ES256', claims({ exp: undefined }), keys.ec256.privateKey, { kid: 'ec256' }), 'invalid_claims'],
    ['exp written as a string', () => mintJwt('ES256', claims({ exp: String(now + 3600) }), keys.ec256.privateKey, { kid: 'ec256' }), 'invalid_claims'],
    ['EdDSA with exp written as a string', () => mintJwt('EdDSA', claims({ exp: String(now + 3600) }), keys.ed25519.privateKey, { kid: 'ed' }), 'invalid_claims'],
    ['a header with crit (an extension nobody here understands)', () => mintJwt('ES256', claims(), keys.ec256.privateKey, { kid: 'ec256', crit: ['exp'] }), 'malformed_token'],
    ['a header that is not JSON', () => `bm90IGpzb24.${Buffer.from('{}').toString('base64url')}.c2ln`, 'malformed_token'],
    ['a signed payload that is not JSON', () => mintJwt('EdDSA', 'not json', keys.ed25519.privateKey, { kid: 'ed' }), 'malformed_token'],
    ['a token longer than 8 KiB', () => mintJwt('ES256', claims({ pad: 'x'.repeat(9000) }), keys.ec256.privateKey, { kid: 'ec256' }), 'malformed_token'],
    ['a stream the token does not list', () => mintJwt('ES256', claims({ streams: ['other'] }), keys.ec256.privateKey, { kid: 'ec256' }), 'stream_not_allowed'],
    ['no streams claim at all', () => mintJwt('ES256', claims({ streams: undefined }), keys.ec256.privateKey, { kid: 'ec256' }), 'stream_not_allowed'],
    ['an appKeys claim without the request appKey', () => mintJwt('ES256', claims({ appKeys: ['otherApp'] }), keys.ec256.privateKey, { kid: 'ec256' }), 'app_not_allowed'],
    ['actions without play', () => mintJwt('ES256', claims({ actions: ['publish'] }), keys.ec256.privateKey, { kid: 'ec256' }), 'action_not_allowed'],
    ['allowedIps not containing the viewer', () => mintJwt('ES256', claims({ allowedIps: ['10.0.0.0/8', '2001:db8::/32'] }), keys.ec256.privateKey, { kid: 'ec256' }), 'ip_not_allowed'],
    ['allowedIps that are not addresses', () => mintJwt('ES256', claims({ allowedIps: ['somewhere'] }), keys.ec256.privateKey, { kid: 'ec256' }), 'invalid_claims'],
    ['a headers claim with CR/LF in a value', () => mintJwt('ES256', claims({ headers: { 'X-A': 'a\r\nSet-Cookie: x' } }), keys.ec256.privateKey, { kid: 'ec256' }), 'invalid_claims'],
    ['a headers claim naming a reserved header', () => mintJwt('ES256', claims({ headers: { 'Content-Type': 'text/html' } }), keys.ec256.privateKey, { kid: 'ec256' }), 'invalid_claims'],
    ['once without a jti', () => mintJwt('ES256', claims({ once: true, jti: undefined }), keys.ec256.privateKey, { kid: 'ec256' }), 'invalid_claims'],
  ];
  for (const [name, token, reason] of refusals) {
    test(`${name}: answers 403 with reason ${reason}`, async () => {
      expectDecision(await playHls(t.app, token()), reason, name);
    });
  }

  const allowed: Array<[string, () => string]> = [
    ['expired 10 s ago, within the 30 s clock skew', () => mintJwt('ES256', claims({ exp: now - 10 }), keys.ec256.privateKey, { kid: 'ec256' })],
    ['EdDSA expired 10 s ago, within the skew', () => mintJwt('EdDSA', claims({ exp: now - 10 }), keys.ed25519.privateKey, { kid: 'ed' })],
    ['valid from 10 s from now, within the skew', () => mintJwt('ES256', claims({ nbf: now + 10 }), keys.ec256.privateKey, { kid: 'ec256' })],
    ['no kid while exactly one key allows HS256', () => mintJwt('HS256', claims(), keys.hs256)],
    ['streams as a single string with a glob', () => mintJwt('ES256', claims({ streams: 't*' }), keys.ec256.privateKey, { kid: 'ec256' })],
    ['appKeys listing the request appKey', () => mintJwt('ES256', claims({ appKeys: ['defaultApp'] }), keys.ec256.privateKey, { kid: 'ec256' })],
    ['allowedIps containing the viewer', () => mintJwt('ES256', claims({ allowedIps: ['192.168.1.0/24'] }), keys.ec256.privateKey, { kid: 'ec256' })],
    ['unknown extra claims', () => mintJwt('ES256', claims({ scope: 'openid', 'https://example.com/roles': ['x'] }), keys.ec256.privateKey, { kid: 'ec256' })],
  ];
  for (const [name, token] of allowed) {
    test(`${name}: answers 200`, async () => {
      expectDecision(await playHls(t.app, token()), 200, name);
    });
  }

  test('the 200 answer carries the headers claim and the viewer id (vid) in X-Viewer-Id', async () => {
    const token = mintJwt('ES256', claims({ headers: { 'X-Rate-Class': 'gold' }, vid: 'user-42' }), keys.ec256.privateKey, { kid: 'ec256' });
    const response = await playHls(t.app, token);
    expectDecision(response, 200, 'headers');
    assert.equal(response.headers['x-rate-class'], 'gold');
    assert.equal(response.headers['x-viewer-id'], 'user-42');
  });

  test('allowedIps matches an IPv6 viewer, and refuses the older body shape that carries no client IP', async () => {
    const token = mintJwt('ES256', claims({ allowedIps: ['2001:db8::/32'] }), keys.ec256.privateKey, { kid: 'ec256' });
    expectDecision(await playHls(t.app, token, { sessionId: '/2001:db8:0:0:0:0:0:7:59473/192.168.1.5:8445' }), 200, 'ipv6');
    const older = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(pretty(olderPlayHlsBody({ token })));
    expectDecision(older, 'ip_not_allowed', 'older shape');
  });

  test('the decision log names the JWT by its jti and never contains the token', async () => {
    const jti = `jti-${randomUUID()}`;
    const token = mintJwt('ES256', claims({ jti }), keys.ec256.privateKey, { kid: 'ec256' });
    await playHls(t.app, token);
    const line = t.logs.decisions().find((d) => d.tokenId === jti);
    assert.ok(line, 'a decision line with the jti as tokenId');
    assert.equal(line.tokenKind, 'jwt');
    assert.equal(line.allow, true);
    assert.ok(!t.logs.text().includes(token.split('.')[2] ?? token), 'no signature in the logs');
    const metrics = await request(t.app).get('/metrics');
    assert.match(metrics.text, /wcs_auth_decisions_total\{method="playHLS",result="deny",reason="algorithm_not_allowed",token_kind="jwt"\} [1-9]/);
  });

  test('the signature is checked before the time claims, with every algorithm; an authentic refusal names its jti', async () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const [key, kid] = alg === 'ES256' ? [keys.ec256.privateKey, 'ec256'] : [keys.ed25519.privateKey, 'ed'];
      const jti = `jti-${randomUUID()}`;
      const authentic = mintJwt(alg, claims({ jti, exp: String(now + 3600) }), key, { kid });
      expectDecision(await playHls(t.app, authentic), 'invalid_claims', `${alg} authentic`);
      assert.ok(t.logs.decisions().some((d) => d.tokenId === jti && d.reason === 'invalid_claims'), `${alg}: the jti is logged`);
      const [header, payload, signature = ''] = mintJwt(alg, claims({ exp: now - 3600 }), key, { kid }).split('.');
      const forged = `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
      expectDecision(await playHls(t.app, forged), 'invalid_signature', `${alg} forged and expired`);
    }
  });

  test('a JWT is never looked up as an opaque token, and an opaque token still works next to JWTs', async () => {
    const issued = await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['test'] });
    assert.equal(issued.status, 201);
    expectDecision(await playHls(t.app, issued.body.token), 200, 'opaque');
    const before = await request(t.app).get('/metrics');
    expectDecision(await playHls(t.app, mintJwt('ES256', claims(), keys.ec256.privateKey, { kid: 'nobody' })), 'unknown_key', 'jwt');
    const afterwards = await request(t.app).get('/metrics');
    const lookups = (text: string) => Number(/wcs_auth_store_operation_duration_seconds_count\{store="memory",operation="find_by_hash"\} (\d+)/.exec(text)?.[1] ?? 0);
    assert.equal(lookups(afterwards.text), lookups(before.text));
  });
});

describe('JWT settings that change the decision', () => {
  const ecToken = (extra: Record<string, unknown> = {}) => mintJwt('ES256', claims(extra), keys.ec256.privateKey, { kid: 'ec256' });

  test('with JWT_ISSUERS and JWT_AUDIENCES, iss and aud must match', () =>
    withTestApp({ store: 'memory', env: { ...env, JWT_ISSUERS: 'https://idp.example', JWT_AUDIENCES: 'wcs,hls' } }, async (app) => {
      const cases: Array<[Record<string, unknown>, 200 | string]> = [
        [{ iss: 'https://idp.example', aud: 'wcs' }, 200],
        [{ iss: 'https://idp.example', aud: ['other', 'hls'] }, 200],
        [{ iss: 'https://evil.example', aud: 'wcs' }, 'wrong_issuer'],
        [{ aud: 'wcs' }, 'wrong_issuer'],
        [{ iss: 'https://idp.example', aud: 'other' }, 'wrong_audience'],
        [{ iss: 'https://idp.example' }, 'wrong_audience'],
      ];
      for (const [extra, expected] of cases) expectDecision(await playHls(app.app, ecToken(extra)), expected, JSON.stringify(extra));
    }));

  test('with JWT_REQUIRE_EXP=false a token without exp is allowed; JWT_CLOCK_SKEW_SECONDS=0 refuses a second late', () =>
    withTestApp({ store: 'memory', env: { ...env, JWT_REQUIRE_EXP: 'false', JWT_CLOCK_SKEW_SECONDS: '0' } }, async (app) => {
      expectDecision(await playHls(app.app, ecToken({ exp: undefined })), 200, 'no exp');
      expectDecision(await playHls(app.app, ecToken({ exp: now })), 'expired', 'exp = now');
      expectDecision(await playHls(app.app, ecToken({ exp: now + 1 })), 200, 'exp = now + 1');
    }));

  test('time comes from the injected clock: the same token is allowed, then expired when the clock passes exp + skew', () =>
    withTestApp({ store: 'memory', env }, async (app) => {
      const token = ecToken({ exp: now + 60 });
      expectDecision(await playHls(app.app, token), 200, 'before');
      app.clock.advance(89_000);
      expectDecision(await playHls(app.app, token), 200, 'within skew');
      app.clock.advance(1000);
      expectDecision(await playHls(app.app, token), 'expired', 'after');
    }));

  test('JWT_ENABLED=false refuses JWTs as unknown tokens; OPAQUE_TOKENS_ENABLED=false refuses opaque ones', async () => {
    const noJwt = buildTestApp({ store: 'memory', env: { ...env, JWT_ENABLED: 'false' } });
    const noOpaque = buildTestApp({ store: 'memory', env: { ...env, OPAQUE_TOKENS_ENABLED: 'false' } });
    try {
      expectDecision(await playHls(noJwt.app, ecToken()), 'unknown_token', 'jwt off');
      expectDecision(await playHls(noOpaque.app, ecToken()), 200, 'jwt on');
      const issued = await request(noOpaque.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['test'] });
      expectDecision(await playHls(noOpaque.app, issued.body.token), 'unknown_token', 'opaque off');
    } finally {
      await noJwt.close();
      await noOpaque.close();
    }
  });

  test('JWT_VIEWER_ID_HEADER renames the viewer id header, and off drops it', async () => {
    const renamed = buildTestApp({ store: 'memory', env: { ...env, JWT_VIEWER_ID_HEADER: 'X-User' } });
    const off = buildTestApp({ store: 'memory', env: { ...env, JWT_VIEWER_ID_HEADER: 'off' } });
    try {
      const token = ecToken({ vid: 'user-7' });
      const a = await playHls(renamed.app, token);
      assert.equal(a.headers['x-user'], 'user-7');
      assert.equal(a.headers['x-viewer-id'], undefined);
      const b = await playHls(off.app, token);
      assert.equal(b.status, 200);
      assert.equal(b.headers['x-viewer-id'], undefined);
    } finally {
      await renamed.close();
      await off.close();
    }
  });
});
