import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { isPending, settle, type DecisionOutcome } from '../../src/http/decision-answer.js';
import { deny } from '../../src/playback/decision.js';
import type { RequestState } from '../../src/shared/request-state.js';

/** How the decision handlers report to the front door (decision-answer.ts), for a plain and a promised decision. */
describe('a decision handler reporting its outcome', () => {
  const res = {} as ServerResponse;
  const state: RequestState = { requestId: 'r-1', started: 0, method: 'POST', route: undefined };
  function recorder() {
    const calls: string[] = [];
    const outcome: DecisionOutcome = {
      answered: (r, s) => calls.push(`answered ${String(r === res && s === state)}`),
      failed: (_r, _s, error) => calls.push(`failed ${(error as Error).message}`),
    };
    return { calls, outcome };
  }

  it('tells a plain decision from one still to come', () => {
    assert.equal(isPending(deny('missing_token')), false);
    assert.equal(isPending(Promise.resolve(deny('missing_token'))), true);
    assert.equal(isPending({ then: (resolve: (value: unknown) => void) => resolve(1) }), true);
  });

  it('reports an answer written synchronously before returning, without a microtask', () => {
    const { calls, outcome } = recorder();
    settle(outcome, res, state, undefined);
    assert.deepEqual(calls, ['answered true']);
  });

  it('reports a pending answer once it settles, and a rejection as a failure', async () => {
    const { calls, outcome } = recorder();
    const answered = Promise.resolve();
    settle(outcome, res, state, answered);
    assert.deepEqual(calls, []);
    await answered;
    await Promise.resolve();
    assert.deepEqual(calls, ['answered true']);
    const rejected = Promise.reject(new Error('store gone'));
    settle(outcome, res, state, rejected);
    await rejected.catch(() => undefined);
    await Promise.resolve();
    assert.deepEqual(calls, ['answered true', 'failed store gone']);
  });
});
