import type { FailureLimiter, LimitKey } from './failure-limiter.js';

/**
 * An admitted attempt: say how it ended, once. `failed` records a failure; the promise is that recording (without
 * one, it is already settled and never rejects).
 */
export interface GateTicket {
  finish(failed: boolean): Promise<void>;
  /**
   * Makes an `admitNow` ticket hold its place in flight, as `admitHeld`'s does, so that its attempt may yield (a
   * lookup that turns out to need the store). Only in the turn it was admitted, before `finish`: nothing can have
   * changed since, and with nobody on its keys `admitHeld` would have admitted it. No-op on a held ticket.
   */
  hold(): void;
}

/** One call of `admit`, as the queues and the checker slot know it. */
type Attempt = object;

interface Waiter {
  attempt: Attempt;
  wake: () => void;
}

interface KeyState {
  /** Attempts admitted and not finished: each may still turn out to be a failure. */
  inFlight: number;
  /** Failures finished here whose recording in the limiter has not completed yet. */
  recording: number;
  /** Attempts that waited for room here, first come first served. */
  queue: Waiter[];
  /** The waiter woken to look again: until it has decided, nobody behind it or newly arrived may take its room. */
  checker: Attempt | undefined;
}

/** What `finish` returns when there is nothing to record: one settled promise for all. */
const DONE: Promise<void> = Promise.resolve();

type Check = { kind: 'limited' } | { kind: 'admit' } | { kind: 'wait'; key: string; front: boolean };

/**
 * Makes a failure limit hold under concurrency. A limiter counts failures after the fact, so 100 attempts sent at
 * once would all pass a check made before any of them failed. The gate admits, per key, at most as many attempts
 * at a time as the limiter has failures left, counting those in flight and those being recorded as if they had
 * failed; attempts over that wait for one to finish (most succeed, and free their place at once) and are refused
 * once the failures left are used up. So no more than `max` failures per key and window get through on one
 * instance, whatever the concurrency; across instances the limiter's own bound applies.
 *
 * The gate's own counts are read after the limiter's answer, so the check is exact as long as a limiter's read
 * reflects every failure whose recording completed before the read was answered (both shipped limiters do: the
 * memory one reads at once, the Redis one answers reads and writes of a key in order on one connection).
 *
 * Waiting is first come first served per key: each event wakes the first waiter of the key, which keeps its place
 * (the checker slot) while it reads the limiter again; an attempt that finds anyone waiting or checking ahead of it
 * queues behind them rather than taking the room they wait for.
 *
 * `admitNow` is the same admission without yielding, for a limiter that reads at once (`remainingNow`) and keys
 * nobody is using here. Its attempt holds no place in flight: it must end (`finish`) before its caller yields, so no
 * other attempt can run while it is under way, and a place it never holds is one nobody could have seen.
 */
export class FailureGate {
  private readonly states = new Map<string, KeyState>();

  constructor(private readonly limiter: FailureLimiter) {}

  /** A ticket once every key has room, or 'limited' as soon as one key has no failures left. */
  async admit(keys: readonly LimitKey[]): Promise<GateTicket | 'limited'> {
    if (keys.length === 0) return this.ticketFor(keys, false);
    const attempt: Attempt = {};
    for (;;) {
      let remaining: number[];
      try {
        remaining = await this.limiter.remaining(keys);
      } catch (error) {
        this.giveUpChecks(attempt, keys);
        throw error;
      }
      const check = this.check(attempt, keys, remaining);
      if (check.kind === 'limited') {
        this.giveUpChecks(attempt, keys);
        // Those queued behind this attempt are limited too: let the next one find out.
        this.wakeOne(keys);
        return 'limited';
      }
      if (check.kind === 'admit') {
        this.giveUpChecks(attempt, keys);
        const ticket = this.ticketFor(keys, true);
        // There may be room for more than one.
        this.wakeOne(keys);
        return ticket;
      }
      await this.waitIn(attempt, keys, check);
    }
  }

  /**
   * The admission answered at once, or undefined when it cannot be (the limiter has no `remainingNow`, or some key
   * has attempts under way, waiting, checking or being recorded here: then only `admit` keeps their order). With
   * nobody else on these keys, `admit` would admit exactly when every key has a failure left.
   */
  admitNow(keys: readonly LimitKey[]): GateTicket | 'limited' | undefined {
    if (keys.length === 0) return this.ticketFor(keys, false);
    if (this.limiter.remainingNow === undefined) return undefined;
    for (const { key } of keys) if (this.states.has(key)) return undefined;
    const remaining = this.limiter.remainingNow(keys);
    for (let index = 0; index < keys.length; index++) if ((remaining[index] ?? 0) <= 0) return 'limited';
    return this.ticketFor(keys, false);
  }

