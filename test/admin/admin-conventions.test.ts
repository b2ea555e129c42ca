import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import request from 'supertest';
import { parse } from 'yaml';
import { issueViaApi } from '../helpers/admin-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { ADMIN_KEY, oneAppPerBlock, type TestApp } from '../helpers/test-app.js';

const OPERATION_METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

/** Every admin operation the contract lists, so a route added later is covered without editing this test. */
function adminOperations(): { method: (typeof OPERATION_METHODS)[number]; path: string }[] {
  const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, item]) => OPERATION_METHODS.filter((method) => item[method] !== undefined).map((method) => ({ method, path })));
}

describe('admin API conventions', () => {
  let t: TestApp;
  let tokenId: string;
  oneAppPerBlock('memory', {}, async (app) => {
    t = app;
    tokenId = (await issueViaApi(t.app, { streams: ['test'] })).record.id;
  });

  const send = (method: string, path: string) =>
    request(t.app)
      [method as 'get'](path)
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .set('Content-Type', 'application/json')
      .send(method === 'get' || method === 'delete' ? undefined : '{}');

  for (const { method, path } of adminOperations()) {
    it(`${method.toUpperCase()} ${path} refuses an unknown query parameter with 400 naming it, and changes nothing`, async () => {
      const url = path.replace('{id}', tokenId);
      const before = (await send('get', `/v1/tokens/${tokenId}`)).body as unknown;
      for (const query of ['?foo=bar', '?dryRun=true&x-y=1', '?foo']) {
        const res = await send(method, `${url}${query}`);
        assert.equal(res.status, 400, `${query}: ${res.text}`);
        assert.equal(res.body.error.code, 'validation_failed');
        const named = new URLSearchParams(query.slice(1));
        for (const name of named.keys()) {
          assert.ok(
            res.body.error.details.some((d: { field: string }) => d.field === name),
            `${query}: ${name} is named in ${res.text}`,
          );
        }
        assertMatchesContract(method, path, res);
      }
      assert.deepEqual((await send('get', `/v1/tokens/${tokenId}`)).body, before, 'the token is unchanged');
    });
  }

  it('authentication comes first: an unknown parameter without a key is 401, not 400', async () => {
    const res = await request(t.app).get('/v1/tokens?foo=bar');
    assert.equal(res.status, 401);
  });

  it('the parameters a route reads are still accepted (GET /v1/tokens?limit=1&state=active)', async () => {
    const res = await send('get', '/v1/tokens?limit=1&state=active');
    assert.equal(res.status, 200);
    assert.equal(res.body.items.length, 1);
  });

  it('a hostile parameter name is cut short in the answer', async () => {
    const name = 'n'.repeat(5000);
    const res = await send('get', `/v1/tokens/${tokenId}?${name}=1`);
    assert.equal(res.status, 400);
    assert.ok(res.text.length < 1000, `answer of ${res.text.length} characters`);
  });
});

describe('POST /v1/revocations: exp is capped like a token lifetime', () => {
  let t: TestApp;
  oneAppPerBlock('memory', { TOKEN_MAX_TTL_SECONDS: '86400', JWT_CLOCK_SKEW_SECONDS: '30' }, (app) => (t = app));
  const revoke = (body: unknown) => request(t.app).post('/v1/revocations').set('Authorization', `Bearer ${ADMIN_KEY}`).send(body as object);
  const nowSeconds = () => Math.floor(t.clock.now() / 1000);

  it('refuses an exp more than TOKEN_MAX_TTL_SECONDS (plus the skew) ahead with 400 naming exp, storing nothing', async () => {
    for (const exp of [nowSeconds() + 86_400 + 31, nowSeconds() + 10 * 365 * 86_400, 253_402_300_799]) {
      const res = await revoke({ jti: `far-${exp}`, exp });
      assert.equal(res.status, 400, String(exp));
      assert.equal(res.body.error.details[0].field, 'exp');
      assert.match(res.body.error.message, /TOKEN_MAX_TTL_SECONDS/);
      assertMatchesContract('post', '/v1/revocations', res);
      // revoke() says whether the jti was new: nothing was stored by the refused call.
      assert.equal(await t.jwt.jtis.revoke(`far-${exp}`, t.clock.now(), t.clock.now() + 1000), true, 'nothing stored');
    }
  });

  it('accepts an exp up to the limit (a token issued now with the longest lifetime)', async () => {
    const res = await revoke({ jti: 'longest', exp: nowSeconds() + 86_400 });
    assert.equal(res.status, 200);
    assert.equal(await t.jwt.jtis.revoke('longest', t.clock.now(), t.clock.now() + 1000), false, 'already on the denylist');
  });
});
