import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clientIpFromSessionId } from '../../src/playback/client-ip.js';
import { canonicalIp } from '../../src/shared/ip-address.js';

/** clientIpFromSessionId as it was before issue 15 (slices and a regex), the reference for the index-based one. */
function withSlicesAndRegex(sessionId: unknown): string | undefined {
  if (typeof sessionId !== 'string' || !sessionId.startsWith('/')) return undefined;
  const end = sessionId.indexOf('/', 1);
  const endpoint = sessionId.slice(1, end === -1 ? undefined : end);
  const colon = endpoint.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = endpoint.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!/^\d{1,5}$/.test(endpoint.slice(colon + 1))) return undefined;
  return canonicalIp(host);
}

const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV6().map((a) => `[${a}]`), fc.ipV4().map((a) => `::ffff:${a}`), fc.string({ maxLength: 8 }));
const port = fc.oneof(fc.nat({ max: 99_999 }).map(String), fc.constantFrom('', '123456', '٣', 'port', '08'), fc.string({ maxLength: 3 }));
const sessionId = fc.oneof(
  fc.tuple(host, port, fc.constantFrom('/192.168.1.5:8445', '', '/', '//x')).map(([h, p, rest]) => `/${h}:${p}${rest}`),
  fc.tuple(host, fc.constantFrom('', '/x', ':')).map(([h, rest]) => `/${h}${rest}`),
  fc.string({ unit: fc.constantFrom('/', ':', '1', '.', '[', ']', 'a', '%'), maxLength: 12 }),
  fc.string({ maxLength: 20 }),
);

describe('clientIpFromSessionId read by index (issue 15)', () => {
  it('answers what the slice-and-regex version answered, for any sessionId', () => {
    fc.assert(
      fc.property(sessionId, (id) => assert.equal(clientIpFromSessionId(id), withSlicesAndRegex(id), id)),
      { numRuns: 10_000 },
    );
  });
});
