import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { JwtKeyError } from '../../../src/tokens/jwt/key-ring.js';
import { spawnService } from '../../helpers/service-process.js';
import { buildTestApp, withTestApp } from '../../helpers/test-app.js';
import { eventually } from './jwks-server.js';
import { generateTestKeys, keyDir, mintJwt, playHls, seconds } from './jwt-fixtures.js';

const keys = generateTestKeys();
const files = keyDir();
after(() => files.cleanup());

function configProblem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail(`expected a configuration error for ${JSON.stringify(env)}`);
}

function keyProblem(env: Record<string, string>): string {
  try {
    const t = buildTestApp({ store: 'memory', env });
    void t.close();
  } catch (error) {
    assert.ok(error instanceof JwtKeyError, String(error));
    return error.message;
  }
  assert.fail(`expected a key error for ${JSON.stringify(env)}`);
}

describe('JWT configuration errors stop the service naming the variable', () => {
  test('malformed settings are refused by the config schema', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ JWT_KEYS: 'just-a-path.pem' }, /JWT_KEYS: entry 1 must look like/],
      [{ JWT_KEYS: 'k:XS256=file:/k.pem' }, /JWT_KEYS: entry 1 \(kid "k"\): unknown algorithm "XS256"/],
      [{ JWT_KEYS: 'k:none=file:/k.pem' }, /JWT_KEYS: .*unknown algorithm "none"/],
      [{ JWT_KEYS: 'k=env:NOT_THERE' }, /JWT_KEYS: .*environment variable NOT_THERE is not set/],
      [{ JWT_KEYS: 'k=file:/a.pem,k=file:/b.pem' }, /JWT_KEYS: entry 2 \(kid "k"\): kid "k" is listed twice/],
      [{ JWT_SIGNING_KEYS: 'oops' }, /JWT_SIGNING_KEYS: entry 1 must look like/],
      [{ JWT_JWKS_URL: 'ftp://idp.example/jwks' }, /JWT_JWKS_URL: must be an http/],
      [{ JWT_JWKS_ALGORITHMS: 'RS256,HS256' }, /JWT_JWKS_ALGORITHMS: "HS256" is not one of/],
      [{ JWT_JWKS_URL: 'http://127.0.0.1:1/jwks', JWT_UNKNOWN_KID_WAIT_MS: '200' }, /JWT_UNKNOWN_KID_WAIT_MS: must be less than STORE_TIMEOUT_MS/],
      [{ JWT_SIGNING_KEYS: 's=file:/s.pem', JWT_ISSUERS: 'https://idp.example' }, /JWT_SIGNING_ISSUER: must be one of JWT_ISSUERS/],
      [{ JWT_SIGNING_KEYS: 's=file:/s.pem', JWT_AUDIENCES: 'wcs' }, /JWT_SIGNING_AUDIENCE: must be one of JWT_AUDIENCES/],
      [{ JWT_VIEWER_ID_HEADER: 'Content-Type' }, /JWT_VIEWER_ID_HEADER: header names must start with X-/],
      [{ JWT_CLOCK_SKEW_SECONDS: '-5' }, /JWT_CLOCK_SKEW_SECONDS: must be a whole number/],
      [{ JWT_CLOCK_SKEW_SECONDS: '601' }, /JWT_CLOCK_SKEW_SECONDS: must be at most 600/],
      [{ JWT_REQUIRE_EXP: 'maybe' }, /JWT_REQUIRE_EXP: must be true or false/],
      [{ JWT_ENABLED: 'sometimes' }, /JWT_ENABLED: must be true or false/],
    ];
    for (const [env, expected] of cases) assert.match(configProblem(env), expected);
  });

  test('keys that cannot be loaded are refused at start, and the message never contains key material', () => {
    const rsaPub = files.write('rsa.pub.pem', keys.rsa.publicPem);
    const ecPub = files.write('ec.pub.pem', keys.ec256.publicPem);
    const shortSecret = randomBytes(16).toString('hex').slice(0, 20);
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ JWT_KEYS: `k=file:${files.dir}/missing.pem` }, /^JWT_KEYS: entry 1 \(kid "k"\): cannot read .*missing\.pem \(ENOENT\)$/],
      [{ JWT_KEYS: `k:RS256=file:${files.write('garbage.pem', '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n')}` }, /JWT_KEYS: entry 1 \(kid "k"\): is not a valid PEM/],
      [{ JWT_KEYS: `k:HS256=file:${rsaPub}` }, /JWT_KEYS: .*HMAC algorithms need a shared secret, not a PEM key/],
      [{ JWT_KEYS: `k:ES256=file:${rsaPub}` }, /JWT_KEYS: .*algorithm ES256 does not fit this key \(it fits RS256, RS384, RS512, PS256\)/],
      [{ JWT_KEYS: `k:ES384=file:${ecPub}` }, /JWT_KEYS: .*algorithm ES384 does not fit this key \(it fits ES256\)/],
      [{ JWT_KEYS: `k:RS256+HS256=file:${rsaPub}` }, /JWT_KEYS: .*cannot allow both HMAC/],
      [{ JWT_KEYS: 'k:HS256=env:SHORT', SHORT: shortSecret }, /JWT_KEYS: .*at least 32 bytes \(it has 20\)/],
      [{ JWT_KEYS: `k:RS256=file:${files.write('weak.pem', weakRsa)}` }, /JWT_KEYS: .*at least 2048 bits/],
      [{ JWT_KEYS: 'k:RS256=env:NOT_PEM', NOT_PEM: 'definitely-not-a-key-but-long-enough' }, /JWT_KEYS: .*RS256 needs a PEM key/],
      [{ JWT_SIGNING_KEYS: `s=file:${ecPub}` }, /JWT_SIGNING_KEYS: entry 1 \(kid "s"\): is not a valid PEM private key/],
      [
        { JWT_SIGNING_KEYS: `same=file:${files.write('sig.pem', keys.ec256.privatePem)}`, JWT_KEYS: `same=file:${ecPub}` },
        /JWT_KEYS: entry 1 \(kid "same"\): kid "same" is also used by another key/,
      ],
    ];
    for (const [env, expected] of cases) {
      const message = keyProblem(env);
      assert.match(message, expected);
      assert.ok(!message.includes('BEGIN') && !message.includes(shortSecret), 'no key material in the message');
    }
  });

  test('a one-line PEM in an environment variable (literal \\n) is accepted', () =>
    withTestApp({ store: 'memory', env: { JWT_KEYS: 'k:ES256=env:ONE_LINE', ONE_LINE: keys.ec256.publicPem.replace(/\n/g, '\\n') } }, async (t) => {
      const now = seconds(t.clock.now());
      assert.equal((await playHls(t.app, mintJwt('ES256', { exp: now + 60, streams: ['test'] }, keys.ec256.privateKey, { kid: 'k' }))).status, 200);
    }));
});

