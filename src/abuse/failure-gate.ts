import type { FailureLimiter, LimitKey } from './failure-limiter.js';

/** An admitted attempt: say how it ended, once. `failed` records a failure; the promise is that recording. */
export interface GateTicket {
  finish(failed: boolean): Promise<void>;
}

interface KeyState {
  /** Attempts admitted and not finished: each may still turn out to be a failure. */
  inFlight: number;
  /** Failures finished here whose recording in the limiter has not completed yet. */
  recording: number;
}

/**
 * Makes a failure limit hold under concurrency. A limiter counts failures after the fact, so 100 attempts sent at
 * once would all pass a check made before any of them failed. The gate admits, per key, at most as many attempts
 * at a time as the limiter has failures left, counting those in flight and those being recorded as if they had
 * failed; attempts over that wait for one to finish (most succeed, and free their place at once) and are refused
 * once the failures left are used up. So no more than `max` failures per key and window get through on one
 * instance, whatever the concurrency; across instances the limiter's own bound applies.
 */
export class FailureGate {
  private readonly states = new Map<string, KeyState>();
  private changed = signal();

  constructor(private readonly limiter: FailureLimiter) {}

  /** A ticket once every key has room, or 'limited' as soon as one key has no failures left. */
  async admit(keys: readonly LimitKey[]): Promise<GateTicket | 'limited'> {
    if (keys.length === 0) return { finish: async () => {} };
    for (;;) {
      const remaining = await this.limiter.remaining(keys);
      let waitForRoom = false;
      for (const [index, { key }] of keys.entries()) {
        const state = this.states.get(key);
        const left = (remaining[index] ?? 0) - (state?.recording ?? 0);
        if (left <= 0) return 'limited';
        if (left - (state?.inFlight ?? 0) <= 0) waitForRoom = true;
      }
      if (!waitForRoom) return this.ticketFor(keys);
      await this.changed.promise;
    }
  }

  private ticketFor(keys: readonly LimitKey[]): GateTicket {
    for (const { key } of keys) this.stateOf(key).inFlight += 1;
    let finished = false;
    return {
      finish: async (failed) => {
        if (finished) return;
        finished = true;
        for (const { key } of keys) {
          const state = this.stateOf(key);
          state.inFlight -= 1;
          if (failed) state.recording += 1;
        }
        if (!failed) return this.settle(keys);
        try {
          await this.limiter.recordFailure(keys);
        } finally {
          for (const { key } of keys) this.stateOf(key).recording -= 1;
          this.settle(keys);
        }
      },
    };
  }

  private stateOf(key: string): KeyState {
    let state = this.states.get(key);
    if (state === undefined) {
      state = { inFlight: 0, recording: 0 };
      this.states.set(key, state);
    }
    return state;
  }

  /** Forgets idle keys (the map holds only keys with attempts under way) and wakes the waiters to look again. */
  private settle(keys: readonly LimitKey[]): void {
    for (const { key } of keys) {
      const state = this.states.get(key);
      if (state && state.inFlight <= 0 && state.recording <= 0) this.states.delete(key);
    }
    const wake = this.changed;
    this.changed = signal();
    wake.resolve();
  }
}

/** A promise and its resolve (Promise.withResolvers is not in Node 20). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
