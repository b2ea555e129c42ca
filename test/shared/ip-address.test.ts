import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { hexInRange, IpRangeList, normalizeIp, parseCidr } from '../../src/shared/ip-address.js';

describe('IP addresses and ranges', () => {
  it('normalizes addresses: IPv4-mapped IPv6 is IPv4, IPv6 is compressed, zones and brackets are dropped', () => {
    const cases: [string, string | undefined][] = [
      ['192.0.2.1', '192.0.2.1'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['::FFFF:c000:0201', '192.0.2.1'],
      // IPv4-compatible (deprecated) is another address than IPv4-mapped: IPv6, printed in hex.
      ['::192.0.2.1', '::c000:201'],
      ['2001:db8::192.0.2.1', '2001:db8::c000:201'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['[2001:db8::1]', '2001:db8::1'],
      ['fe80::1%eth0', 'fe80::1'],
      ['192.0.2', undefined],
      ['not-an-ip', undefined],
      ['', undefined],
    ];
    for (const [input, text] of cases) assert.equal(normalizeIp(input)?.text, text, input);
  });

  it('parses CIDR ranges into canonical form and refuses anything else', () => {
    const cases: [string, string | undefined][] = [
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['192.0.2.7', '192.0.2.7/32'],
      ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
      ['::ffff:0:0/96', '0.0.0.0/0'],
      ['::10.0.0.0/104', '::a00:0/104'],
      ['2001:db8::1/32', '2001:db8::/32'],
      ['::/0', '::/0'],
      ['10.0.0.0/33', undefined],
      ['2001:db8::/129', undefined],
      ['10.0.0.0/8/8', undefined],
      ['10.0.0.0/-1', undefined],
      ['fe80::/10%eth0', undefined],
      ['example.com/8', undefined],
    ];
    for (const [input, cidr] of cases) assert.equal(parseCidr(input)?.cidr, cidr, input);
  });

  it('the comparison of the Redis script agrees with node BlockList on random addresses and ranges', () => {
    const randomV4 = () => Array.from({ length: 4 }, () => randomInt(256)).join('.');
    const randomV6 = () => {
      // Mostly near each other, so that prefixes of every length both match and miss.
      const groups = ['2001', 'db8', ...Array.from({ length: 6 }, () => randomInt(4).toString(16))];
      return groups.join(':');
    };
    let matches = 0;
    for (let i = 0; i < 2000; i++) {
      const v6 = i % 2 === 1;
      const base = v6 ? randomV6() : randomV4();
      const prefix = randomInt(v6 ? 129 : 33);
      const range = parseCidr(`${base}/${prefix}`);
      assert.ok(range);
      const rules = IpRangeList.fromCidrs([range.cidr]);
      for (let j = 0; j < 5; j++) {
        const candidate = normalizeIp(i % 4 === 0 ? `::ffff:${randomV4()}` : v6 ? randomV6() : randomV4());
        assert.ok(candidate);
        const viaBlockList = rules.includes(candidate);
        assert.equal(hexInRange(candidate.hex, range), viaBlockList, `${candidate.text} in ${range.cidr}`);
        if (viaBlockList) matches++;
      }
    }
    assert.ok(matches > 100, 'the sample covers matches as well as misses');
  });
});
