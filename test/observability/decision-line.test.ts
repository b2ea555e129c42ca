import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { createLogger } from '../../src/observability/logger.js';
import { LogCapture } from '../helpers/log-capture.js';
import { ADMIN_KEY, buildTestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, pretty } from '../helpers/wcs-bodies.js';

test('an allowed playHLS writes one decision line with every field, an ISO time, and never the token', async () => {
  const t = buildTestApp({ store: 'memory' });
  try {
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
  } finally {
    await t.close();
  }
});

test('the main logger still redacts secrets nested anywhere in other lines', () => {
  const logs = new LogCapture();
  createLogger('info', logs).info({ req: { token: 'wta_secret-value' }, authorization: 'Bearer x' }, 'careless line');
  assert.ok(!logs.text().includes('wta_secret-value') && !logs.text().includes('Bearer x'));
  assert.match(logs.text(), /\[redacted\]/);
});

test('a decision line stays bounded whatever length the caller gives stream, appKey and mediaSessionId', async () => {
  const t = buildTestApp({ store: 'memory', env: { BODY_LIMIT_BYTES: '262144' } });
  try {
    const { token } = (
      await request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ streams: ['*'], ttlSeconds: 600 }).expect(201)
    ).body as { token: string };
    // 😀 straddles the cut: the line must not end up with half of a surrogate pair.
    for (const size of [300, 2_000, 30_000]) {
      for (const candidate of [token, undefined, 'wta_unknown']) {
        const long = `${'n'.repeat(255)}😀${'x'.repeat(size)}`;
        // A name or mediaSessionId over 256 characters is refused at the door (400, no decision); appKey is only
        // compared, never stored, so any length of it reaches the decision and its log line.
        for (const name of [long, 'test']) {
          for (const mediaSessionId of [long, 'test']) {
            const body = pretty(newerPlayHlsBody({ name, appKey: long, mediaSessionId }, candidate === undefined ? {} : { token: candidate }));
            const answer = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(body);
            if (name === long || mediaSessionId === long) assert.equal(answer.status, 400, 'over 256 characters at the door');
          }
        }
      }
    }
    const decisions = t.logs.raw.filter((line) => line.includes('"event":"decision"'));
    assert.ok(decisions.length > 0, 'the long fields reached a decision');
    for (const line of t.logs.raw) assert.ok(Buffer.byteLength(line) < 2048, `a ${Buffer.byteLength(line)}-byte log line`);
    for (const line of t.logs.decisions()) {
      for (const field of ['stream', 'appKey', 'viewerSessionId']) {
        const value = String(line[field]);
        assert.ok(value === 'test' || value === `${'n'.repeat(255)}…`, `${field}: ${value.length} characters`);
      }
    }
  } finally {
    await t.close();
  }
});
