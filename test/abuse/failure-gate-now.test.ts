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

function ticketOf(answer: GateTicket | 'limited' | undefined): GateTicket {
  assert.ok(answer !== undefined && answer !== 'limited', `expected a ticket, got ${String(answer)}`);
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
