import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { JtiKeys, jtiKeyPart } from '../../../src/tokens/jwt/jti-store.js';

/** Issue 15: both jti stores keep the keys of recent jtis (one SHA-256 less per decision); each must stay exact. */
test('JtiKeys answers keyOf(jti), kept or not, also after it empties its list', () => {
  const sha = (jti: string) => createHash('sha256').update(jti).digest('hex');
  let built = 0;
  const keys = new JtiKeys((jti) => {
    built += 1;
    return jtiKeyPart(jti);
  });
  const jtis = ['a', 'b', 'é😀', 'x'.repeat(128), 'y'.repeat(129), ''];
  for (let round = 0; round < 2; round++) for (const jti of jtis) assert.equal(keys.of(jti), sha(jti), jti.slice(0, 10));
  // The second round built only the jti too long to keep.
  assert.equal(built, jtis.length + 1);
  for (let i = 0; i < 10_000; i++) {
    const jti = `jti-${i % 5000}`;
    assert.equal(keys.of(jti), sha(jti));
  }
});
