import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FailureGate, type GateTicket } from '../../src/abuse/failure-gate.js';
import { MemoryFailureLimiter, type FailureLimiter, type LimitKey } from '../../src/abuse/failure-limiter.js';
import { RedisFailureLimiter } from '../../src/abuse/redis-failure-limiter.js';
import { ManualClock } from '../helpers/manual-clock.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function memory(): MemoryFailureLimiter {
  return new MemoryFailureLimiter({ windowMs: 60_000, clock: new ManualClock(Date.now()) });
}

function ticketOf(answer: GateTicket | 'limited' | undefined, message = 'expected a ticket'): GateTicket {
  assert.ok(answer !== undefined && answer !== 'limited', `${message}, got ${String(answer)}`);
  return answer;
}

describe('FailureGate.admitNow', () => {
  const ONE: LimitKey[] = [{ key: 'g:ip:now', max: 1 }];

  test('answers at once over the memory limiter: a ticket, then limited once the failures are used up', async () => {
    const g = new FailureGate(memory());
    const ticket = ticketOf(g.admitNow(ONE));
    await ticket.finish(true);
    assert.equal(g.admitNow(ONE), 'limited');
    assert.equal(await g.admit(ONE), 'limited', 'the same answer as admit');
  });

  test('cannot answer at once with a limiter that reads asynchronously (Redis): undefined', () => {
    assert.equal('remainingNow' in RedisFailureLimiter.prototype, false);
    const limiter = memory();
    const asyncOnly: FailureLimiter = { remaining: (keys) => limiter.remaining(keys), recordFailure: (keys) => limiter.recordFailure(keys) };
    assert.equal(new FailureGate(asyncOnly).admitNow(ONE), undefined);
  });

  test('defers to admit while anyone is in flight, waiting or checking on a key, or a failure is being recorded', async () => {
    const g = new FailureGate(memory());
    const held = ticketOf(await g.admit(ONE));
    assert.equal(g.admitNow(ONE), undefined, 'in flight');
    const waiter = g.admit(ONE);
    await tick();
    assert.equal(g.admitNow(ONE), undefined, 'waiting');
    void held.finish(false);
    // The woken waiter holds the checker slot until it has read the limiter: a newcomer must not take its room.
    assert.equal(g.admitNow(ONE), undefined, 'checking');
    const served = ticketOf(await waiter);
    const recorded = served.finish(true);
    assert.equal(g.admitNow(ONE), undefined, 'recording');
    await recorded;
    assert.equal(g.admitNow(ONE), 'limited');
  });

  test('a failure recorded from an admitNow ticket counts while its recording is pending', async () => {
    const limiter = memory();
    let release = () => {};
    const slow: FailureLimiter = {
      remaining: (keys) => limiter.remaining(keys),
      remainingNow: (keys) => limiter.remainingNow(keys),
      // The count reaches the limiter only when released: until then only the gate knows of it.
      recordFailure: (keys) => new Promise<void>((resolve) => (release = resolve)).then(() => limiter.recordFailure(keys)),
    };
    const g = new FailureGate(slow);
    const recording = ticketOf(g.admitNow(ONE)).finish(true);
    assert.equal(await g.admit(ONE), 'limited');
    release();
    await recording;
    assert.equal(g.admitNow(ONE), 'limited');
  });

  test('mixed synchronous and asynchronous attempts arriving over time: exactly max failures get through', async () => {
    for (const mixed of [false, true]) {
      const g = new FailureGate(memory());
      const keys = [{ key: 'g:ip:mixed', max: 5 }, { key: 'g:s:mixed', max: 7 }];
      let failures = 0;
      let immediate = 0;
      const one = async (i: number) => {
        await new Promise((resolve) => setTimeout(resolve, i % 5));
        const failed = !mixed || i % 3 === 0;
        // Every other attempt tries the synchronous way first; one answered at once ends in the same turn.
        const now = i % 2 === 0 ? g.admitNow(keys) : undefined;
        if (now === 'limited') return;
        if (now !== undefined) {
          immediate += 1;
          if (failed) failures += 1;
          await now.finish(failed);
          return;
        }
        const ticket = await g.admit(keys);
        if (ticket === 'limited') return;
        await tick();
        if (failed) failures += 1;
        await ticket.finish(failed);
      };
      await Promise.all(Array.from({ length: 300 }, (_, i) => one(i)));
      assert.equal(failures, 5, `mixed ${mixed}`);
      assert.ok(immediate > 0, 'some attempts were admitted at once');
    }
  });
});

