import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createLogger } from '../../src/observability/logger.js';
import { LogCapture } from '../helpers/log-capture.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { ADMIN_KEY, buildTestApp, oneAppPerBlock, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, olderPlayHlsBody, pretty, wcsSignature } from '../helpers/wcs-bodies.js';

const SIGNING_SECRET = 'wcs-signing-secret-for-log-tests';
const METRICS_TOKEN = 'metrics-token-for-log-tests-0123';
/** The fields the issue requires on every decision line. */
const REQUIRED_FIELDS = ['allow', 'reason', 'method', 'stream', 'appKey', 'tokenId', 'clientIp', 'viewerSessionId', 'durationMs'];

interface Issued {
  token: string;
  id: string;
}

async function issue(app: TestApp['app'], streams: string[]): Promise<Issued> {
  const res = await request(app)
    .post('/v1/tokens')
    .set('Authorization', `Bearer ${ADMIN_KEY}`)
    .send({ streams, ttlSeconds: 600 })
    .expect(201);
  return { token: res.body.token as string, id: res.body.record.id as string };
}

/** Posts a body to the hook the way WCS does: pretty-printed and signed over the exact bytes. */
function hook(app: TestApp['app'], body: unknown, signature?: string) {
  const raw = pretty(body);
  return request(app)
    .post('/wcs/playHLS')
    .set('Content-Type', 'application/json')
    .set('Authorization', signature ?? wcsSignature(SIGNING_SECRET, raw))
    .send(raw);
}

describe('decision log and /metrics never carry a token or a secret (Redis store, signed hooks)', () => {
  let redis: TestRedis;
  let t: TestApp;
  const secrets: string[] = [ADMIN_KEY, SIGNING_SECRET, METRICS_TOKEN];
  /** Values that may appear in logs but must never become metric labels. */
  const unbounded: string[] = [];
  const streams = [`stream-${randomBytes(6).toString('hex')}`, `stream-${randomBytes(6).toString('hex')}`];
  const bodyMarker = `marker-${randomBytes(8).toString('hex')}`;

  const env = { WCS_SIGNING_SECRET: SIGNING_SECRET, METRICS_BEARER_TOKEN: METRICS_TOKEN, STORE_TIMEOUT_MS: '1000' };
  oneAppPerBlock('redis', env, async (app, started) => {
    t = app;
    redis = started!;
    const [a, b, revoked] = [await issue(t.app, [streams[0] ?? '']), await issue(t.app, ['other-*']), await issue(t.app, streams)];
    secrets.push(a.token, b.token, revoked.token);
    unbounded.push(...streams, a.id, b.id, revoked.id, bodyMarker);
    await request(t.app).delete(`/v1/tokens/${revoked.id}`).set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200);

    const stream = streams[0];
    // Allowed: the token in custom (newer shape) and at the top level (older shape).
    await hook(t.app, newerPlayHlsBody({ name: stream, nodeId: bodyMarker }, { token: a.token })).expect(200);
    await hook(t.app, olderPlayHlsBody({ name: stream, token: a.token })).expect(200);
    // Denied for every kind of reason, in both shapes.
    await hook(t.app, newerPlayHlsBody({ name: stream }, { token: b.token })).expect(403); // stream_not_allowed
    await hook(t.app, olderPlayHlsBody({ name: stream, token: revoked.token })).expect(403); // revoked
    const unknown = `wta_${randomBytes(32).toString('base64url')}`;
    const numeric = 987654321012;
    secrets.push(unknown, String(numeric));
    await hook(t.app, newerPlayHlsBody({ name: stream }, { token: unknown })).expect(403); // unknown_token
    await hook(t.app, olderPlayHlsBody({ name: stream, token: numeric })).expect(403); // unknown_token, numeric
    await hook(t.app, newerPlayHlsBody({ name: stream })).expect(403); // missing_token
    await hook(t.app, olderPlayHlsBody({ name: stream, token: { nested: a.token } })).expect(403); // malformed_token
    // A wrong signature: the token in the body and the signature header are both secrets.
    const wrongSignature = wcsSignature('not-the-secret', 'x');
    secrets.push(wrongSignature.slice(4));
    await hook(t.app, newerPlayHlsBody({ name: stream }, { token: a.token }), wrongSignature).expect(403); // bad_signature
    // The store stalls: the decision gets the failure policy after STORE_TIMEOUT_MS.
    if (redis.owned) {
      redis.stall();
      try {
        await hook(t.app, newerPlayHlsBody({ name: stream }, { token: a.token })).expect(403); // store_unavailable
      } finally {
        redis.resume();
      }
    }
    // Admin and metrics requests with wrong credentials in their Authorization headers.
    const wrongAdmin = `wrong-admin-key-${randomBytes(8).toString('hex')}`;
    secrets.push(wrongAdmin);
    await request(t.app).get(`/v1/tokens/${a.id}`).set('Authorization', `Bearer ${wrongAdmin}`).expect(401);
    await request(t.app).get('/metrics').set('Authorization', `Bearer ${wrongAdmin}`).expect(401);
    // Methods and paths chosen by the caller, which must not become label values.
    const junkMethod = `m${randomBytes(6).toString('hex')}`;
    const junkPath = `/p${randomBytes(6).toString('hex')}/${a.token}`;
    unbounded.push(junkMethod, junkPath.slice(1, 14));
    await request(t.app).post(`/wcs/${junkMethod}`).set('Content-Type', 'application/json').set('Authorization', wcsSignature(SIGNING_SECRET, '{}')).send('{}').expect(200);
    await request(t.app).get(junkPath).expect(404);
    await request(t.app).get(`/wcs/${a.token}`).expect(404);
  });

  it('logged one decision per hook request, with every reason the scenario drove', () => {
    const reasons = t.logs.decisions().map((line) => line.reason);
    const expected = ['valid', 'valid', 'stream_not_allowed', 'revoked', 'unknown_token', 'unknown_token', 'missing_token', 'malformed_token', 'bad_signature'];
    assert.deepEqual(reasons, redis.owned ? [...expected, 'store_unavailable'] : expected);
  });

  it('every decision line has the same fields, including all the required ones', () => {
    const decisions = t.logs.decisions();
    const fieldSets = new Set(decisions.map((line) => Object.keys(line).sort().join(',')));
    assert.equal(fieldSets.size, 1, `decision lines differ in fields:\n${[...fieldSets].join('\n')}`);
    const fields = Object.keys(decisions[0] ?? {});
    for (const field of REQUIRED_FIELDS) assert.ok(fields.includes(field), `missing ${field}`);
    for (const line of decisions) {
      assert.equal(typeof line.allow, 'boolean');
      assert.equal(typeof line.reason, 'string');
      assert.equal(typeof line.durationMs, 'number');
    }
  });

  it('no log line contains a token, the signing secret, a signature, an admin key, the metrics token or the raw body', () => {
    const text = t.logs.text();
    assert.ok(t.logs.raw.length > 10, 'the scenario logged');
    for (const secret of secrets) assert.ok(!text.includes(secret), `log contains ${secret.slice(0, 8)}…`);
    assert.ok(!text.includes(bodyMarker), 'a body field was logged');
  });

  it('/metrics contains no token, secret, stream name, token id or caller-chosen method or path', async () => {
    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    for (const value of [...secrets, ...unbounded]) assert.ok(!res.text.includes(value), `metrics contain ${value.slice(0, 12)}…`);
    assert.match(res.text, /^wcs_auth_decisions_total\{method="playHLS",result="deny",reason="revoked",token_kind="opaque"\} 1$/m);
    assert.match(res.text, /^wcs_auth_http_requests_total\{route="unmatched",method="GET",status="404"\} 2$/m);
    assert.match(res.text, /^wcs_auth_http_requests_total\{route="\/wcs\/:method",method="POST",status="200"\} 3$/m);
  });

  it('every label value in /metrics comes from a small fixed vocabulary', async () => {
    const text = await t.metrics.registry.metrics();
    const labelValues = new Map<string, Set<string>>();
    for (const match of text.matchAll(/(\w+)="([^"]*)"/g)) {
      const [, name = '', value = ''] = match;
      if (!labelValues.has(name)) labelValues.set(name, new Set());
      labelValues.get(name)?.add(value);
    }
    // Route templates and method names, never anything taken from the caller verbatim.
    for (const route of labelValues.get('route') ?? []) assert.match(route, /^(unmatched|\/[A-Za-z0-9/:]*)$/, route);
    for (const [name, values] of labelValues) {
      for (const value of values) assert.match(value, /^[\w./:+-]{0,64}$/, `${name}="${value}"`);
    }
  });
});