  /**
   * `admit` answered at once for an attempt that will yield before it ends (a lookup that waits for Redis): its
   * ticket holds a place in flight on every key exactly as `admit`'s does, until `finish`. Undefined when only
   * `admit` may answer: the limiter cannot read at once, someone waits or checks on a key (they come first), a
   * failure is being recorded on one (a limiter may count it already, or not yet: `admit` reads once it is
   * recorded), or the attempts in flight take all the room left (then it must wait). Otherwise the check `admit`
   * makes once it has read the limiter: 'limited' when a key has no failures left.
   */
  admitHeld(keys: readonly LimitKey[]): GateTicket | 'limited' | undefined {
    if (keys.length === 0) return this.ticketFor(keys, false);
    if (this.limiter.remainingNow === undefined) return undefined;
    for (const { key } of keys) {
      const state = this.states.get(key);
      if (state !== undefined && (state.checker !== undefined || state.queue.length > 0 || state.recording > 0)) return undefined;
    }
    const remaining = this.limiter.remainingNow(keys);
    let room = true;
    for (let index = 0; index < keys.length; index++) {
      const left = remaining[index] ?? 0;
      if (left <= 0) return 'limited';
      if (left - (this.states.get((keys[index] as LimitKey).key)?.inFlight ?? 0) <= 0) room = false;
    }
    return room ? this.ticketFor(keys, true) : undefined;
  }

  private check(attempt: Attempt, keys: readonly LimitKey[], remaining: readonly number[]): Check {
    let wait: Check | undefined;
    for (const [index, { key }] of keys.entries()) {
      const state = this.stateOf(key);
      const left = (remaining[index] ?? 0) - state.recording;
      if (left <= 0) return { kind: 'limited' };
      if (wait !== undefined) continue;
      // The checker was first in line: the queue is behind it. Anyone else is behind the checker and the queue.
      const ownsSlot = state.checker === attempt;
      const someoneAhead = !ownsSlot && (state.checker !== undefined || state.queue.length > 0);
      if (someoneAhead || left - state.inFlight <= 0) wait = { kind: 'wait', key, front: ownsSlot };
    }
    return wait ?? { kind: 'admit' };
  }

  /** Queues the attempt on the key it waits for (back at the front if it was that key's checker) until woken. */
  private async waitIn(attempt: Attempt, keys: readonly LimitKey[], wait: { key: string; front: boolean }): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      const waiter = { attempt, wake: resolve };
      const queue = this.stateOf(wait.key).queue;
      if (wait.front) queue.unshift(waiter);
      else queue.push(waiter);
    });
    this.giveUpChecks(attempt, keys);
    await woken;
  }

  /** Leaves the checker slot of every key where this attempt held it; the next waiter there may look. */
  private giveUpChecks(attempt: Attempt, keys: readonly LimitKey[]): void {
    const freed: LimitKey[] = [];
    for (const limitKey of keys) {
      const state = this.states.get(limitKey.key);
      if (state?.checker !== attempt) continue;
      state.checker = undefined;
      // Waiting again at the front of this key means there is no room here: nobody to wake.
      if (state.queue[0]?.attempt !== attempt) freed.push(limitKey);
    }
    this.wakeOne(freed);
    this.forgetIdle(keys);
  }

  /** `inFlight`: the attempt holds a place in flight on every key until it finishes (not one admitted now). */
  private ticketFor(keys: readonly LimitKey[], inFlight: boolean): GateTicket {
    let held = false;
    let finished = false;
    const hold = () => {
      if (held || finished) return;
      held = true;
      for (const { key } of keys) this.stateOf(key).inFlight += 1;
    };
    if (inFlight) hold();
    return {
      finish: (failed) => {
        if (finished) return DONE;
        finished = true;
        if (held) for (const { key } of keys) this.stateOf(key).inFlight -= 1;
        if (failed && keys.length > 0) return this.record(keys);
        if (held) this.settle(keys);
        return DONE;
      },
      hold,
    };
  }

  /** Records a failure; until the limiter has it, it counts here as if recorded (`recording`). */
  private async record(keys: readonly LimitKey[]): Promise<void> {
    for (const { key } of keys) this.stateOf(key).recording += 1;
    try {
      await this.limiter.recordFailure(keys);
    } finally {
      for (const { key } of keys) this.stateOf(key).recording -= 1;
      this.settle(keys);
    }
  }

  private stateOf(key: string): KeyState {
    let state = this.states.get(key);
    if (state === undefined) {
      state = { inFlight: 0, recording: 0, queue: [], checker: undefined };
      this.states.set(key, state);
    }
    return state;
  }

  /** Lets the first waiter of each key look again, unless one is looking already (it wakes the next when done). */
  private wakeOne(keys: readonly LimitKey[]): void {
    for (const { key } of keys) {
      const state = this.states.get(key);
      if (state === undefined || state.checker !== undefined) continue;
      const next = state.queue.shift();
      if (next === undefined) continue;
      state.checker = next.attempt;
      next.wake();
    }
  }

  /** An attempt ended: its room may serve the next waiter. */
  private settle(keys: readonly LimitKey[]): void {
    this.wakeOne(keys);
    this.forgetIdle(keys);
  }

  /** Forgets idle keys: the map holds only keys with attempts under way, waiting or checking. */
  private forgetIdle(keys: readonly LimitKey[]): void {
    for (const { key } of keys) {
      const state = this.states.get(key);
      if (state && state.inFlight <= 0 && state.recording <= 0 && state.queue.length === 0 && state.checker === undefined) {
        this.states.delete(key);
      }
    }
  }
}
