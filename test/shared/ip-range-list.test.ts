import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IpRangeList, parseCidrList } from '../../src/shared/ip-address.js';
import { proxiedClientIp } from '../../src/playback/proxied-client-ip.js';

describe('parseCidrList and IpRangeList (TRUSTED_PROXY_CIDRS)', () => {
  const list = new IpRangeList(parseCidrList('127.0.0.0/8, ::1/128, 10.1.2.3, 2001:db8::/32'));
  const cases: [string | undefined, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    ['10.1.2.3', true],
    ['10.1.2.4', false],
    ['2001:db8::5', true],
    ['2001:db9::5', false],
    ['128.0.0.1', false],
    ['not-an-ip', false],
    [undefined, false],
  ];
  for (const [address, expected] of cases) {
    test(`${String(address)} is ${expected ? '' : 'not '}in the list`, () => assert.equal(list.includesAddress(address), expected));
  }

  test('an empty list contains nothing', () => assert.equal(new IpRangeList([]).includesAddress('127.0.0.1'), false));

  for (const bad of ['127.0.0.1/33', '::1/129', 'localhost', '10.0.0.0/8/1', '10.0.0.0/x', '300.1.1.1', 'fe80::1%eth0']) {
    test(`refuses ${bad}, naming the entry`, () => assert.throws(() => parseCidrList(bad), new RegExp(bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))));
  }
});

describe('proxiedClientIp', () => {
  const trusted = new IpRangeList(parseCidrList('127.0.0.0/8,10.0.0.0/8'));
  const cases: [string, string | undefined, { realIp?: string; forwardedFor?: string }, string | undefined][] = [
    ['untrusted peer: headers ignored', '203.0.113.9', { realIp: '1.1.1.1', forwardedFor: '2.2.2.2' }, '203.0.113.9'],
    ['trusted peer: X-Real-IP wins', '127.0.0.1', { realIp: '203.0.113.7', forwardedFor: '2.2.2.2' }, '203.0.113.7'],
    ['trusted peer: rightmost untrusted X-Forwarded-For hop', '127.0.0.1', { forwardedFor: '9.9.9.9, 203.0.113.7, 10.0.0.2' }, '203.0.113.7'],
    ['trusted peer: all hops trusted gives the leftmost', '127.0.0.1', { forwardedFor: '10.0.0.3, 10.0.0.2' }, '10.0.0.3'],
    ['trusted peer: garbage hop stops the walk', '127.0.0.1', { forwardedFor: '203.0.113.7, garbage' }, '127.0.0.1'],
    ['trusted peer: bad X-Real-IP falls back', '127.0.0.1', { realIp: 'nope', forwardedFor: '203.0.113.7' }, '203.0.113.7'],
    ['trusted peer: no headers', '127.0.0.1', {}, '127.0.0.1'],
    ['IPv4-mapped peer is reported as IPv4', '::ffff:203.0.113.9', {}, '203.0.113.9'],
    ['no peer address', undefined, { realIp: '1.1.1.1' }, undefined],
  ];
  for (const [name, peer, headers, expected] of cases) {
    test(name, () => assert.equal(proxiedClientIp(peer, { realIp: headers.realIp, forwardedFor: headers.forwardedFor }, trusted), expected));
  }
});
