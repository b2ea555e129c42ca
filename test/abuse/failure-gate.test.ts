import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FailureGate } from '../../src/abuse/failure-gate.js';
import { MemoryFailureLimiter, type FailureLimiter } from '../../src/abuse/failure-limiter.js';
import { RedisFailureLimiter } from '../../src/abuse/redis-failure-limiter.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { ManualClock } from '../helpers/manual-clock.js';

const KEY = [{ key: 'g:ip:test', max: 5 }];
const tick = () => new Promise((resolve) => setImmediate(resolve));

function gate() {
  return new FailureGate(new MemoryFailureLimiter({ windowMs: 60_000, clock: new ManualClock(Date.now()) }));
}

/** An attempt that holds its ticket until `release` is called, then fails or succeeds. */
async function attempt(g: FailureGate, outcome: Promise<boolean>): Promise<'limited' | 'failed' | 'succeeded'> {
  const ticket = await g.admit(KEY);
  if (ticket === 'limited') return 'limited';
  const failed = await outcome;
  await ticket.finish(failed);
  return failed ? 'failed' : 'succeeded';
}

describe('FailureGate', () => {
  test('100 parallel attempts that all fail: exactly max are admitted, the rest are limited, none hangs', async () => {
    const g = gate();
    let release: (failed: boolean) => void = () => {};
    const outcome = new Promise<boolean>((resolve) => (release = resolve));
    const results = Promise.all(Array.from({ length: 100 }, () => attempt(g, outcome)));
    await tick();
    release(true);
    const counts = (await results).reduce<Record<string, number>>((all, r) => ({ ...all, [r]: (all[r] ?? 0) + 1 }), {});
    assert.deepEqual(counts, { failed: 5, limited: 95 });
  });

  test('attempts that succeed free their place: 100 parallel successes are all admitted, none limited', async () => {
    const g = gate();
    const results = await Promise.all(Array.from({ length: 100 }, () => attempt(g, tick().then(() => false))));
    assert.deepEqual([...new Set(results)], ['succeeded']);
  });

  test('mixed successes and failures: exactly max failures get through, then the key is limited', async () => {
    const g = gate();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(g, tick().then(() => i % 3 === 0))));
    assert.equal(results.filter((r) => r === 'failed').length, 5);
    assert.equal(await g.admit(KEY), 'limited');
  });
});

describe('FailureGate: first come, first served', () => {
  const ONE = [{ key: 'g:ip:fifo', max: 1 }];

  test('a waiter woken by a finished attempt is not overtaken by an attempt that arrives just then', async () => {
    const g = gate();
    const order: string[] = [];
    const first = await g.admit(ONE);
    assert.notEqual(first, 'limited');
    const admitted = (name: string) => async (ticket: Awaited<ReturnType<FailureGate['admit']>>) => {
      assert.notEqual(ticket, 'limited');
      order.push(name);
      await tick();
      if (ticket !== 'limited') await ticket.finish(false);
    };
    const waiter = g.admit(ONE).then(admitted('waiter'));
    await tick();
    if (first !== 'limited') void first.finish(false);
    const newcomer = g.admit(ONE).then(admitted('newcomer'));
    await Promise.all([waiter, newcomer]);
    assert.deepEqual(order, ['waiter', 'newcomer']);
  });

  test('under contention, 60 attempts arriving one by one are admitted in their order of arrival', async () => {
    const g = gate();
    const two = [{ key: 'g:ip:fifo2', max: 2 }];
    const order: number[] = [];
    const run = async (i: number) => {
      const ticket = await g.admit(two);
      assert.notEqual(ticket, 'limited');
      order.push(i);
      for (let t = 0; t < 1 + (i % 3); t++) await tick();
      if (ticket !== 'limited') await ticket.finish(false);
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      all.push(run(i));
      if (i % 4 === 3) await tick();
    }
    await Promise.all(all);
    assert.deepEqual(order, Array.from({ length: 60 }, (_, i) => i));
  });
});

describe('FailureGate: the bound holds with many attempts arriving over time', () => {
  /** 300 attempts arriving over a few milliseconds, each failing (or, with `mixed`, every third) as soon as it is admitted. */
  async function failuresThrough(limiter: FailureLimiter, mixed: boolean): Promise<number> {
    const g = new FailureGate(limiter);
    const key = [{ key: 'g:ip:arrivals', max: 5 }];
    let failures = 0;
    const one = async (i: number) => {
      await new Promise((resolve) => setTimeout(resolve, i % 7));
      const ticket = await g.admit(key);
      if (ticket === 'limited') return;
      const failed = !mixed || i % 3 === 0;
      if (failed) failures += 1;
      await ticket.finish(failed);
    };
    await Promise.all(Array.from({ length: 300 }, (_, i) => one(i)));
    return failures;
  }

  test('memory limiter and real Redis limiter (both modes): exactly max failures get through, never more', async () => {
    const redis = await startTestRedis();
    try {
      for (const [run, mixed] of [false, true, false, true].entries()) {
        const memory = new MemoryFailureLimiter({ windowMs: 60_000, clock: new ManualClock(Date.now()) });
        assert.equal(await failuresThrough(memory, mixed), 5, `memory, run ${run}`);
        for (const learnLocally of [false, true]) {
          const keyPrefix = `${redis.keyPrefix}${run}:${learnLocally}:`;
          const limiter = new RedisFailureLimiter(redis.client, { keyPrefix, windowMs: 60_000, learnLocally });
          assert.equal(await failuresThrough(limiter, mixed), 5, `redis, learnLocally ${learnLocally}, run ${run}`);
        }
      }
    } finally {
      await redis.stop();
    }
  });

  test('an attempt waiting on its own full key does not hold up attempts that share only its other key', async () => {
    const g = gate();
    const shared = { key: 'g:stream:shared', max: 50 };
    const mine = [{ key: 'g:ip:busy', max: 1 }, shared];
    const held = await g.admit(mine);
    assert.notEqual(held, 'limited');
    let waiting = true;
    const waiter = g.admit(mine).then((ticket) => {
      waiting = false;
      return ticket;
    });
    await tick();
    const other = await g.admit([{ key: 'g:ip:other', max: 1 }, shared]);
    assert.notEqual(other, 'limited');
    assert.equal(waiting, true);
    if (held !== 'limited') await held.finish(false);
    const late = await waiter;
    assert.notEqual(late, 'limited');
  });

  test('a limiter read that fails rejects that attempt only: the waiter behind it is still served', async () => {
    const memory = new MemoryFailureLimiter({ windowMs: 60_000, clock: new ManualClock(Date.now()) });
    let failNextRead = false;
    const flaky: FailureLimiter = {
      remaining: (keys) => {
        if (!failNextRead) return memory.remaining(keys);
        failNextRead = false;
        return Promise.reject(new Error('store down'));
      },
      recordFailure: (keys) => memory.recordFailure(keys),
    };
    const g = new FailureGate(flaky);
    const one = [{ key: 'g:ip:flaky', max: 1 }];
    const held = await g.admit(one);
    const first = g.admit(one);
    const second = g.admit(one);
    await tick();
    failNextRead = true;
    if (held !== 'limited') await held.finish(false);
    await assert.rejects(first, /store down/);
    const served = await second;
    assert.notEqual(served, 'limited');
  });
});
