import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { loadConfig, ConfigError } from '../../src/config.js';
import { issueToken, playHls, timedRequest } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { spawnService, startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { ADMIN_KEY } from '../helpers/test-app.js';
import { fromHash } from '../../src/tokens/redis-record-codec.js';

/**
 * Response headers from a token, a PATCH, a JWT's `headers` claim and HOOK_ALLOW_HEADERS: one rule for all four
 * (an `X-` name that is not reserved, a printable ASCII value), refused where given, and an answer that can never
 * throw while it is written (a header that made node throw used to end the process, and with WORKERS=2 each such
 * request ended a worker).
 */
const JWT_SECRET = 'token-headers-test-secret-0123456789abcdef';
const REFUSED_NAMES = [
  'Trailer',
  'Content-Encoding',
  'Transfer-Encoding',
  'Content-Length',
  'Content-Type',
  'Content-Disposition',
  'Connection',
  'Keep-Alive',
  'Upgrade',
  'TE',
  'Proxy-Connection',
  'Proxy-Authenticate',
  'Date',
  'Location',
  'Set-Cookie',
  'Cache-Control',
  'Expires',
  'Vary',
  'Access-Control-Allow-Origin',
  'Strict-Transport-Security',
  'Content-Security-Policy',
  'WWW-Authenticate',
  'Refresh',
  'Link',
  'X-Content-Type-Options',
  'x-request-id',
  'X-Frame-Options',
  'X-Accel-Redirect',
  'X-Accel-Buffering',
  'X-Forwarded-For',
  'X-Auth-Token-Id',
  'X-Deny-Reason',
  'X-',
  `X-${'a'.repeat(63)}`,
];

describe('response headers a token may set', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let service: ServiceProcess;

  before(async () => {
    redis = await startTestRedis();
    service = await startServiceProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      WORKERS: '2',
      TOKEN_STORE: 'redis',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      ADMIN_API_KEYS: `admin=${ADMIN_KEY}`,
      EXPOSE_DENY_REASON: 'true',
      JWT_KEYS: 'hs:HS256=env:TOKEN_HEADERS_JWT_SECRET',
      TOKEN_HEADERS_JWT_SECRET: JWT_SECRET,
      HOOK_ALLOW_HEADERS: '{"X-Auth-Service":"wcs-token-auth"}',
      STORE_TIMEOUT_MS: '5000',
    });
  });
  after(async () => {
    await service?.stop();
    await redis?.stop();
  });

  const admin = (path: string, method: string, body: unknown) =>
    timedRequest(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify(body),
    });
  const workerDeaths = () => service.output.filter((line) => line.includes('worker exited unexpectedly'));

  test('issue and PATCH refuse every name outside the allow-list with 400, naming the field', async () => {
    const { id } = await issueToken(service.url, { streams: ['test'] });
    for (const name of REFUSED_NAMES) {
      const issued = await admin('/v1/tokens', 'POST', { streams: ['test'], headers: { [name]: 'x' } });
      assert.equal(issued.status, 400, `issue with ${name}: ${issued.text}`);
      assert.match(issued.text, /"code":"validation_failed"/);
      assert.ok(issued.text.includes(`"field":"headers.${name}"`), `${name}: ${issued.text}`);
      const patched = await admin(`/v1/tokens/${id}`, 'PATCH', { headers: { [name]: 'x' } });
      assert.equal(patched.status, 400, `PATCH with ${name}: ${patched.text}`);
    }
    for (const value of ['a\r\nb', 'ä', '\u0000', 'x'.repeat(1025)]) {
      assert.equal((await admin('/v1/tokens', 'POST', { streams: ['test'], headers: { 'X-A': value } })).status, 400);
    }
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
    assert.equal((await admin('/v1/tokens', 'POST', { streams: ['test'], headers: tooMany })).status, 400);
  });

  test('an X- header is passed on, next to HOOK_ALLOW_HEADERS', async () => {
    const { token } = await issueToken(service.url, { streams: ['test'], headers: { 'X-Rate-Class': 'gold', 'x-lower': 'v' } });
    const answer = await playHls(service.url, token);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-rate-class'), 'gold');
    assert.equal(answer.headers.get('x-lower'), 'v');
    assert.equal(answer.headers.get('x-auth-service'), 'wcs-token-auth');
  });

  test('a JWT whose headers claim names a refused header is refused (invalid_claims), whatever the header', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const name of REFUSED_NAMES) {
      const token = jwt.sign({ iat: now, exp: now + 600, streams: ['test'], headers: { [name]: 'x' } }, JWT_SECRET, { algorithm: 'HS256', keyid: 'hs' });
      const answer = await playHls(service.url, token);
      assert.equal(answer.status, 403, name);
      assert.equal(answer.headers.get('x-deny-reason'), 'invalid_claims', name);
    }
    const good = jwt.sign({ iat: now, exp: now + 600, streams: ['test'], headers: { 'X-Tier': 'a' } }, JWT_SECRET, { algorithm: 'HS256', keyid: 'hs' });
    const allowed = await playHls(service.url, good);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('x-tier'), 'a');
  });

  test('a stored record holding a header refused today (written by an older version) is answered without it, and no worker dies', async () => {
    const { token } = await issueToken(service.url, { streams: ['test'], headers: { 'X-Kept': 'yes' } });
    const key = `${redis.keyPrefix}t:{${createHash('sha256').update(token).digest('hex')}}`;
    // Written as the older versions did: the whole record in `data`, which is read before the compact fields.
    const record = fromHash(await redis.client.hgetall(key))!;
    record.headers = { ...record.headers, Trailer: 'x', 'Content-Length': 'abc', 'Transfer-Encoding': 'chunked', 'X-Bad': 'a\r\nb' };
    await redis.client.hset(key, 'data', JSON.stringify(record));
    for (let i = 0; i < 6; i++) {
      const answer = await playHls(service.url, token);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get('x-kept'), 'yes');
      assert.equal(answer.headers.get('trailer'), null);
      assert.equal(answer.headers.get('x-bad'), null);
    }
    assert.equal((await timedRequest(`${service.url}/healthz`)).status, 200);
    assert.deepEqual(workerDeaths(), []);
  });

  test('HOOK_ALLOW_HEADERS and JWT_VIEWER_ID_HEADER with a refused name stop the start, naming the variable', async () => {
    for (const name of REFUSED_NAMES) {
      assert.throws(
        () => loadConfig({ HOOK_ALLOW_HEADERS: JSON.stringify({ [name]: 'x' }) }),
        (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith(`HOOK_ALLOW_HEADERS.${name}:`)),
        name,
      );
      assert.throws(
        () => loadConfig({ JWT_VIEWER_ID_HEADER: name }),
        (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('JWT_VIEWER_ID_HEADER:')),
        name,
      );
    }
    const refused = spawnService({ PORT: '0', HOOK_ALLOW_HEADERS: '{"Trailer":"x"}' });
    assert.equal(await refused.exit, 1);
    assert.match(refused.stderr(), /HOOK_ALLOW_HEADERS\.Trailer: header names must start with X-/);
  });
});
