import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { headerNameProblem, tokenHeaderEntries } from '../../src/shared/http-headers.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { ADMIN_KEY, oneAppPerBlock, withTestApp, type TestApp } from '../helpers/test-app.js';

const SECRET = randomBytes(32).toString('base64url');

function nginxAuth(t: TestApp, uri: string, realIp = '203.0.113.7') {
  return request(t.app).get('/nginx/auth').set('X-Original-URI', uri).set('X-Real-IP', realIp);
}

describe('GET /nginx/auth with EDGE_SIGNING_SECRET: signatures for nginx to check segments by itself', () => {
  let t: TestApp;
  oneAppPerBlock('memory', { EDGE_SIGNING_SECRET: SECRET, EDGE_SIGNATURE_TTL_SECONDS: '20' }, (app) => (t = app));

  test('an allowed playlist carries X-Edge-Query, X-Edge-Signature and X-Edge-Expires over the signed fields', async () => {
    const issued = await issueViaApi(t.app, { streams: ['live'] });
    const response = await nginxAuth(t, `/live/live.m3u8?token=${issued.token}`).expect(204);
    assertMatchesContract('GET', '/nginx/auth', response);
    const expires = Math.floor(t.clock.now() / 1000) + 20;
    const signature = createHash('md5').update(`${expires}|203.0.113.7|${issued.record.id}|/live|${SECRET}`).digest('base64url');
    assert.equal(response.headers['x-edge-signature'], signature);
    assert.equal(response.headers['x-edge-expires'], String(expires));
    assert.equal(response.headers['x-edge-query'], `wta_exp=${expires}&wta_tid=${issued.record.id}&wta_ip=1&wta_sig=${signature}`);
  });

  test('the signed directory is the playlist’s as nginx sees it: raw, the root form’s file name, a quality directory', async () => {
    const issued = await issueViaApi(t.app, { streams: ['café', 'live'] });
    const raw = await nginxAuth(t, `/caf%C3%A9/caf%C3%A9.m3u8?token=${issued.token}`).expect(204);
    const expires = Math.floor(t.clock.now() / 1000) + 20;
    const sign = (stream: string) => createHash('md5').update(`${expires}|203.0.113.7|${issued.record.id}|${stream}|${SECRET}`).digest('base64url');
    assert.equal(raw.headers['x-edge-signature'], sign('/caf%C3%A9'));
    const root = await nginxAuth(t, `/live.m3u8?token=${issued.token}`).expect(204);
    assert.equal(root.headers['x-edge-signature'], sign('/live'));
    const quality = await nginxAuth(t, `/live/720/720.m3u8?token=${issued.token}`).expect(204);
    assert.equal(quality.headers['x-edge-signature'], sign('/live/720'));
  });

  test('segments, refusals and unknown URIs carry no signature', async () => {
    const issued = await issueViaApi(t.app, { streams: ['live'] });
    const segment = await nginxAuth(t, `/live/live3.m4s?token=${issued.token}`).expect(204);
    assert.equal(segment.headers['x-edge-query'], undefined);
    const other = await nginxAuth(t, `/other/other.m3u8?token=${issued.token}`).expect(403);
    assert.equal(other.headers['x-edge-query'], undefined);
    const hostile = await nginxAuth(t, `/live/live.m3u8?%74oken=${issued.token}`).expect(403);
    assert.equal(hostile.headers['x-edge-query'], undefined);
    assert.equal(t.logs.decisions().at(-1)?.reason, 'unrecognized_uri');
    await nginxAuth(t, `/live/live.m3u8?token=${issued.token}&TOKEN=${issued.token}`).expect(403);
    assert.equal(t.logs.decisions().at(-1)?.reason, 'malformed_token');
  });

  test('X-Edge-* belong to the service: a token cannot set them, so nginx never forwards a value the service did not sign', async () => {
    for (const name of ['X-Edge-Query', 'x-edge-signature', 'X-Edge-Expires']) {
      const refused = await request(t.app)
        .post('/v1/tokens')
        .set('Authorization', `Bearer ${ADMIN_KEY}`)
        .send({ streams: ['live'], headers: { [name]: 'wta_exp=9999999999&wta_tid=x&wta_ip=0&wta_sig=forged' } });
      assert.equal(refused.status, 400, name);
    }
    // A record stored before the rule is answered without the header (tokenHeaderEntries checks the same rule): when
    // no signature can be made (address unknown), a stored value must not stand in for one.
    assert.equal(headerNameProblem('X-Edge-Query'), 'this header name is reserved');
    const stored = { 'X-Edge-Query': 'wta_sig=forged', 'x-edge-signature': 'forged', 'X-Edge-Expires': '9999999999', 'X-Tier': 'gold' };
    assert.deepEqual(tokenHeaderEntries(stored), [['X-Tier', 'gold']]);
  });

  test('EDGE_SIGNATURE_BIND_ADDRESS=false leaves the address out (wta_ip=0)', () =>
    withTestApp({ store: 'memory', env: { EDGE_SIGNING_SECRET: SECRET, EDGE_SIGNATURE_BIND_ADDRESS: 'false' } }, async (unbound) => {
      const issued = await issueViaApi(unbound.app, { streams: ['live'] });
      const response = await nginxAuth(unbound, `/live/live.m3u8?token=${issued.token}`).expect(204);
      const expires = Math.floor(unbound.clock.now() / 1000) + 30;
      const signature = createHash('md5').update(`${expires}||${issued.record.id}|/live|${SECRET}`).digest('base64url');
      assert.equal(response.headers['x-edge-query'], `wta_exp=${expires}&wta_tid=${issued.record.id}&wta_ip=0&wta_sig=${signature}`);
    }));

  test('without EDGE_SIGNING_SECRET no signature is sent', () =>
    withTestApp({ store: 'memory' }, async (plain) => {
      const issued = await issueViaApi(plain.app, { streams: ['live'] });
      const response = await nginxAuth(plain, `/live/live.m3u8?token=${issued.token}`).expect(204);
      assert.equal(response.headers['x-edge-query'], undefined);
    }));

  test('a short secret, or one nginx could not hold in its config, stops the service naming the variable', () => {
    for (const secret of ['short', `${'a'.repeat(32)}"`, `${'a'.repeat(32)}$x`, `${'a'.repeat(32)} b`]) {
      assert.throws(() => loadConfig({ EDGE_SIGNING_SECRET: secret }), /EDGE_SIGNING_SECRET/);
    }
    assert.throws(() => loadConfig({ EDGE_SIGNATURE_TTL_SECONDS: '0' }), /EDGE_SIGNATURE_TTL_SECONDS/);
    assert.equal(loadConfig({ EDGE_SIGNING_SECRET: SECRET }).edgeSigning?.ttlSeconds, 30);
  });
});