describe('key rotation without a restart', () => {
  test('a changed key file is picked up by the file watch, and a broken one keeps the previous keys', async () => {
    const path = files.write('watched.pem', keys.ec256.publicPem);
    const t = buildTestApp({ store: 'memory', env: { EXPOSE_DENY_REASON: 'true', JWT_KEYS: `k:ES256=file:${path}`, JWT_KEYS_RELOAD_INTERVAL_SECONDS: '1' } });
    try {
      await t.jwt.start();
      const now = seconds(t.clock.now());
      const byOld = mintJwt('ES256', { exp: now + 600, streams: ['test'] }, keys.ec256.privateKey, { kid: 'k' });
      const byNew = mintJwt('ES256', { exp: now + 600, streams: ['test'] }, keys.ec256Other.privateKey, { kid: 'k' });
      assert.equal((await playHls(t.app, byOld)).status, 200);
      assert.equal((await playHls(t.app, byNew)).headers['x-deny-reason'], 'invalid_signature');
      // Replaced the way secret managers do it: a new file renamed over the old one.
      renameSync(files.write('watched.next', keys.ec256Other.publicPem), path);
      await eventually(() => t.logs.lines.some((line) => line.event === 'jwt_keys_reloaded'));
      assert.equal((await playHls(t.app, byNew)).status, 200);
      assert.equal((await playHls(t.app, byOld)).headers['x-deny-reason'], 'invalid_signature');

      renameSync(files.write('watched.broken', 'not a key'), path);
      await eventually(() => t.logs.lines.some((line) => line.event === 'jwt_keys_reload_failed'));
      const failure = t.logs.lines.find((line) => line.event === 'jwt_keys_reload_failed');
      assert.match(String(failure?.problem), /^JWT_KEYS: entry 1 \(kid "k"\)/);
      assert.equal((await playHls(t.app, byNew)).status, 200, 'the previous keys stay in use');
    } finally {
      await t.close();
    }
  });
});

describe('the service process', () => {
  const startService = (env: Record<string, string>) =>
    spawnService({ HOST: '127.0.0.1', PORT: '0', ADMIN_API_KEYS: 'ops=service-test-admin-key-0123456789', ...env });

  test('an invalid PEM file stops the service with exit code 1 and a message naming JWT_KEYS', async () => {
    const path = files.write('broken.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    const service = startService({ JWT_KEYS: `idp:ES256=file:${path}` });
    assert.equal(await service.exit, 1);
    assert.match(service.stderr(), /JWT_KEYS: entry 1 \(kid "idp"\): is not a valid PEM/);
    assert.match(service.stderr(), /did not start/);
    assert.ok(!service.stderr().includes('AAAA'));
  });

  test('SIGHUP reloads the key files: a rotated key is accepted without a restart', async () => {
    const path = files.write('hup.pem', keys.ec256.publicPem);
    const service = startService({ JWT_KEYS: `k:ES256=file:${path}`, JWT_KEYS_RELOAD_INTERVAL_SECONDS: '0', EXPOSE_DENY_REASON: 'true' });
    const { url } = await service.listening();
    const now = seconds(Date.now());
    const byNew = mintJwt('ES256', { exp: now + 600, streams: ['test'] }, keys.ec256Other.privateKey, { kid: 'k' });
    const play = async () => {
      const response = await fetch(`${url}/wcs/playHLS`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'test', custom: { token: byNew } }),
      });
      await response.arrayBuffer();
      return response;
    };
    assert.equal((await play()).headers.get('x-deny-reason'), 'invalid_signature');
    renameSync(files.write('hup.next', keys.ec256Other.publicPem), path);
    service.child.kill('SIGHUP');
    await eventually(() => service.stdout().includes('jwt_keys_reloaded'));
    assert.equal((await play()).status, 200);
    service.child.kill('SIGTERM');
    assert.equal(await service.exit, 0);
  });
});
