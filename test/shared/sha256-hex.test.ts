import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sha256Hex } from '../../src/shared/secrets.js';

test('sha256Hex gives the standard SHA-256 digest in lowercase hex, for strings and bytes', () => {
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const token = 'wta_' + 'x'.repeat(43);
  assert.equal(sha256Hex(token), createHash('sha256').update(token).digest('hex'));
});
