import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAdminKeys } from '../../src/admin/admin-keys.js';
import { canonicalJson, idempotencySealer } from '../../src/admin/idempotency-seal.js';
import { MemoryIdempotencyStore } from '../../src/admin/memory-idempotency-store.js';
import { ManualClock } from '../helpers/manual-clock.js';

const [alice, bob] = parseAdminKeys('alice=alice-key-0123456789abcdef,bob=bob-key-0123456789abcdef01');

describe('idempotency sealing', () => {
  it('an answer sealed for one key opens only with that key, admin key and route', () => {
    const sealer = idempotencySealer(alice!, 'POST /v1/tokens', 'k-1');
    const sealed = sealer.seal({ status: 201, location: '/v1/tokens/tok_x', body: { token: 'wta_secret' } });
    assert.ok(!Buffer.from(sealed, 'base64').toString('latin1').includes('wta_secret'));
    assert.deepEqual(sealer.open(sealed).body, { token: 'wta_secret' });
    for (const other of [
      idempotencySealer(alice!, 'POST /v1/tokens', 'k-2'),
      idempotencySealer(bob!, 'POST /v1/tokens', 'k-1'),
      idempotencySealer(alice!, 'POST /v1/tokens/batch', 'k-1'),
    ]) {
      assert.notEqual(other.lookupId, sealer.lookupId);
      assert.throws(() => other.open(sealed));
    }
    const tampered = Buffer.from(sealed, 'base64');
    tampered[tampered.length - 1]! ^= 1;
    assert.throws(() => sealer.open(tampered.toString('base64')));
  });

  it('the fingerprint ignores key order but not values', () => {
    const { fingerprint } = idempotencySealer(alice!, 'POST /v1/tokens', 'k-1');
    assert.equal(fingerprint({ a: 1, b: [1, { c: 2, d: 3 }] }), fingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(fingerprint({ a: 1 }), fingerprint({ a: 2 }));
    assert.notEqual(fingerprint([1, 2]), fingerprint([2, 1]));
    assert.equal(canonicalJson({ b: 'x', a: null }), '{"a":null,"b":"x"}');
  });
});

describe('MemoryIdempotencyStore', () => {
  it('one claim wins; the owner completes or releases; an expired claim frees the key', async () => {
    const clock = new ManualClock();
    const store = new MemoryIdempotencyStore(clock);
    assert.deepEqual(await store.claim('id', 'fp', 'o1', 1000), { kind: 'claimed' });
    assert.deepEqual(await store.claim('id', 'fp2', 'o2', 1000), { kind: 'pending', fingerprint: 'fp' });
    await store.release('id', 'o2');
    assert.equal(await store.complete('id', 'o2', 'sealed', 5000), false, 'only the owner completes');
    clock.advance(1000);
    assert.deepEqual(await store.claim('id', 'fp', 'o3', 1000), { kind: 'claimed' });
    assert.equal(await store.complete('id', 'o3', 'sealed', 5000), true);
    assert.deepEqual(await store.claim('id', 'fp', 'o4', 1000), { kind: 'done', fingerprint: 'fp', sealed: 'sealed' });
    await store.close();
  });

  it('is bounded in bytes: the oldest answers are forgotten first', async () => {
    const store = new MemoryIdempotencyStore(new ManualClock(), 10);
    for (const id of ['a', 'b', 'c']) {
      await store.claim(id, 'fp', 'o', 1000);
      await store.complete(id, 'o', 'xxxxx', 5000);
    }
    assert.equal((await store.claim('a', 'fp', 'o', 1000)).kind, 'claimed');
    assert.equal((await store.claim('c', 'fp', 'o', 1000)).kind, 'done');
    await store.close();
  });
});
