import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { timedRequest } from '../helpers/hook-client.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';
import { ADMIN_KEY } from '../helpers/test-app.js';

/**
 * Property-based fuzzing of the admin API over real HTTP against Redis: arbitrary bodies, credentials and ids get a
 * documented status with the documented error shape, never 5xx; what is issued is readable and well-formed.
 */
const NUM_RUNS = 150;
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));

describe('fuzzing the admin API', { timeout: 120_000 }, () => {
  let instance: ServiceInstance;
  serviceOnRedis(
    {
      // Authentication fuzzing sends hundreds of wrong keys from one address on purpose.
      ADMIN_AUTH_MAX_FAILURES: '0',
      // The fuzz checks input handling, not timing: a loaded machine must not turn a slow store answer into a 503.
      STORE_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'warn',
    },
    ([first]) => (instance = first!),
  );

  const issue = (body: string) => {
    // Keep the instance's manual clock on real time: Redis expires records by its own clock.
    instance.clock.set(Date.now());
    return timedRequest(`${instance.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body,
    });
  };

  function assertErrorShape(text: string, status: number) {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
    assert.equal(typeof parsed.error?.code, 'string', `status ${status}: ${text}`);
    assert.equal(typeof parsed.error?.message, 'string');
    assert.equal(typeof parsed.error?.requestId, 'string');
  }

  async function assertIssuedIsReadable(text: string) {
    const issued = JSON.parse(text) as { token: string; record: { id: string; streams: string[] } };
    assert.match(issued.token, /^wta_[A-Za-z0-9_-]{43}$/);
    const read = await timedRequest(`${instance.url}/v1/tokens/${issued.record.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(read.status, 200);
    assert.deepEqual(JSON.parse(read.text).streams, issued.record.streams);
  }

  test('arbitrary JSON as an issue request: 201 or 400, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (value) => {
        const answer = await issue(JSON.stringify(value) ?? 'null');
        assert.ok([201, 400].includes(answer.status), `status ${answer.status}`);
        if (answer.status === 400) assertErrorShape(answer.text, answer.status);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('issue requests with arbitrary field values: 201 (readable, well-formed) or 400 naming a field, never 5xx', async () => {
    const seen = new Set<number>();
    // Mostly plausible values (so that some requests succeed), sometimes anything at all.
    const field = <T>(plausible: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: plausible, weight: 5 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 });
    const soon = fc.integer({ min: -60, max: 40 * 86_400 }).map((seconds) => new Date(Date.now() + seconds * 1000).toISOString());
    const body = fc.record(
      {
        streams: field(fc.array(fc.oneof(fc.constantFrom('test', 'event-*', '*'), fc.string({ maxLength: 30 })), { minLength: 1, maxLength: 4 })),
        appKeys: field(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 })),
        actions: field(fc.array(fc.constantFrom('play', 'publish', 'admin'), { minLength: 1, maxLength: 2 })),
        ttlSeconds: field(fc.oneof(fc.integer({ min: -10, max: 40 * 86_400 }), fc.double())),
        expiresAt: field(fc.oneof(soon, fc.string({ maxLength: 30 }))),
        notBefore: field(soon),
        headers: field(fc.dictionary(fc.oneof(fc.constantFrom('X-Viewer', 'X-A'), fc.string({ maxLength: 20 })), fc.string({ maxLength: 30 }), { maxKeys: 3 })),
        metadata: field(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })),
        type: field(fc.constantFrom('opaque', 'jwt')),
      },
      { requiredKeys: ['streams'] },
    );
    // Valid requests with varied optional fields, so that the success path is exercised in every run.
    const validBody = fc.record(
      {
        streams: fc.array(fc.stringMatching(/^[a-z0-9*-]{1,20}$/), { minLength: 1, maxLength: 3 }),
        ttlSeconds: fc.integer({ min: 1, max: 86_400 }),
        appKeys: fc.array(fc.stringMatching(/^[A-Za-z]{1,10}$/), { minLength: 1, maxLength: 2 }),
        headers: fc.dictionary(fc.stringMatching(/^X-[A-Za-z]{1,10}$/), fc.stringMatching(/^[ -~]{0,20}$/), { maxKeys: 3 }),
        metadata: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      },
      { requiredKeys: ['streams'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, validBody), async (value) => {
        const answer = await issue(JSON.stringify(value));
        assert.ok([201, 400].includes(answer.status), `status ${answer.status} for ${JSON.stringify(value)}`);
        seen.add(answer.status);
        if (answer.status === 201) await assertIssuedIsReadable(answer.text);
        else {
          assertErrorShape(answer.text, answer.status);
          assert.ok(Array.isArray(JSON.parse(answer.text).error.details), 'a 400 names the field');
        }
      }),
      { numRuns: NUM_RUNS * 2 },
    );
    assert.deepEqual([...seen].sort(), [201, 400], 'the generator reaches both outcomes');
  });

  test('arbitrary Authorization headers: 401 unless it is the right key, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: printable, maxLength: 80 }), fc.string({ unit: printable, maxLength: 60 }).map((k) => `Bearer ${k}`)),
        async (authorization) => {
          const answer = await timedRequest(`${instance.url}/v1/tokens/tok_AAAAAAAAAAAAAAAA`, { headers: { authorization } });
          const right = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim())?.[1] === ADMIN_KEY;
          assert.equal(answer.status, right ? 404 : 401);
          assertErrorShape(answer.text, answer.status);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('arbitrary token ids in the path, read and revoke: 404 (the list for an empty id), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.constantFrom('GET', 'DELETE'), async (id, method) => {
        const url = `${instance.url}/v1/tokens/${encodeURIComponent(id)}`;
        const answer = await timedRequest(url, { method, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        // `GET /v1/tokens/` is the token list: an empty id, or `.`, which the URL parser resolves away before
        // sending (encodeURIComponent keeps dots). Anything else names no token.
        if (new URL(url).pathname === '/v1/tokens/' && method === 'GET') return assert.equal(answer.status, 200);
        assert.equal(answer.status, 404, `status ${answer.status}`);
        assertErrorShape(answer.text, answer.status);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
