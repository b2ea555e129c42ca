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
  /** Per key, the attempts waiting for room, first come first served; each event wakes one, not all. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limiter: FailureLimiter) {}

  /** A ticket once every key has room, or 'limited' as soon as one key has no failures left. */
  async admit(keys: readonly LimitKey[]): Promise<GateTicket | 'limited'> {
    if (keys.length === 0) return { finish: async () => {} };
    for (;;) {
      const remaining = await this.limiter.remaining(keys);
      let full: string | undefined;
      for (const [index, { key }] of keys.entries()) {
        const state = this.states.get(key);
        const left = (remaining[index] ?? 0) - (state?.recording ?? 0);
        if (left <= 0) {
          // Those queued behind this attempt are limited too: let the next one find out.
          this.wakeOne(keys);
          return 'limited';
        }
        if (full === undefined && left - (state?.inFlight ?? 0) <= 0) full = key;
      }
      if (full === undefined) {
        const ticket = this.ticketFor(keys);
        this.wakeOne(keys);
        return ticket;
      }
      await new Promise<void>((resolve) => this.queueOf(full).push(resolve));
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

  private queueOf(key: string): (() => void)[] {
    let queue = this.waiting.get(key);
    if (queue === undefined) {
      queue = [];
      this.waiting.set(key, queue);
    }
    return queue;
  }

  /** Lets the first waiter of each key look again (it wakes the next if there is still room, or if it is refused). */
  private wakeOne(keys: readonly LimitKey[]): void {
    for (const { key } of keys) {
      const queue = this.waiting.get(key);
      const next = queue?.shift();
      if (queue?.length === 0) this.waiting.delete(key);
      next?.();
    }
  }

  /** Forgets idle keys (the map holds only keys with attempts under way) and wakes a waiter. */
  private settle(keys: readonly LimitKey[]): void {
    for (const { key } of keys) {
      const state = this.states.get(key);
      if (state && state.inFlight <= 0 && state.recording <= 0) this.states.delete(key);
    }
    this.wakeOne(keys);
  }
}
