import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryIdempotencyStore } from '../../src/admin/memory-idempotency-store.js';
import { RedisIdempotencyStore } from '../../src/admin/redis-idempotency-store.js';
import type { IdempotencyStore } from '../../src/admin/idempotency-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { ManualClock } from '../helpers/manual-clock.js';

/**
 * Both idempotency stores decide alike, operation by operation (the API tests in idempotency.test.ts see only
 * what reaches an HTTP answer). `pass(ms)` lets time run: the memory store's clock, or real time for Redis.
 */
const PENDING_MS = 200;

for (const kind of ['memory', 'redis'] as const) {
  describe(`IdempotencyStore contract (${kind})`, () => {
    let redis: TestRedis | undefined;
    let store: IdempotencyStore;
    const clock = new ManualClock(Date.now());
    const pass = async (ms: number) => (kind === 'memory' ? clock.advance(ms) : sleep(ms));
    let n = 0;
    const id = () => `id-${++n}`;

    before(async () => {
      if (kind === 'redis') {
        redis = await startTestRedis();
        store = new RedisIdempotencyStore({ redis: redis.client, keyPrefix: redis.keyPrefix });
      } else {
        store = new MemoryIdempotencyStore(clock);
      }
    });
    after(async () => {
      await store.close();
      await redis?.stop();
    });

    test('a second claim sees the first pending, then done with its sealed answer', async () => {
      const key = id();
      assert.deepEqual(await store.claim(key, 'fp-1', 'owner-a', PENDING_MS), { kind: 'claimed' });
      assert.deepEqual(await store.claim(key, 'fp-2', 'owner-b', PENDING_MS), { kind: 'pending', fingerprint: 'fp-1' });
      assert.equal(await store.complete(key, 'owner-b', 'not-mine', 60_000), false);
      assert.equal(await store.complete(key, 'owner-a', 'sealed-answer', 60_000), true);
      assert.deepEqual(await store.claim(key, 'fp-1', 'owner-c', PENDING_MS), { kind: 'done', fingerprint: 'fp-1', sealed: 'sealed-answer' });
      // A done entry has no owner any more: neither completing nor releasing it again changes it.
      assert.equal(await store.complete(key, 'owner-a', 'overwritten', 60_000), false);
      await store.release(key, 'owner-a');
      assert.equal((await store.claim(key, 'fp-1', 'owner-d', PENDING_MS)).kind, 'done');
    });

    test('release frees the key only for its owner', async () => {
      const key = id();
      await store.claim(key, 'fp', 'owner-a', PENDING_MS);
      await store.release(key, 'owner-b');
      assert.equal((await store.claim(key, 'fp', 'owner-c', PENDING_MS)).kind, 'pending');
      await store.release(key, 'owner-a');
      assert.equal((await store.claim(key, 'fp', 'owner-c', PENDING_MS)).kind, 'claimed');
    });

    test('a pending claim runs out by itself, and its owner can no longer complete it', async () => {
      const key = id();
      await store.claim(key, 'fp', 'owner-a', PENDING_MS);
      await pass(PENDING_MS + 50);
      assert.equal(await store.complete(key, 'owner-a', 'late', 60_000), false);
      assert.equal((await store.claim(key, 'fp', 'owner-b', PENDING_MS)).kind, 'claimed');
    });

    test('a kept answer is forgotten after its keep time', async () => {
      const key = id();
      await store.claim(key, 'fp', 'owner-a', PENDING_MS);
      assert.equal(await store.complete(key, 'owner-a', 'sealed', PENDING_MS), true);
      await pass(PENDING_MS + 50);
      assert.equal((await store.claim(key, 'fp', 'owner-b', PENDING_MS)).kind, 'claimed');
    });
  });
}

describe('MemoryIdempotencyStore byte bound', () => {
  test('past maxBytes the oldest answers are forgotten first; pending claims are kept', async () => {
    const store = new MemoryIdempotencyStore(new ManualClock(Date.now()), 25);
    try {
      await store.claim('pending', 'fp', 'owner-p', 60_000);
      for (const key of ['a', 'b', 'c']) {
        await store.claim(key, 'fp', `owner-${key}`, 60_000);
        assert.equal(await store.complete(key, `owner-${key}`, 'x'.repeat(10), 60_000), true);
      }
      assert.equal((await store.claim('a', 'fp', 'other', 60_000)).kind, 'claimed', 'the oldest answer was evicted');
      assert.equal((await store.claim('b', 'fp', 'other', 60_000)).kind, 'done');
      assert.equal((await store.claim('c', 'fp', 'other', 60_000)).kind, 'done');
      assert.equal((await store.claim('pending', 'fp', 'other', 60_000)).kind, 'pending');
    } finally {
      await store.close();
    }
  });
});
