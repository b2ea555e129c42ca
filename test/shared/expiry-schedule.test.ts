import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryIdempotencyStore } from '../../src/admin/memory-idempotency-store.js';
import { ExpirySchedule } from '../../src/shared/expiry-schedule.js';
import { MemoryJtiStore } from '../../src/tokens/jwt/memory-jti-store.js';
import { ManualClock } from '../helpers/manual-clock.js';

const MINUTE = 60_000;

test('a key is visited once, after the interval of its time has ended, and not before', () => {
  const schedule = new ExpirySchedule<string>(MINUTE);
  schedule.add('a', 10 * MINUTE + 5);
  schedule.add('b', 10 * MINUTE + 59_999);
  schedule.add('c', 11 * MINUTE);
  schedule.add('a', 30 * MINUTE);
  const visited: string[] = [];
  const visit = (key: string) => visited.push(key);
  schedule.takeDue(10 * MINUTE + 59_999, visit);
  assert.deepEqual(visited, [], 'the interval is not over yet');
  schedule.takeDue(11 * MINUTE, visit);
  assert.deepEqual(visited, ['a', 'b']);
  schedule.takeDue(12 * MINUTE, visit);
  schedule.takeDue(12 * MINUTE, visit);
  assert.deepEqual(visited, ['a', 'b', 'c'], 'each filing once');
  schedule.takeDue(31 * MINUTE, visit);
  assert.deepEqual(visited, ['a', 'b', 'c', 'a'], 'a key filed again is visited again');
});

/** The stores' periodic sweeps are private (a timer runs them once a minute). */
interface Swept {
  sweep(): void;
  entries: Map<string, unknown>;
}

test('the jti store and the idempotency store forget what has expired at their sweep, without being asked for it', async () => {
  const clock = new ManualClock();
  const now = clock.now();
  const jtis = new MemoryJtiStore(clock);
  const idempotency = new MemoryIdempotencyStore(clock);
  try {
    const use = (sessionId: string, keepUntil: number) => ({ once: true, consume: true, sessionId, keepUntil, now });
    assert.equal(await jtis.check('short', use('s1', now + 1_000)), 'ok');
    assert.equal(await jtis.check('long', use('s2', now + 10 * MINUTE)), 'ok');
    await jtis.revoke('revoked-long', now, now + 10 * MINUTE);
    assert.deepEqual(await idempotency.claim('pending', 'fp', 'owner-1', 1_000), { kind: 'claimed' });
    assert.deepEqual(await idempotency.claim('done', 'fp', 'owner-2', 1_000), { kind: 'claimed' });
    assert.equal(await idempotency.complete('done', 'owner-2', 'sealed answer', 10 * MINUTE), true);

    clock.advance(2 * MINUTE);
    (jtis as unknown as Swept).sweep();
    (idempotency as unknown as Swept).sweep();
    assert.equal((jtis as unknown as Swept).entries.size, 2, 'the short-lived jti is gone; the long one and the revocation stay');
    assert.deepEqual([...(idempotency as unknown as Swept).entries.keys()], ['done'], 'the pending claim is gone; the answer kept longer stays');
    assert.equal(await jtis.check('long', { ...use('other', now + 10 * MINUTE), now: clock.now() }), 'used');

    clock.advance(10 * MINUTE);
    (jtis as unknown as Swept).sweep();
    (idempotency as unknown as Swept).sweep();
    assert.equal((jtis as unknown as Swept).entries.size, 0);
    assert.equal((idempotency as unknown as Swept).entries.size, 0);
  } finally {
    await jtis.close();
    await idempotency.close();
  }
});
