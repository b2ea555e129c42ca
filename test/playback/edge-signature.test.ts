import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { edgeTokenId, signEdge } from '../../src/playback/edge-signature.js';

const settings = { secret: 's'.repeat(32), ttlSeconds: 30, bindAddress: true };
const input = { rawDirectory: '/live', tokenId: 'tok_1', remoteAddr: '203.0.113.7', nowSeconds: 1_000 };

describe('edge signatures (what nginx secure_link_md5 recomputes)', () => {
  test('base64url MD5 of expires|address|token id|stream|secret, expiring after the TTL', () => {
    const signed = signEdge(input, settings);
    const expected = createHash('md5').update(`1030|203.0.113.7|tok_1|/live|${settings.secret}`).digest('base64url');
    assert.deepEqual(signed, { expires: 1030, signature: expected, query: `wta_exp=1030&wta_tid=tok_1&wta_ip=1&wta_sig=${expected}` });
  });

  test('without address binding the address field is empty and wta_ip=0 says so', () => {
    const signed = signEdge(input, { ...settings, bindAddress: false });
    const expected = createHash('md5').update(`1030||tok_1|/live|${settings.secret}`).digest('base64url');
    assert.equal(signed?.signature, expected);
    assert.match(signed?.query ?? '', /&wta_ip=0&/);
  });

  test('no signature when the address to bind is unknown', () => {
    assert.equal(signEdge({ ...input, remoteAddr: undefined }, settings), undefined);
  });

  test('every field changes the signature', () => {
    const base = signEdge(input, settings)?.signature;
    assert.equal(typeof base, 'string');
    const variants = [
      signEdge({ ...input, rawDirectory: '/other' }, settings),
      signEdge({ ...input, rawDirectory: '/live/720' }, settings),
      signEdge({ ...input, tokenId: 'tok_2' }, settings),
      signEdge({ ...input, remoteAddr: '203.0.113.8' }, settings),
      signEdge({ ...input, nowSeconds: 1_001 }, settings),
      signEdge(input, { ...settings, secret: 't'.repeat(32) }),
    ];
    // Each variant signed (undefined would differ from the base without the field having changed anything).
    for (const variant of variants) assert.notEqual(variant?.signature ?? base, base);
  });

  test('a token id that could be confused with a separator or break a URI is replaced by a hash', () => {
    assert.equal(edgeTokenId('abc-DEF_1.2~'), 'abc-DEF_1.2~');
    assert.match(edgeTokenId('a|b'), /^h\.[A-Za-z0-9_-]{22}$/);
    assert.match(edgeTokenId('a&wta_sig=x'), /^h\./);
    assert.equal(edgeTokenId(null), '-');
  });
});
