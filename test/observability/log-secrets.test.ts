import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { timedRequest } from '../helpers/hook-client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { newerPlayHlsBody, pretty, wcsSignature } from '../helpers/wcs-bodies.js';

/**
 * No configured secret, no token and no token hash reaches the log at any level: the real process at LOG_LEVEL=trace
 * with every secret configured, and the failures that log errors provoked (a wrong Redis password, a Lua error on a
 * corrupted record, a JWKS provider that fails). Errors used to be logged with every property, e.g. ioredis's
 * `command.args` (the AUTH password, a script's key names).
 */
const ADMIN_KEY = 'LogTestAdminKey-5a1f9c0e7b3d';
const SECRETS = {
  admin: ADMIN_KEY,
  wcs: 'LogTestWcsSecret-88c2d4e6',
  metrics: 'LogTestMetricsBearer-31f7a9c2',
  jwtVerify: 'LogTestJwtHmacSecret-0d9e8f7a6b5c4d3e2f1a',
  jwtSign: 'LogTestJwtSigningSecret-1a2b3c4d5e6f7a8b9c0d',
  redisRight: 'LogTestRedisRightPass-71be2c',
  redisWrong: 'LogTestRedisWrongPass-04fd9a',
  jwks: 'LogTestJwksPass-6c5d4e3f',
};

describe('no secret in any log line (LOG_LEVEL=trace)', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let jwks: Server;
  let jwksPort: number;
  const services: ServiceProcess[] = [];

  before(async () => {
    redis = await startTestRedis();
    await redis.client.call('ACL', 'SETUSER', 'wta', 'on', `>${SECRETS.redisRight}`, '~*', '&*', '+@all');
    jwks = createServer((_req, res) => res.writeHead(500).end(`{"error":"down ${SECRETS.jwks}"}`)).listen(0, '127.0.0.1');
    await new Promise((resolve) => jwks.once('listening', resolve));
    jwksPort = (jwks.address() as AddressInfo).port;
  });
  after(async () => {
    for (const service of services) await service.stop();
    jwks?.close();
    await redis?.stop();
  });

  const start = async (redisPassword: string) => {
    const service = await startServiceProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      TOKEN_STORE: 'redis',
      REDIS_URL: `redis://wta:${redisPassword}@127.0.0.1:${redis.port}`,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      STORE_TIMEOUT_MS: '1000',
      STORE_HEALTH_CHECK_INTERVAL_MS: '100',
      ADMIN_API_KEYS: `admin=${SECRETS.admin}`,
      WCS_SIGNING_SECRET: SECRETS.wcs,
      METRICS_BEARER_TOKEN: SECRETS.metrics,
      JWT_KEYS: 'hs:HS256=env:LOGTEST_JWT_VERIFY',
      LOGTEST_JWT_VERIFY: SECRETS.jwtVerify,
      JWT_SIGNING_KEYS: 'sign:HS256=env:LOGTEST_JWT_SIGN',
      LOGTEST_JWT_SIGN: SECRETS.jwtSign,
      JWT_JWKS_URL: `http://jwksuser:${SECRETS.jwks}@127.0.0.1:${jwksPort}/jwks?api_key=${SECRETS.jwks}`,
      JWT_JWKS_MIN_REFETCH_INTERVAL_SECONDS: '1',
    });
    services.push(service);
    return service;
  };
  const admin = (service: ServiceProcess, path: string, method = 'GET', body?: unknown, key = SECRETS.admin) =>
    timedRequest(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const hook = (service: ServiceProcess, token: string, secret = SECRETS.wcs) => {
    const body = pretty(newerPlayHlsBody({ name: 'test' }, { token }));
    return timedRequest(`${service.url}/wcs/playHLS`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: wcsSignature(secret, body) },
      body,
    });
  };
  const assertClean = (output: string, extra: string[]) => {
    for (const secret of [...Object.values(SECRETS), ...extra]) assert.ok(!output.includes(secret), `the log holds ${secret.slice(0, 12)}…`);
    assert.ok(!output.includes('"command"'), 'no ioredis command in the log');
  };

  test('a wrong Redis password: subscribe, decisions, admin calls and health checks fail without the password in the log', async () => {
    const service = await start(SECRETS.redisWrong);
    await hook(service, `wta_${'A'.repeat(43)}`);
    await admin(service, '/v1/tokens', 'POST', { streams: ['test'] });
    await admin(service, '/v1/tokens/tok_AAAAAAAAAAAAAAAA');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const output = service.output.join('\n');
    assert.match(output, /WRONGPASS|NOAUTH|store/i, 'the failure itself is logged');
    assertClean(output, []);
  });

  test('a Lua error on a corrupted record, JWKS failures, wrong keys and signatures: nothing secret in the log', async () => {
    const service = await start(SECRETS.redisRight);
    const issued = await admin(service, '/v1/tokens', 'POST', { streams: ['test'] });
    assert.equal(issued.status, 201, issued.text);
    const { token, record } = JSON.parse(issued.text) as { token: string; record: { id: string } };
    const hash = createHash('sha256').update(token).digest('hex');
    assert.equal((await hook(service, token)).status, 200);
    const signedJwt = JSON.parse((await admin(service, '/v1/tokens', 'POST', { type: 'jwt', streams: ['test'], ttlSeconds: 60 })).text) as { token: string };
    assert.equal((await hook(service, signedJwt.token)).status, 200);

    // The record's key holds a string now: every script touching it fails with a ReplyError naming its keys.
    await redis.client.del(`${redis.keyPrefix}t:{${hash}}`);
    await redis.client.set(`${redis.keyPrefix}t:{${hash}}`, 'corrupted');
    await hook(service, token);
    await admin(service, `/v1/tokens/${record.id}`);
    await admin(service, `/v1/tokens/${record.id}`, 'PATCH', { disabled: true });
    await admin(service, `/v1/tokens/${record.id}`, 'DELETE');

    const now = Math.floor(Date.now() / 1000);
    const unknownKid = jwt.sign({ iat: now, exp: now + 60, streams: ['test'] }, SECRETS.jwtVerify, { algorithm: 'HS256', keyid: 'rotated' });
    await hook(service, unknownKid);
    await hook(service, token, 'not-the-secret');
    await admin(service, '/v1/tokens', 'GET', undefined, `${SECRETS.admin}x`);
    await timedRequest(`${service.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.metrics}x` } });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const output = service.output.join('\n');
    assert.match(output, /jwks_fetch_failed/);
    assert.match(output, /WRONGTYPE|ReplyError/, 'the Lua failure itself is logged');
    assertClean(output, [token, hash, signedJwt.token, unknownKid]);
  });
});
