import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hexInRange, IpRangeList, normalizeIp, parseCidr, type IpRange } from '../../src/shared/ip-address.js';

// Small universes, so that random addresses fall inside random ranges often, across both families.
const octet = fc.constantFrom(0, 1, 10, 127, 128, 192, 255);
const quad = fc.tuple(octet, octet, octet, octet).map((octets) => octets.join('.'));
const group = fc.constantFrom('0', '1', 'ffff', '2001', 'db8', '8000', 'fe80');
const v6 = fc.array(group, { minLength: 8, maxLength: 8 }).map((groups) => groups.join(':'));
const address = fc.oneof(quad, quad.map((a) => `::ffff:${a}`), quad.map((a) => `::${a}`), v6, fc.constantFrom('::', '::1', '::ffff:0:0'));
const range = fc
  .tuple(address, fc.nat({ max: 128 }))
  .map(([base, prefix]) => parseCidr(`${base}/${base.includes(':') ? prefix : prefix % 33}`))
  .filter((parsed): parsed is IpRange => parsed !== undefined);

/** What IpRangeList was before issue 15: node's BlockList over the canonical CIDRs. */
function blockListOf(ranges: readonly IpRange[]): BlockList {
  const list = new BlockList();
  for (const { cidr } of ranges) {
    const [network = '', prefix = ''] = cidr.split('/');
    list.addSubnet(network, Number(prefix), network.includes(':') ? 'ipv6' : 'ipv4');
  }
  return list;
}

describe('IpRangeList matches hex against hex (issue 15)', () => {
  it('answers what node BlockList answers, for every address and list of ranges', () => {
    let matches = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(range, { maxLength: 3 }), fc.array(address, { minLength: 1, maxLength: 5 }), (ranges, addresses) => {
        const list = new IpRangeList(ranges);
        const reference = blockListOf(ranges);
        for (const text of addresses) {
          const ip = normalizeIp(text);
          assert.ok(ip, text);
          const expected = ranges.length > 0 && reference.check(ip.text, ip.family === 4 ? 'ipv4' : 'ipv6');
          assert.equal(list.includes(ip), expected, `${text} in ${ranges.map((r) => r.cidr).join(',')}`);
          assert.equal(list.includesAddress(text), expected, text);
          assert.equal(ranges.some((r) => hexInRange(ip.hex, r)), expected, `Redis comparison: ${text}`);
          runs++;
          if (expected) matches++;
        }
      }),
      { numRuns: 3_000 },
    );
    assert.ok(matches > runs / 20, `the sample covers matches (${matches}) as well as misses (${runs - matches})`);
  });
});
