import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import request from 'supertest';
import { hashToken } from '../../src/tokens/opaque-token.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, freshAppPerTest, STORE_KINDS, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';
import { generateTestKeys, keyDir, mintJwt, seconds } from '../tokens/jwt/jwt-fixtures.js';

/**
 * Issue 13, items 2, 4 and 8, through the HTTP entry points with either store: every string that is stored or
 * compared must be well-formed Unicode (a lone surrogate is refused with 400, or as invalid_claims in a JWT), a
 * stream name is at most 256 characters, JWT NumericDates are bounded, and a record the Redis script cannot read is
 * refused for that token, never a store failure that STORE_FAILURE_POLICY=allow turns into an allow.
 */
const LONE = '\ud800';
const keys = generateTestKeys();
const files = keyDir();
after(() => files.cleanup());

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
/** JSON.stringify writes a lone surrogate as the escape `\ud800`, which is how an attacker sends it. */
const send = (t: TestApp, method: 'post' | 'patch', path: string, body: unknown) =>
  request(t.app)[method](path).set(admin).set('content-type', 'application/json').send(JSON.stringify(body));

function hook(t: TestApp, token: string, overrides: Record<string, unknown> = {}, custom: Record<string, unknown> = {}) {
  const body = newerPlayHlsBody({ name: 'test', ...overrides }, { token, ...custom });
  return request(t.app).post('/wcs/playHLS').set('content-type', 'application/json').send(pretty(body));
}

const reasonOf = (t: TestApp, res: request.Response) => t.logs.decisions().find((line) => line.requestId === res.headers['x-request-id'])?.reason;

function assertRefused400(res: request.Response, what: string) {
  assert.equal(res.status, 400, `${what}: ${res.text}`);
  assert.equal(res.body.error.code, 'validation_failed', what);
  assert.match(res.body.error.message, /well-formed Unicode|at most 256/, what);
}

function jwt(t: TestApp, claims: Record<string, unknown>) {
  const now = seconds(t.clock.now());
  return mintJwt('ES256', { iat: now, exp: now + 600, streams: ['test'], ...claims }, keys.ec256.privateKey, { kid: 'ec' });
}

