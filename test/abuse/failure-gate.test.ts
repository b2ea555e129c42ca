import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FailureGate } from '../../src/abuse/failure-gate.js';
import { MemoryFailureLimiter } from '../../src/abuse/failure-limiter.js';
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
