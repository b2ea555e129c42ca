import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { issueToken } from '../helpers/hook-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { kickSession, listSessions, watch } from '../helpers/session-client.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/** JWTs in the live session registry: vid, mvs, kick and jti revocation. */
describe('JWTs take part: vid and mvs (Redis, two instances)', { timeout: 60_000 }, () => {
  let pair: [ServiceInstance, ServiceInstance];
  const secret = Buffer.alloc(32, 9).toString('base64url');
  const env = { STORE_TIMEOUT_MS: '5000', JWT_SIGNING_KEYS: 'k:HS256=env:SESSIONS_TEST_JWT', SESSIONS_TEST_JWT: secret, VIEWER_MAX_SESSIONS: '5' };
  serviceOnRedis(
    env,
    ([a, b]) => {
      pair = [a!, b!];
      b!.clock.set(a!.clock.now());
    },
    { count: 2 },
  );

  async function issueJwt(body: Record<string, unknown>): Promise<{ token: string; jti: string }> {
    const res = await request(pair[0].url).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ type: 'jwt', ...body });
    assertMatchesContract('POST', '/v1/tokens', res);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.claims.mvs, body.maxViewerSessions);
    return { token: res.body.token as string, jti: res.body.jti as string };
  }

  test('a viewer with JWTs and an opaque token is held to the JWT mvs across both kinds; a JWT session can be kicked', async () => {
    const [a, b] = pair;
    const first = await issueJwt({ streams: ['j1'], viewerId: 'jwt-viewer', maxViewerSessions: 2 });
    const second = await issueJwt({ streams: ['j2'], viewerId: 'jwt-viewer', maxViewerSessions: 2 });
    const opaque = await issueToken(a.url, { streams: ['o'], viewerId: 'jwt-viewer', maxViewerSessions: 2 });
    assert.deepEqual(await watch(a, first.token, 'j-1', 'j1'), [200, 'valid']);
    assert.deepEqual(await watch(b, opaque.token, 'o-1', 'o'), [200, 'valid']);
    assert.deepEqual(await watch(b, second.token, 'j-2', 'j2'), [403, 'viewer_session_limit']);
    assert.deepEqual(await watch(a, first.token, 'j-1', 'j1'), [200, 'valid'], 'a live session continues');

    const [session] = (await listSessions(b, { tokenId: first.jti })).items;
    assert.deepEqual([session?.viewerId, session?.stream], ['jwt-viewer', 'j1']);
    assert.equal(await kickSession(a, session!.id), 204);
    assert.deepEqual(await watch(b, first.token, 'j-1', 'j1'), [403, 'session_ended']);
    assert.deepEqual(await watch(a, second.token, 'j-2', 'j2'), [200, 'valid'], 'the kick freed a place');
  });

  test('revoking a JWT (POST /v1/revocations) ends its live sessions', async () => {
    const [a, b] = pair;
    const jwt = await issueJwt({ streams: ['r'], viewerId: 'revoked-viewer' });
    await watch(a, jwt.token, 'rv-1', 'r');
    assert.equal((await listSessions(b, { tokenId: jwt.jti })).items.length, 1);
    const exp = Math.floor(a.clock.now() / 1000) + 3600;
    const res = await request(b.url).post('/v1/revocations').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ jti: jwt.jti, exp });
    assert.ok(res.status < 300, res.text);
    assert.equal((await listSessions(a, { tokenId: jwt.jti })).items.length, 0);
  });
});