describe('FailureGate.admitHeld', () => {
  const ONE: LimitKey[] = [{ key: 'g:ip:held', max: 1 }];

  test('a held ticket takes a place in flight: admit and admitHeld wait for it, and it is limited once it failed', async () => {
    const g = new FailureGate(memory());
    const held = ticketOf(g.admitHeld(ONE));
    assert.equal(g.admitHeld(ONE), undefined, 'no room while the held attempt may still fail');
    assert.equal(g.admitNow(ONE), undefined);
    let waited: GateTicket | 'limited' | undefined;
    const waiter = g.admit(ONE).then((answer) => (waited = answer));
    await tick();
    assert.equal(waited, undefined, 'admit waits for the held attempt');
    assert.equal(g.admitHeld(ONE), undefined, 'someone waits: only admit keeps the order');
    await held.finish(true);
    assert.equal(await waiter, 'limited');
    assert.equal(g.admitHeld(ONE), 'limited');
  });

  test('defers to admit while a failure is being recorded (the limiter may count it already): no double count', async () => {
    const g = new FailureGate(memory());
    const two: LimitKey[] = [{ key: 'g:ip:held-two', max: 2 }];
    // The memory limiter counts at once; the gate counts the failure too until its recording has settled.
    const recording = ticketOf(g.admitHeld(two)).finish(true);
    assert.equal(g.admitHeld(two), undefined);
    ticketOf(await g.admit(two), 'admit: one failure left').finish(false);
    await recording;
    const last = ticketOf(g.admitHeld(two));
    await last.finish(true);
    assert.equal(g.admitHeld(two), 'limited');
  });

  test('a held ticket that ends without a failure frees its place for the next', async () => {
    const g = new FailureGate(memory());
    await ticketOf(g.admitHeld(ONE)).finish(false);
    const again = ticketOf(g.admitHeld(ONE));
    await again.finish(false);
    assert.equal(await again.finish(true), undefined, 'a ticket finishes once');
    ticketOf(await g.admit(ONE));
  });

  test('an admitNow ticket made to hold (its lookup must wait after all) keeps its place until finished', async () => {
    const g = new FailureGate(memory());
    const ticket = ticketOf(g.admitNow(ONE));
    ticket.hold();
    ticket.hold();
    assert.equal(g.admitNow(ONE), undefined, 'in flight');
    assert.equal(g.admitHeld(ONE), undefined, 'no room left');
    await ticket.finish(false);
    ticket.hold();
    await ticketOf(g.admitNow(ONE), 'finished: its place is free, and holding after finish takes none').finish(true);
    assert.equal(g.admitNow(ONE), 'limited');
  });

  test('over the Redis limiter: answers at once only when it learns counts locally', () => {
    const redis = { defineCommand() {} } as unknown as ConstructorParameters<typeof RedisFailureLimiter>[0];
    const local = new RedisFailureLimiter(redis, { keyPrefix: 't:', windowMs: 60_000, learnLocally: true });
    const shared = new RedisFailureLimiter(redis, { keyPrefix: 't:', windowMs: 60_000 });
    assert.deepEqual(local.remainingNow?.(ONE), [1]);
    assert.equal(shared.remainingNow, undefined);
    ticketOf(new FailureGate(local).admitHeld(ONE));
    assert.equal(new FailureGate(shared).admitHeld(ONE), undefined);
  });

  test('held and asynchronous attempts under load, spanning turns: never more than max failures, in order', async () => {
    for (const failEvery of [1, 2, 3]) {
      const limiter = memory();
      // Recording takes a turn or two, like a Redis INCR: the gate must count it meanwhile.
      const slow: FailureLimiter = {
        remaining: (keys) => limiter.remaining(keys),
        remainingNow: (keys) => limiter.remainingNow(keys),
        recordFailure: async (keys) => {
          await tick();
          await limiter.recordFailure(keys);
        },
      };
      const g = new FailureGate(slow);
      const keys = [{ key: 'g:ip:stress', max: 4 }, { key: 'g:s:stress', max: 6 }];
      let failures = 0;
      let held = 0;
      let inFlight = 0;
      let most = 0;
      const one = async (i: number) => {
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        const failed = i % failEvery === 0;
        // Most try the synchronous way first, so that held tickets meet each other as well as async ones.
        const now = i % 4 !== 3 ? g.admitHeld(keys) : undefined;
        if (now === 'limited') return;
        if (now !== undefined) held += 1;
        const ticket = now ?? (await g.admit(keys));
        if (ticket === 'limited') return;
        inFlight += 1;
        most = Math.max(most, inFlight);
        // The lookup spans turns, as one waiting for Redis does.
        for (let t = 0; t < 1 + (i % 3); t++) await tick();
        inFlight -= 1;
        if (failed) failures += 1;
        await ticket.finish(failed);
      };
      await Promise.all(Array.from({ length: 400 }, (_, i) => one(i)));
      assert.equal(failures, 4, `fail every ${failEvery}: exactly max failures got a lookup`);
      assert.ok(most <= 4, `never more attempts in flight than failures left (${most})`);
      assert.ok(held > 0, 'some attempts were admitted at once');
      assert.equal(g.admitHeld(keys), 'limited');
    }
  });
});
