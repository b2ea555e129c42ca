import { LRUCache } from 'lru-cache';
import type { Clock } from '../shared/clock.js';

/** One counter to check or bump: `key` is already namespaced and holds no raw client input. */
export interface LimitKey {
  key: string;
  max: number;
}

/**
 * Counts failures per key in a fixed window that starts with the key's first failure. Used against token guessing
 * (per client IP, per stream) and admin-key guessing (per client address).
 */
export interface FailureLimiter {
  /** Per key, the failures still allowed in its current window (`max` minus the count; 0 or less = limited). */
  remaining(keys: readonly LimitKey[]): Promise<number[]>;
  /**
   * `remaining`, answered at once, by a limiter that reads in process (the memory one): the gate can then admit
   * without yielding. Absent where a read may need I/O.
   */
  remainingNow?(keys: readonly LimitKey[]): number[];
  recordFailure(keys: readonly LimitKey[]): Promise<void>;
}

const MAX_TRACKED_KEYS = 100_000;

/**
 * The memory store's limiter: per process, like the memory store itself. Bounded: past MAX_TRACKED_KEYS the oldest
 * window is dropped, so a caller rotating addresses cannot grow it without limit.
 */
export class MemoryFailureLimiter implements FailureLimiter {
  /** Least recently started window first; reads `peek`, so only a new window moves a key. */
  private readonly windows = new LRUCache<string, { count: number; resetAt: number }>({ max: MAX_TRACKED_KEYS });

  constructor(private readonly options: { windowMs: number; clock: Clock }) {}

  async remaining(keys: readonly LimitKey[]): Promise<number[]> {
    return this.remainingNow(keys);
  }

  remainingNow(keys: readonly LimitKey[]): number[] {
    return keys.map(({ key, max }) => max - this.count(key));
  }

  async recordFailure(keys: readonly LimitKey[]): Promise<void> {
    const now = this.options.clock.now();
    for (const { key } of keys) {
      const current = this.windows.peek(key);
      if (current && current.resetAt > now) {
        current.count += 1;
        continue;
      }
      this.windows.set(key, { count: 1, resetAt: now + this.options.windowMs });
    }
  }

  private count(key: string): number {
    const current = this.windows.peek(key);
    if (!current) return 0;
    if (current.resetAt <= this.options.clock.now()) {
      this.windows.delete(key);
      return 0;
    }
    return current.count;
  }
}
