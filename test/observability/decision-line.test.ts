import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { capLoggedField } from '../../src/observability/decision-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { LogCapture } from '../helpers/log-capture.js';
import { ADMIN_KEY, withTestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

test('an allowed playHLS writes one decision line with every field, an ISO time, and never the token', () =>
  withTestApp({ store: 'memory' }, async (t) => {
    const issued = await request(t.app)
      .post('/v1/tokens')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({ streams: ['test'], ttlSeconds: 600 })
      .expect(201);
    const token = issued.body.token as string;
    const body = pretty(newerPlayHlsBody({}, { token }));
    const answer = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body).expect(200);
    assert.equal(answer.text, body);

    const decisions = t.logs.decisions();
    assert.equal(decisions.length, 1);
    const line = decisions[0];
    assert.ok(line);
    const expected: Record<string, unknown> = {
      level: 30,
      service: 'wcs-token-auth',
      event: 'decision',
      allow: true,
      reason: 'valid',
      method: 'playHLS',
      stream: 'test',
      appKey: 'defaultApp',
      tokenId: issued.body.record.id,
      tokenKind: 'opaque',
      clientIp: '192.168.1.100',
      viewerSessionId: newerPlayHlsBody().mediaSessionId,
      requestId: answer.headers['x-request-id'],
      msg: 'decision',
    };
    for (const [field, value] of Object.entries(expected)) assert.deepEqual(line[field], value, field);
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(!t.logs.text().includes(token), 'the token never reaches the log');
  }));

test('the main logger still redacts secrets nested anywhere in other lines', () => {
  const logs = new LogCapture();
  createLogger('info', logs).info({ req: { token: 'wta_secret-value' }, authorization: 'Bearer x' }, 'careless line');
  assert.ok(!logs.text().includes('wta_secret-value') && !logs.text().includes('Bearer x'));
  assert.match(logs.text(), /\[redacted\]/);
});

test('a decision line stays bounded: the hook refuses stream, appKey and mediaSessionId over 256 characters at the door', () =>
  withTestApp({ store: 'memory', env: { BODY_LIMIT_BYTES: '262144' } }, async (t) => {
    const { token } = (
      await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['*'], ttlSeconds: 600 }).expect(201)
    ).body as { token: string };
    const atCap = 'n'.repeat(256);
    for (const size of [1, 2_000, 30_000]) {
      const long = `${atCap}${'x'.repeat(size)}`;
      for (const field of ['name', 'appKey', 'mediaSessionId'] as const) {
        const body = pretty(newerPlayHlsBody({ name: 'test', appKey: 'test', mediaSessionId: 'test', [field]: long }, { token }));
        const answer = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body);
        assert.equal(answer.status, 400, `${field} of ${long.length} characters`);
        assert.equal(JSON.parse(answer.text).error.details[0].field, field);
      }
    }
    const body = pretty(newerPlayHlsBody({ name: atCap, appKey: atCap, mediaSessionId: atCap }, { token }));
    await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body).expect(200);
    const decisions = t.logs.decisions();
    assert.equal(decisions.length, 1, 'only the request within the caps reached a decision');
    for (const field of ['stream', 'appKey', 'viewerSessionId']) assert.equal(decisions[0]?.[field], atCap, field);
    for (const line of t.logs.raw) assert.ok(Buffer.byteLength(line) < 2048, `a ${Buffer.byteLength(line)}-byte log line`);
  }));

test('a logged field is cut at 256 characters, marked, and never between the halves of a surrogate pair', () => {
  assert.equal(capLoggedField(undefined), null);
  assert.equal(capLoggedField('n'.repeat(256)), 'n'.repeat(256));
  assert.equal(capLoggedField(`${'n'.repeat(256)}x`), `${'n'.repeat(256)}…`);
  // 😀 takes code units 256 and 257: cutting at 256 would keep a lone high surrogate.
  assert.equal(capLoggedField(`${'n'.repeat(255)}😀${'x'.repeat(30_000)}`), `${'n'.repeat(255)}…`);
});
