import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisJtiStore } from '../../../src/tokens/jwt/redis-jti-store.js';

/** Issue 15: the jti store keeps the key names of recent jtis (one SHA-256 less per decision); each must stay exact. */
test('a jti key is the prefix and the SHA-256 of the jti, kept or not', () => {
  // Never connects: the key names need no server.
  const redis = new Redis({ lazyConnect: true });
  const store = new RedisJtiStore({ redis, keyPrefix: 'p:' });
  const expected = (jti: string) => `p:j:{${createHash('sha256').update(jti).digest('hex')}}`;
  const jtis = ['a', 'b', 'é😀', 'x'.repeat(128), 'y'.repeat(129), ''];
  for (let round = 0; round < 2; round++) for (const jti of jtis) assert.equal(store.jtiKey(jti), expected(jti), jti.slice(0, 10));
  // More jtis than are kept: the names stay right after the store empties its list.
  for (let i = 0; i < 10_000; i++) {
    const jti = `jti-${i % 5000}`;
    assert.equal(store.jtiKey(jti), expected(jti));
  }
  redis.disconnect();
});
