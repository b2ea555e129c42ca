import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { ADMIN_KEY, buildTestApp, type TestApp } from '../helpers/test-app.js';

/** The one body reader (src/shared/json-body.ts), as the hook and the admin API each use it. */
describe('one JSON body reader for the hook and the admin API', () => {
  let t: TestApp;
  before(() => {
    t = buildTestApp({ store: 'memory' });
  });
  after(() => t.close());

  // Bytes as given: superagent would otherwise serialize a Buffer as JSON.
  const asIs = (body: unknown) => body as string;
  const admin = () => request(t.app).post('/v1/tokens').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Content-Type', 'application/json').serialize(asIs);
  const hook = () => request(t.app).post('/wcs/connect').set('Content-Type', 'application/json').serialize(asIs);

  it('gives both the same answers for bytes that are not UTF-8, not JSON, too large, or unsafe once parsed', async () => {
    const cases: [Buffer | string, number, string, string][] = [
      [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 400, 'invalid_json', 'Request body is not valid UTF-8'],
      ['{"a":', 400, 'invalid_json', 'Request body is not valid JSON'],
      [`{"a":"${'x'.repeat(70 * 1024)}"}`, 413, 'payload_too_large', 'Request body is larger than the configured limit'],
    ];
    for (const [body, status, code, message] of cases) {
      for (const res of [await admin().send(body), await hook().send(body)]) {
        assert.equal(res.status, status, message);
        assert.deepEqual([res.body.error.code, res.body.error.message], [code, message]);
      }
    }
    const unsafe = '{"streams":["a"],"__proto__":{}}';
    const enforced = await request(t.app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(unsafe);
    const issued = await admin().send(unsafe);
    for (const res of [enforced, issued]) {
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.details, [{ field: '__proto__', message: 'the key __proto__ is not allowed' }]);
    }
  });

  it('inflates a compressed admin body but refuses one on the hook, whose bytes are signed and echoed', async () => {
    const body = gzipSync(JSON.stringify({ streams: ['a'] }));
    const issued = await admin().set('Content-Encoding', 'gzip').send(body);
    assert.equal(issued.status, 201);
    const refused = await hook().set('Content-Encoding', 'gzip').send(body);
    assert.equal(refused.status, 415);
    assert.equal(refused.body.error.message, 'Content-Encoding is not supported: send the body uncompressed');
  });

  it('answers a broken compressed admin body with 400, not a 500', async () => {
    const res = await admin().set('Content-Encoding', 'gzip').send(Buffer.from('not gzip at all'));
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error, { code: 'invalid_json', message: 'Request body could not be read', requestId: res.headers['x-request-id'] });
    assert.equal(t.logs.lines.filter((line) => line.msg === 'unhandled error').length, 0);
  });
});
