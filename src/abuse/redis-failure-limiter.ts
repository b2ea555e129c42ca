import { LRUCache } from 'lru-cache';
import type { RedisClient } from '../shared/redis-client.js';
import { defineScripts } from '../shared/redis-commands.js';
import type { FailureLimiter, LimitKey } from './failure-limiter.js';

/**
 * INCR, and start the window on the first failure. A script so that a counter never lives without its expiry.
 * Returns the count and the window's remaining milliseconds.
 */
const RECORD_FAILURE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

type RecordFailureCommand = {
  wtaRecordFailure(key: string, windowMs: string): Promise<[number, number]>;
};

const MAX_LEARNED_KEYS = 100_000;

/**
 * Counters shared by every instance using the same Redis, so a guesser cannot multiply its budget by spreading
 * requests over instances. Each counter is its own key (`<prefix>f:<name>`), touched by single-key commands only:
 * fine for Redis Cluster. Redis expires the counters: nothing to clean up.
 *
 * With `learnLocally` (the hook's guess throttle) the check costs no Redis round trip: a decision's budget is one
 * round trip, spent on the token. Each failure's INCR returns the shared count, which this instance remembers until
 * the window ends. Another instance learns a count at its own next failure for that key, so across N instances a
 * guesser gets at most N-1 guesses more than `max` per window.
 * Without it (the admin API, off the hot path) every check reads the counters.
 */
export class RedisFailureLimiter implements FailureLimiter {
  /** Redis key → the shared count its last INCR here returned, and the end of that window (ms, this machine's clock). */
  /** Bounded: past MAX_LEARNED_KEYS the least recently learned count goes (a guesser rotating keys cannot grow it). */
  private readonly learned = new LRUCache<string, { count: number; until: number }>({ max: MAX_LEARNED_KEYS });
  private readonly script: RecordFailureCommand;
  /**
   * With `learnLocally` only: the check is answered from what this instance learned, without Redis, so the gate
   * can admit without yielding (FailureGate.admitNow / admitHeld). Absent otherwise: every check reads Redis.
   */
  readonly remainingNow?: (keys: readonly LimitKey[]) => number[];

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { keyPrefix: string; windowMs: number; learnLocally?: boolean },
  ) {
    this.script = defineScripts<RecordFailureCommand>(redis, { wtaRecordFailure: { keys: 1, lua: RECORD_FAILURE_SCRIPT } });
    if (options.learnLocally) this.remainingNow = (keys) => this.remainingLearned(keys);
  }

  async remaining(keys: readonly LimitKey[]): Promise<number[]> {
    if (this.options.learnLocally) return this.remainingLearned(keys);
    const counts = await Promise.all(keys.map(({ key }) => this.redis.get(this.redisKey(key))));
    return keys.map(({ max }, index) => max - Number(counts[index] ?? 0));
  }

  async recordFailure(keys: readonly LimitKey[]): Promise<void> {
    const replies = await Promise.all(keys.map(({ key }) => this.script.wtaRecordFailure(this.redisKey(key), String(this.options.windowMs))));
    if (!this.options.learnLocally) return;
    const now = Date.now();
    keys.forEach(({ key }, index) => {
      const [count = 0, remainingMs = 0] = replies[index] ?? [];
      if (remainingMs > 0) this.learn(this.redisKey(key), { count, until: now + remainingMs }, now);
    });
  }

  /** The failures left per key by the counts this instance learned (a key never learned, or whose window ended: max). */
  private remainingLearned(keys: readonly LimitKey[]): number[] {
    const now = Date.now();
    return keys.map(({ key, max }) => {
      const known = this.learned.peek(this.redisKey(key));
      return known !== undefined && known.until > now ? max - known.count : max;
    });
  }

  private learn(redisKey: string, known: { count: number; until: number }, now: number): void {
    // Replies may arrive out of order: a smaller count from the same window is older news.
    const previous = this.learned.peek(redisKey);
    if (previous && previous.until > now && previous.count > known.count) return;
    this.learned.set(redisKey, known);
  }

  private redisKey(key: string): string {
    return `${this.options.keyPrefix}f:${key}`;
  }
}
