import type { RedisClient } from '../tokens/redis-client.js';
import type { FailureLimiter, LimitKey } from './failure-limiter.js';

/** INCR, and start the window on the first failure. A script so that a counter never lives without its expiry. */
const RECORD_FAILURE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`;

interface RecordFailureCommand {
  wtaRecordFailure(key: string, windowMs: string): Promise<number>;
}

/**
 * Counters shared by every instance using the same Redis, so a guesser cannot multiply its budget by spreading
 * requests over instances. Each counter is its own key (`<prefix>f:<name>`), touched by single-key commands only:
 * fine for Redis Cluster. Redis expires the counters: nothing to clean up.
 */
export class RedisFailureLimiter implements FailureLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: { keyPrefix: string; windowMs: number },
  ) {
    redis.defineCommand('wtaRecordFailure', { numberOfKeys: 1, lua: RECORD_FAILURE_SCRIPT });
  }

  async isLimited(keys: readonly LimitKey[]): Promise<boolean> {
    const counts = await Promise.all(keys.map(({ key }) => this.redis.get(this.redisKey(key))));
    return keys.some(({ max }, index) => Number(counts[index] ?? 0) >= max);
  }

  async recordFailure(keys: readonly LimitKey[]): Promise<void> {
    const script = this.redis as unknown as RecordFailureCommand;
    await Promise.all(keys.map(({ key }) => script.wtaRecordFailure(this.redisKey(key), String(this.options.windowMs))));
  }

  private redisKey(key: string): string {
    return `${this.options.keyPrefix}f:${key}`;
  }
}