describe('pino redaction, the second line of defence', () => {
  it('a token, body, custom object or Authorization header logged by mistake is censored', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', logs);
    const token = `wta_${randomBytes(32).toString('base64url')}`;
    logger.info({ token, body: { token }, custom: { token }, headers: { authorization: `Bearer ${token}` } }, 'mistake');
    logger.info({ req: { headers: { authorization: `WCS ${token}` } }, nested: { token, secret: token } }, 'mistake');
    assert.equal(logs.raw.length, 2);
    assert.ok(!logs.text().includes(token));
    assert.equal(logs.lines[0]?.token, '[redacted]');
  });
});

describe('the token query parameter name does not change what is logged (TOKEN_QUERY_PARAM=aclAuth)', () => {
  it('an aclAuth token, in either body shape, is never logged or exported', async () => {
    const t = buildTestApp({ store: 'memory', env: { TOKEN_QUERY_PARAM: 'aclAuth' } });
    const { token } = await issue(t.app, ['test']);
    const send = (body: unknown) => request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(pretty(body));
    await send(newerPlayHlsBody({}, { aclAuth: token })).expect(200);
    await send(olderPlayHlsBody({ aclAuth: token })).expect(200);
    await send(olderPlayHlsBody({ aclAuth: `${token}x` })).expect(403);
    assert.deepEqual(t.logs.decisions().map((line) => line.reason), ['valid', 'valid', 'unknown_token']);
    assert.ok(!t.logs.text().includes(token.slice(4)));
    assert.ok(!(await t.metrics.registry.metrics()).includes(token.slice(4)));
    await t.close();
  });
});
