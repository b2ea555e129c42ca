import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import { clientIpFromSessionId } from '../../src/playback/client-ip.js';
import { isValidWcsSignature } from '../../src/playback/wcs-signature.js';
import { issueViaApi } from '../helpers/admin-client.js';
import { counterValue } from '../helpers/metric-value.js';
import { assertMatchesContract } from '../helpers/openapi.js';
import { oneAppPerBlock, type TestApp } from '../helpers/test-app.js';
import { newerPlayHlsBody, olderPlayHlsBody, pretty, wcsSignature } from '../helpers/wcs-bodies.js';

const SECRET = 'wcs-rest-hook-secret';

describe('WCS request signing (WCS_SIGNING_SECRET)', () => {
  let t: TestApp;
  let token: string;
  oneAppPerBlock('memory', { WCS_SIGNING_SECRET: SECRET }, async (app) => {
    t = app;
    token = (await issueViaApi(t.app, { streams: ['test'] })).token;
  });

  it('matches the documented example: key 1234567890, body {"name":"test"}', () => {
    const body = Buffer.from('{"name":"test"}');
    assert.equal(isValidWcsSignature(Buffer.from('1234567890'), body, 'WCS 0004dd073926b02fc98e41c3914f9615'), true);
    assert.equal(isValidWcsSignature(Buffer.from('1234567890'), body, 'WCS 0004dd073926b02fc98e41c3914f9616'), false);
  });

  const send = (raw: string, authorization?: string, method = 'playHLS') => {
    const req = request(t.app).post(`/wcs/${method}`).set('Content-Type', 'application/json');
    if (authorization !== undefined) req.set('Authorization', authorization);
    return req.send(raw);
  };

  it('allows a pretty-printed body signed over its exact bytes (lowercase hex)', async () => {
    const raw = pretty(newerPlayHlsBody({}, { token }));
    const res = await send(raw, wcsSignature(SECRET, raw));
    assert.equal(res.status, 200);
    assert.equal(res.text, raw);
    assertMatchesContract('POST', '/wcs/playHLS', res);
  });

  it('accepts an uppercase hex signature and a lowercase scheme', async () => {
    const raw = pretty(newerPlayHlsBody({}, { token }));
    const hex = createHmac('md5', SECRET).update(raw).digest('hex');
    assert.equal((await send(raw, `WCS ${hex.toUpperCase()}`)).status, 200);
    assert.equal((await send(raw, `wcs ${hex}`)).status, 200);
  });

  const refusals: [string, (raw: string) => string | undefined, string?][] = [
    ['a missing signature', () => undefined],
    ['a signature made with another secret', (raw) => wcsSignature('another-secret', raw)],
    ['a signature of the compact body while the pretty one is sent', (raw) => wcsSignature(SECRET, JSON.stringify(JSON.parse(raw)))],
    ['a truncated signature', (raw) => wcsSignature(SECRET, raw).slice(0, -1)],
    ['another scheme', (raw) => wcsSignature(SECRET, raw).replace('WCS', 'Bearer')],
  ];
  for (const [name, sign] of refusals) {
    it(`refuses ${name} with 403 and counts reason=bad_signature, even with a valid token`, async () => {
      const raw = pretty(newerPlayHlsBody({}, { token }));
      const before = await counterValue(t.metrics, 'wcs_auth_decisions_total', { reason: 'bad_signature' });
      const res = await send(raw, sign(raw));
      assert.equal(res.status, 403);
      assertMatchesContract('POST', '/wcs/playHLS', res);
      assert.equal(t.logs.decisions().at(-1)?.reason, 'bad_signature');
      assert.equal(await counterValue(t.metrics, 'wcs_auth_decisions_total', { reason: 'bad_signature' }), before + 1);
    });
  }

  it('refuses a body tampered after signing (stream renamed)', async () => {
    const raw = pretty(newerPlayHlsBody({}, { token }));
    const signature = wcsSignature(SECRET, raw);
    const res = await send(raw.replace('"test"', '"tesu"'), signature);
    assert.equal(res.status, 403);
    assert.equal(t.logs.decisions().at(-1)?.reason, 'bad_signature');
  });

  it('checks the signature on echoed methods too: unsigned connect gets 403, signed connect 200 + echo', async () => {
    const raw = pretty({ appKey: 'defaultApp', sessionId: '/192.168.1.100:59473/192.168.1.5:8443' });
    const unsigned = await send(raw, undefined, 'connect');
    assert.equal(unsigned.status, 403);
    assertMatchesContract('POST', '/wcs/connect', unsigned);
    const signed = await send(raw, wcsSignature(SECRET, raw), 'connect');
    assert.equal(signed.status, 200);
    assert.equal(signed.text, raw);
  });

  it('checks the signature before parsing: a signed malformed body gets 400, an unsigned one 403', async () => {
    const raw = '{"name": "test",';
    assert.equal((await send(raw, wcsSignature(SECRET, raw))).status, 400);
    assert.equal((await send(raw)).status, 403);
  });
});