for (const storeKind of STORE_KINDS) {
  describe(`hostile strings and numbers with the ${storeKind} store`, () => {
    let t: TestApp;
    let redis: TestRedis | undefined;
    freshAppPerTest(
      storeKind,
      {
        // The policy under which a store failure would have been an allow: nothing below may be allowed.
        STORE_FAILURE_POLICY: 'allow',
        JWT_KEYS: `ec:ES256=file:${files.write(`ec-${storeKind}.pem`, keys.ec256.publicPem)}`,
        JWT_SIGNING_KEYS: `sig=file:${files.write(`sig-${storeKind}.pem`, keys.ec256.privatePem)}`,
      },
      (app, r) => {
        t = app;
        redis = r;
      },
    );

    test('a lone surrogate anywhere in an admin body is refused with 400, and nothing is stored', async () => {
      const { record } = await issueViaApi(t.app, { streams: ['test'] });
      const bodies: [string, 'post' | 'patch', string, unknown][] = [
        ['issue streams', 'post', '/v1/tokens', { streams: [`te${LONE}st`] }],
        ['issue glob', 'post', '/v1/tokens', { streams: [`*${LONE}`] }],
        ['issue appKeys', 'post', '/v1/tokens', { streams: ['test'], appKeys: [LONE] }],
        ['issue metadata value', 'post', '/v1/tokens', { streams: ['test'], metadata: { note: `a${LONE}` } }],
        ['issue metadata key', 'post', '/v1/tokens', { streams: ['test'], metadata: { [`k${LONE}`]: 1 } }],
        ['issue nested metadata', 'post', '/v1/tokens', { streams: ['test'], metadata: { a: [{ b: '\udc00x' }] } }],
        ['issue header value', 'post', '/v1/tokens', { streams: ['test'], headers: { 'X-Viewer': LONE } }],
        ['issue JWT', 'post', '/v1/tokens', { type: 'jwt', streams: [`a${LONE}`] }],
        ['batch', 'post', '/v1/tokens/batch', { items: [{ streams: ['ok'] }, { streams: ['ok'], metadata: { x: LONE } }] }],
        ['PATCH metadata', 'patch', `/v1/tokens/${record.id}`, { metadata: { x: LONE } }],
        ['PATCH headers', 'patch', `/v1/tokens/${record.id}`, { headers: { 'X-A': `\udfff` } }],
        ['revocation jti', 'post', '/v1/revocations', { jti: `j${LONE}`, exp: seconds(t.clock.now()) + 60 }],
        ['dry-run decision', 'post', '/v1/decisions', { token: 'wta_x', stream: LONE }],
      ];
      for (const [what, method, path, body] of bodies) {
        const res = await send(t, method, path, body);
        assertRefused400(res, what);
        assertMatchesContract(method, path, res);
      }
      const list = await request(t.app).get('/v1/tokens').set(admin);
      assert.deepEqual(
        list.body.items.map((token: { id: string }) => token.id),
        [record.id],
        'only the token issued before is stored',
      );
      const read = await request(t.app).get(`/v1/tokens/${record.id}`).set(admin);
      assert.deepEqual(read.body.metadata, {}, 'the PATCHes changed nothing');
    });

    test('a lone surrogate in a hook field is refused with 400 and no decision; a well-formed emoji is decided', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['live-*'], maxUses: 1 });
      const variants: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ['name', { name: `live-${LONE}` }, {}],
        ['appKey', { appKey: LONE }, {}],
        ['mediaSessionId', { name: 'live-1', mediaSessionId: `s${LONE}` }, {}],
        ['sessionId', { name: 'live-1', sessionId: `/1.2.3.4:1/${LONE}` }, {}],
        ['custom field', { name: 'live-1' }, { other: LONE }],
      ];
      const decisionsBefore = t.logs.decisions().length;
      for (const [what, overrides, custom] of variants) {
        assertRefused400(await hook(t, token, overrides, custom), what);
      }
      assert.equal(t.logs.decisions().length, decisionsBefore, 'no decision was made');
      const read = await request(t.app).get('/v1/tokens').set(admin);
      assert.equal(read.body.items[0].uses, 0, 'nothing used the one-time token');
      const allowed = await hook(t, token, { name: 'live-😀' });
      assert.deepEqual([allowed.status, reasonOf(t, allowed)], [200, 'valid']);
    });

    test('a stream name or mediaSessionId of 257 characters is refused with 400 (256 is decided), whatever the patterns', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['*', `*${'a'.repeat(200)}b`] });
      assertRefused400(await hook(t, token, { name: 'a'.repeat(257) }), 'name 257');
      assertRefused400(await hook(t, token, { name: 'a'.repeat(60_000) }), 'name 60000');
      assertRefused400(await hook(t, token, { mediaSessionId: 's'.repeat(257) }), 'mediaSessionId 257');
      const longest = await hook(t, token, { name: 'a'.repeat(256), mediaSessionId: 's'.repeat(256) });
      assert.deepEqual([longest.status, reasonOf(t, longest)], [200, 'valid']);
    });

    test('nginx mode: an encoded lone surrogate or a 257-character stream is refused as unrecognized_uri; a token with one is unknown', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['*'] });
      const nginx = (uri: string) => request(t.app).get('/nginx/auth').set('X-Original-URI', uri);
      // The playlist URL form WCS serves: /<stream>/<stream>.m3u8.
      const playlist = (stream: string, query = `token=${token}`) => `/${stream}/${stream}.m3u8?${query}`;
      for (const uri of [playlist('live%ED%A0%80'), playlist('%F0%9F%98'), playlist('a'.repeat(257))]) {
        const res = await nginx(uri);
        assert.deepEqual([res.status, reasonOf(t, res)], [403, 'unrecognized_uri'], uri.slice(0, 40));
      }
      // Refused either way: read as nginx reads $arg_token (a malformed escape refuses the URI) or decoded to
      // U+FFFD (an unknown token); never a lone surrogate handed to a store.
      const lone = await nginx(playlist('live', `token=${token}%ED%A0%80`));
      assert.equal(lone.status, 403);
      assert.ok(['unrecognized_uri', 'unknown_token'].includes(String(reasonOf(t, lone))), String(reasonOf(t, lone)));
      const fine = await nginx(playlist('a'.repeat(256)));
      assert.deepEqual([fine.status, reasonOf(t, fine)], [204, 'valid']);
    });

    test('nginx mode: a JWT whose jti cannot be a header value is allowed without X-Auth-Token-Id (writeHead threw: a 500)', async () => {
      const nginx = (token: string) => request(t.app).get('/nginx/auth').set('X-Original-URI', `/test/test.m3u8?token=${token}`);
      for (const jti of ['j\u20acj', 'j\nj', 'j\u0001j']) {
        const res = await nginx(jwt(t, { jti }));
        assert.deepEqual([res.status, reasonOf(t, res)], [204, 'valid'], JSON.stringify(jti));
        assert.equal(res.headers['x-auth-token-id'], undefined, JSON.stringify(jti));
      }
      const plain = await nginx(jwt(t, { jti: 'j-plain j' }));
      assert.deepEqual([plain.status, plain.headers['x-auth-token-id']], [204, 'j-plain j']);
    });

    test('crafted globs match the same in both stores: parts in order, stars spanning emoji and accents', async () => {
      const { token } = await issueViaApi(t.app, { streams: ['a*b*c', '*😀', 'é*é'] });
      const expected: [string, number][] = [
        ['abc', 200],
        ['a😀b😀c', 200],
        ['acb', 403],
        ['x😀', 200],
        ['😀x', 403],
        ['é', 403],
        ['éé', 200],
        ['é😀é', 200],
        [`${'a'.repeat(255)}b`, 403],
      ];
      for (const [name, status] of expected) assert.equal((await hook(t, token, { name })).status, status, name);
    });

    test('JWT claims with a lone surrogate are refused as invalid_claims', async () => {
      for (const claims of [{ streams: [`t${LONE}`] }, { jti: `j${LONE}`, once: true }, { sub: LONE }, { custom: { deep: [LONE] } }]) {
        const res = await hook(t, jwt(t, claims));
        assert.deepEqual([res.status, reasonOf(t, res)], [403, 'invalid_claims'], JSON.stringify(claims));
      }
    });

    test('a once JWT with exp 1e20 is refused as invalid_claims and writes nothing; the largest accepted exp gets a jti key with a TTL', async () => {
      const jti = randomUUID();
      const key = `${redis?.keyPrefix}j:{${createHash('sha256').update(jti).digest('hex')}}`;
      for (const exp of [1e20, 253_402_300_800]) {
        const res = await hook(t, jwt(t, { exp, jti, once: true }));
        assert.deepEqual([res.status, reasonOf(t, res)], [403, 'invalid_claims'], String(exp));
        if (redis) assert.equal(await redis.client.exists(key), 0, 'no jti key');
      }
      const res = await hook(t, jwt(t, { exp: 253_402_300_799, jti, once: true }));
      assert.deepEqual([res.status, reasonOf(t, res)], [200, 'valid'], 'the largest NumericDate is accepted');
      if (redis) {
        const ttl = await redis.client.pttl(key);
        assert.ok(ttl > 0, `the jti key has a TTL (${ttl})`);
      }
    });

    test('no key the service wrote is without a TTL', async (tc) => {
      if (!redis) return tc.skip('redis only');
      const { token } = await issueViaApi(t.app, { streams: ['*'], maxUses: 3, maxViewers: 2, bindIpOnFirstUse: true });
      await hook(t, token, { mediaSessionId: 'a' });
      await hook(t, jwt(t, { jti: randomUUID(), once: true }), { mediaSessionId: 'b' });
      const found = await redis.client.keys(`${t.config.store.kind === 'redis' ? t.config.store.keyPrefix : ''}*`);
      assert.ok(found.length >= 5, `keys written: ${found.length}`);
      for (const key of found) assert.ok((await redis.client.pttl(key)) > 0, `${key} has a TTL`);
    });

    test('a record the Redis script cannot read is refused as unreadable_record, even under STORE_FAILURE_POLICY=allow', async (tc) => {
      if (!redis || !t.redisStore) return tc.skip('redis only');
      const corruptions = [
        '{"not json',
        // Written by main before inputs were checked: cjson cannot decode the escape of a lone surrogate.
        JSON.stringify({ id: 'tok_x', streams: ['test'], appKeys: null, actions: ['play'], notBefore: null, expiresAt: 4e12, metadata: { x: LONE } }),
        JSON.stringify({ id: 'tok_x', streams: 'test', actions: ['play'], expiresAt: 4e12 }),
        JSON.stringify({ id: 'tok_x', streams: ['test'], actions: ['play'], expiresAt: 'never' }),
        '[]',
      ];
      for (const data of corruptions) {
        const { token } = await issueViaApi(t.app, { streams: ['test'] });
        await redis.client.hset(t.redisStore.recordKey(hashToken(token)), 'data', data);
        const res = await hook(t, token);
        assert.deepEqual([res.status, reasonOf(t, res)], [403, 'unreadable_record'], data);
      }
      assert.equal(await t.metrics.registry.getSingleMetricAsString('wcs_auth_store_up').then((text) => /wcs_auth_store_up\{[^}]*\} 0/.test(text)), false, 'not a store outage');
    });
  });
}
