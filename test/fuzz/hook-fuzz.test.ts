import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { globMatches } from '../../src/tokens/stream-pattern.js';
import { issueToken, revokeToken, timedRequest, unknownToken } from '../helpers/hook-client.js';
import { serviceOnRedis, type ServiceInstance } from '../helpers/service-instance.js';

/**
 * Property-based fuzzing of the WCS hook over real HTTP: for arbitrary bytes, arbitrary JSON and arbitrary
 * (mostly well-shaped) WCS bodies the answer is one of the documented statuses, never 5xx, and playHLS answers
 * 200 exactly when the body carries the one valid token for a stream it grants. Runs are bounded by count.
 */
const NUM_RUNS = 150;
const DOCUMENTED_PLAYHLS = new Set([200, 400, 403, 413, 415]);

/** Mirrors the documented token extraction (README "The decision"): custom.<param> wins, then the top level. */
function tokenValue(value: unknown): string | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
/** The documented body rules (README "Bad input"): nesting at most 32 levels, no `__proto__` key anywhere. */
function breaksJsonRules(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= 32) return true;
  return Object.keys(value).some((key) => key === '__proto__' || breaksJsonRules((value as Record<string, unknown>)[key], depth + 1));
}
function effectiveToken(body: Record<string, unknown>): string | undefined | null {
  const custom = body.custom;
  const fromCustom =
    typeof custom === 'object' && custom !== null && !Array.isArray(custom) && Object.hasOwn(custom, 'token')
      ? tokenValue((custom as Record<string, unknown>).token)
      : undefined;
  // Only an absent (or empty) custom token falls back to the top level; a malformed one is refused as such.
  if (fromCustom !== undefined) return fromCustom;
  return Object.hasOwn(body, 'token') ? tokenValue(body.token) : undefined;
}

for (const store of ['memory', 'redis'] as const) {
  describe(`fuzzing the hook (${store} store)`, { timeout: 120_000 }, () => {
    let instance: ServiceInstance;
    let valid: string;
    let revoked: string;

    serviceOnRedis(
      {
        BRUTE_FORCE_MAX_PER_IP: '0',
        // The fuzz checks input handling, not timing: a loaded machine must not turn a slow store answer into a 403.
        STORE_TIMEOUT_MS: '5000',
        LOG_LEVEL: 'warn',
      },
      ([first]) => (instance = first!),
      { store },
    );
    before(async () => {
      valid = (await issueToken(instance.url, { streams: ['live-*'] })).token;
      const other = await issueToken(instance.url, { streams: ['live-*'] });
      await revokeToken(instance.url, other.id);
      revoked = other.token;
    });

    const post = (path: string, body: string | Uint8Array, contentType = 'application/json') =>
      timedRequest(`${instance.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

    test('arbitrary bytes: a documented status, never 5xx, never an allow', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 512, unit: 'binary' })), async (body) => {
          const answer = await post('/wcs/playHLS', body);
          assert.ok(DOCUMENTED_PLAYHLS.has(answer.status), `status ${answer.status}`);
          assert.notEqual(answer.status, 200);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    test('arbitrary JSON values: a documented status, never 5xx, never an allow', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
          const answer = await post('/wcs/playHLS', JSON.stringify(value) ?? 'null');
          assert.ok(DOCUMENTED_PLAYHLS.has(answer.status), `status ${answer.status}`);
          assert.notEqual(answer.status, 200);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    test('WCS-shaped bodies with arbitrary fields: 400 for bad fields, else 200 exactly when the valid token meets a granted stream', async () => {
      const tokenish = fc.oneof(
        fc.constant(valid),
        fc.constant(revoked),
        fc.constant(unknownToken()),
        fc.constant(`${valid} `),
        fc.constant(valid.toUpperCase()),
        fc.string({ maxLength: 60 }),
        fc.integer(),
        fc.constant(null),
        fc.constant(''),
        fc.jsonValue({ maxDepth: 2 }),
      );
      const body = fc.record(
        {
          name: fc.oneof(fc.constantFrom('live-1', 'live-', 'live-*', 'Live-1', 'other', ''), fc.string({ maxLength: 40 }), fc.integer()),
          appKey: fc.oneof(fc.constant('defaultApp'), fc.string({ maxLength: 20 }), fc.integer()),
          sessionId: fc.oneof(fc.string({ maxLength: 40 }), fc.ipV4().map((ip) => `/${ip}:1234/10.0.0.1:8445`)),
          mediaSessionId: fc.oneof(fc.uuid(), fc.integer()),
          custom: fc.oneof(fc.dictionary(fc.constantFrom('token', 'aclAuth', 'x'), tokenish), fc.string(), fc.constant(null)),
          token: tokenish,
          extra: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      );
      // Well-formed bodies whose token and stream vary, so that allows are reached in every run.
      const plausible = fc.record(
        {
          name: fc.constantFrom('live-1', 'live-', 'live-x-y', 'other', 'Live-1'),
          appKey: fc.constant('defaultApp'),
          custom: fc.record({ token: tokenish }, { requiredKeys: [] }),
          token: tokenish,
        },
        { requiredKeys: ['name'] },
      );
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.oneof(body, plausible), fc.boolean(), async (value: Record<string, unknown>, prettyPrinted) => {
          const raw = prettyPrinted ? JSON.stringify(value, null, 2) : JSON.stringify(value);
          const answer = await post('/wcs/playHLS', raw);
          const badField =
            breaksJsonRules(JSON.parse(raw)) ||
            typeof value.name !== 'string' ||
            value.name.length === 0 ||
            (value.appKey !== undefined && typeof value.appKey !== 'string') ||
            (value.mediaSessionId !== undefined && typeof value.mediaSessionId !== 'string');
          const expected = badField ? 400 : effectiveToken(value) === valid && globMatches('live-*', String(value.name)) ? 200 : 403;
          assert.equal(answer.status, expected, raw);
          if (expected === 200) assert.equal(answer.text, raw, 'the allow answer echoes the bytes');
          seen.set(expected, (seen.get(expected) ?? 0) + 1);
        }),
        { numRuns: NUM_RUNS * 2 },
      );
      // The generator must reach every outcome, or the property proves less than it says.
      for (const status of [200, 400, 403]) assert.ok((seen.get(status) ?? 0) > 0, `no case answered ${status}: ${JSON.stringify([...seen])}`);
    });

    test('any other method with arbitrary JSON is echoed byte for byte; a bad body is a 4xx; never 5xx', async () => {
      const method = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,30}$/).filter((m) => m !== 'playHLS');
      await fc.assert(
        fc.asyncProperty(method, fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ maxLength: 100 })), async (name, raw) => {
          const answer = await post(`/wcs/${name}`, raw);
          let parses = true;
          try {
            JSON.parse(raw);
          } catch {
            parses = false;
          }
          if (parses) {
            assert.equal(answer.status, 200);
            assert.equal(answer.text, raw);
          } else {
            assert.equal(answer.status, 400);
          }
        }),
        { numRuns: NUM_RUNS },
      );
    });

    test('arbitrary content types: 415 unless JSON, never 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,20}$/), async (contentType) => {
          const answer = await post('/wcs/playHLS', `{"name":"live-1","custom":{"token":"${valid}"}}`, contentType);
          const json = contentType === 'application/json' || /^application\/.*\+json$/.test(contentType);
          assert.equal(answer.status, json ? 200 : 415);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });
}