describe('other WCS methods are echoed', () => {
  let t: TestApp;
  oneAppPerBlock('memory', {}, (app) => (t = app));

  for (const method of ['connect', 'playStream', 'publishStream', 'StreamStatusEvent', 'ConnectionStatusEvent', 'stopStream', 'someFutureMethod']) {
    it(`${method} gets 200 with the body echoed byte for byte, without any token`, async () => {
      const raw = pretty({ ...olderPlayHlsBody(), status: 'PLAYING', custom: { anything: [1, 2, { deep: 'value' }] } });
      const res = await request(t.app).post(`/wcs/${method}`).set('Content-Type', 'application/json').send(raw);
      assert.equal(res.status, 200);
      assert.equal(res.text, raw);
      assertMatchesContract('POST', `/wcs/${method}`, res);
    });
  }

  it('echoes unicode and unusual whitespace unchanged', async () => {
    const raw = '{\r\n\t"name" : "стрим-😀",\n  "x": 1e3  }';
    const res = await request(t.app).post('/wcs/StreamStatusEvent').set('Content-Type', 'application/json').send(raw);
    assert.equal(res.status, 200);
    assert.equal(res.text, raw);
  });
});

describe('bad input to the hook gets a clear answer', () => {
  let t: TestApp;
  oneAppPerBlock('memory', { BODY_LIMIT_BYTES: '1024' }, (app) => (t = app));

  const post = (raw: string, contentType = 'application/json', method = 'playHLS') =>
    request(t.app).post(`/wcs/${method}`).set('Content-Type', contentType).send(raw);

  it('malformed JSON gets 400 invalid_json, on playHLS and on echoed methods', async () => {
    for (const method of ['playHLS', 'connect']) {
      const res = await post('{"name": "test"', 'application/json', method);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_json');
      assertMatchesContract('POST', `/wcs/${method}`, res);
    }
  });

  it('an empty body gets 400 invalid_json', async () => {
    const res = await post('');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
  });

  it('a body over BODY_LIMIT_BYTES gets 413', async () => {
    const res = await post(JSON.stringify({ name: 'test', padding: 'x'.repeat(2000) }));
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    assertMatchesContract('POST', '/wcs/playHLS', res);
  });

  it('a Content-Type other than JSON gets 415', async () => {
    const res = await post('name=test', 'application/x-www-form-urlencoded');
    assert.equal(res.status, 415);
    assert.equal(res.body.error.code, 'unsupported_media_type');
    assertMatchesContract('POST', '/wcs/playHLS', res);
  });

  const wrongTypes: [string, unknown, string][] = [
    ['an array body', [1, 2], 'body'],
    ['a string body', 'test', 'body'],
    ['a null body', null, 'body'],
    ['a numeric name', { name: 42, custom: { token: 'x' } }, 'name'],
    ['a missing name', { custom: { token: 'x' } }, 'name'],
    ['an empty name', { name: '', custom: { token: 'x' } }, 'name'],
    ['a numeric appKey', { name: 'test', appKey: 7 }, 'appKey'],
    ['an object mediaSessionId', { name: 'test', mediaSessionId: {} }, 'mediaSessionId'],
  ];
  for (const [name, body, field] of wrongTypes) {
    it(`${name} gets 400 validation_failed naming "${field}"`, async () => {
      const res = await post(JSON.stringify(body));
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.equal(res.body.error.details[0].field, field);
      assertMatchesContract('POST', '/wcs/playHLS', res);
    });
  }

  it('unknown routes get a JSON 404', async () => {
    const res = await request(t.app).get('/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
  });

  it('keeps a sane X-Request-Id from the caller and replaces an unsafe one', async () => {
    const kept = await post('{}', 'application/json', 'connect').set('X-Request-Id', 'wcs-req-1');
    assert.equal(kept.headers['x-request-id'], 'wcs-req-1');
    const replaced = await post('{}', 'application/json', 'connect').set('X-Request-Id', 'bad id with spaces');
    assert.notEqual(replaced.headers['x-request-id'], 'bad id with spaces');
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('does not advertise the framework', async () => {
    const res = await request(t.app).get('/healthz');
    assert.equal(res.headers['x-powered-by'], undefined);
  });
});

describe('client IP from WCS sessionId', () => {
  const cases: [unknown, string | undefined][] = [
    ['/192.168.1.100:59473/192.168.1.5:8445', '192.168.1.100'],
    // Every spelling comes back in the canonical form (canonicalIp): compressed IPv6, IPv4 unmapped, no zone.
    ['/0:0:0:0:0:0:0:1:59473/0:0:0:0:0:0:0:1:8445', '::1'],
    ['/[2001:db8::1]:443/[2001:db8::2]:8445', '2001:db8::1'],
    ['/2001:DB8:0:0:0:0:0:1:443/x', '2001:db8::1'],
    ['/fe80:0:0:0:0:0:0:1%eth0:5000/x', 'fe80::1'],
    ['/0:0:0:0:0:ffff:707:707:5000/x', '7.7.7.7'],
    ['/::ffff:7.7.7.7:5000/x', '7.7.7.7'],
    ['/7.7.7.7%eth0:5000/x', '7.7.7.7'],
    ['test-HLS', undefined],
    ['/not-an-ip:80/x', undefined],
    ['/10.0.0.1/x', undefined],
    ['/10.0.0.1:port/x', undefined],
    [42, undefined],
    [undefined, undefined],
  ];
  for (const [sessionId, expected] of cases) {
    it(`${JSON.stringify(sessionId)} gives ${expected ?? 'no IP'}`, () => {
      assert.equal(clientIpFromSessionId(sessionId), expected);
    });
  }
});
