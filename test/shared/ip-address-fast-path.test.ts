import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalIp, normalizeIp, normalizeIpGeneral } from '../../src/shared/ip-address.js';
import { normalizeCommonIp, UNCOMMON } from '../../src/shared/ip-fast-path.js';

const octet = fc.nat({ max: 255 });
const quad = fc.tuple(octet, octet, octet, octet).map((octets) => octets.join('.'));
const mappedPrefix = fc.constantFrom('::ffff:', '::FFFF:', '::fFfF:', '::Ffff:');
// Octets as they are written by careless or hostile clients: leading zeros, out of range, signs, empty.
const oddOctet = fc.oneof(
  octet.map(String),
  octet.map((n) => `0${n}`),
  octet.map((n) => `00${n}`),
  fc.integer({ min: 256, max: 99_999 }).map(String),
  fc.constantFrom('', '-1', '+1', '0x1f', '1e2', ' 1', '1 ', '٣', '１'),
);
const oddQuad = fc.array(oddOctet, { minLength: 1, maxLength: 6 }).map((octets) => octets.join('.'));
const space = fc.constantFrom('', ' ', '\t', '\n', '\u00a0', '\ufeff', '\u2028');
const hostileChars = fc.constantFrom(...'0123456789.:fFx%[] \t'.split(''), '\u0000', '\ud800', 'é');

/** Every shape the property tests feed both paths. */
const input = fc.oneof(
  quad,
  fc.tuple(mappedPrefix, quad).map(([prefix, address]) => prefix + address),
  oddQuad,
  fc.tuple(fc.constantFrom('', '::ffff:', '::', '0:0:0:0:0:ffff:', '::ffff:0:', '[', '::fffe:'), oddQuad).map(([a, b]) => a + b),
  fc.tuple(space, fc.oneof(quad, fc.tuple(mappedPrefix, quad).map(([a, b]) => a + b)), space).map(([a, b, c]) => a + b + c),
  fc.tuple(fc.oneof(quad, fc.ipV6()), fc.constantFrom('%eth0', '%', '%1', '/8', ':80', ']')).map(([a, b]) => a + b),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.constant(''),
  fc.string({ unit: hostileChars, maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 16 }),
);

describe('the fast path of normalizeIp (issue 15)', () => {
  it('answers exactly what the ipaddr.js path answers, whenever it answers', () => {
    fc.assert(
      fc.property(input, (address) => {
        const fast = normalizeCommonIp(address);
        if (fast !== UNCOMMON) assert.deepEqual(fast, normalizeIpGeneral(address));
      }),
      { numRuns: 20_000 },
    );
  });

  it('normalizeIp and canonicalIp are byte-identical to the ipaddr.js path for every input', () => {
    fc.assert(
      fc.property(input, input, (first, second) => {
        // Two in a row: the second may be served by the last-value cache, which must not change the answer.
        for (const address of [first, second, first]) {
          const expected = normalizeIpGeneral(address);
          assert.deepEqual(normalizeIp(address), expected, address);
          assert.equal(canonicalIp(address), expected?.text, address);
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it('a canonical text is its own canonical form (the cache answers for it)', () => {
    fc.assert(
      fc.property(input, (address) => {
        const parsed = normalizeIpGeneral(address);
        if (parsed) assert.deepEqual(normalizeIpGeneral(parsed.text), parsed);
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the common spellings, and only those', () => {
    const taken: [string, string][] = [
      ['203.0.113.7', '00000000000000000000ffffcb007107'],
      ['0.0.0.0', '00000000000000000000ffff00000000'],
      ['255.255.255.255', '00000000000000000000ffffffffffff'],
      ['::ffff:203.0.113.7', '00000000000000000000ffffcb007107'],
      ['::FFFF:10.0.0.1', '00000000000000000000ffff0a000001'],
    ];
    for (const [address, hex] of taken) {
      const fast = normalizeCommonIp(address);
      assert.notEqual(fast, UNCOMMON, address);
      assert.equal(fast !== UNCOMMON && fast.hex, hex, address);
    }
    for (const address of ['01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.4%eth0', '::ffff:01.2.3.4', '2001:db8::1', '']) {
      assert.equal(normalizeCommonIp(address), UNCOMMON, address);
    }
    // The general path still decides them: refused or read the same as before.
    assert.equal(canonicalIp('01.2.3.4'), undefined);
    assert.equal(canonicalIp(' 1.2.3.4 '), '1.2.3.4');
    assert.equal(canonicalIp('1.2.3.4%eth0'), '1.2.3.4');
  });

  it('hands out frozen results, so a cached one cannot be changed by a caller', () => {
    assert.ok(Object.isFrozen(normalizeIp('203.0.113.7')));
    assert.ok(Object.isFrozen(normalizeIp('2001:db8::1')));
  });
});
