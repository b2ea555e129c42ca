import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timedRequest } from '../helpers/hook-client.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/**
 * Any URL a client can send gets a 4xx in the usual error shape: a malformed percent-escape in a path parameter used
 * to reach the error handler as a URIError and come back as a 500, with a stack trace logged as an error.
 */
const MALFORMED = ['%E0%A4%A', '%ZZ', '%', '%C3%28', '%ED%A0%80', 'a%2', '%F0%9F%98'];

describe('malformed percent-encoding in URLs', { timeout: 60_000 }, () => {
  let instance: ServiceInstance;
  serviceOnRedis({ LOG_LEVEL: 'trace' }, ([first]) => (instance = first!), { store: 'memory' });

  const requests = (bad: string): [string, string, string | undefined][] => [
    ['GET', `/v1/tokens/${bad}`, undefined],
    ['PATCH', `/v1/tokens/${bad}`, '{"disabled":true}'],
    ['DELETE', `/v1/tokens/${bad}`, undefined],
    ['GET', `/v1/tokens/${bad}/sessions`, undefined],
    ['POST', `/wcs/${bad}`, '{"name":"test"}'],
    ['POST', `/wcs/play${bad}`, '{"name":"test"}'],
    ['POST', `/WCS/${bad}`, '{"name":"test"}'],
    ['GET', `/${bad}`, undefined],
    ['GET', `/v1/${bad}`, undefined],
    ['GET', `/healthz/${bad}`, undefined],
  ];

  test('every route answers 4xx with the error shape, and logs no error', async () => {
    for (const bad of MALFORMED) {
      for (const [method, path, body] of requests(bad)) {
        const answer = await timedRequest(`${instance.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body,
        });
        const what = `${method} ${path}: ${answer.status} ${answer.text}`;
        assert.ok(answer.status >= 400 && answer.status < 500, what);
        const error = (JSON.parse(answer.text) as { error: { code: string; requestId: string } }).error;
        assert.equal(error.requestId, answer.requestId, what);
        if (path.startsWith('/v1/tokens/') || path.startsWith('/wcs/')) {
          assert.equal(answer.status, 400, what);
          assert.equal(error.code, 'validation_failed', what);
        }
      }
    }
    const errors = instance.logs.lines.filter((line) => (line.level as number) >= 50);
    assert.deepEqual(errors, []);
    assert.ok(!instance.logs.text().includes('URIError'), 'no stack trace in the log');
  });
});
