import type { FailureLimiter } from '../abuse/failure-limiter.js';
import { timedStoreOperation } from './instrumented-token-store.js';
import type { Metrics } from './metrics.js';

/**
 * The brute-force counters live in the token store (Redis), so their calls are store operations like any other:
 * timed and counted by kind under `operation` = `<name>_check` / `<name>_record`. (The hook's guess check is
 * answered in process with Redis too, so its `_check` timings are near zero; its `_record` calls reach Redis.)
 */
export function instrumentFailureLimiter(limiter: FailureLimiter, metrics: Metrics, store: string, name: string): FailureLimiter {
  return {
    isLimited: timedStoreOperation(metrics, store, `${name}_check`, (keys: Parameters<FailureLimiter['isLimited']>[0]) =>
      limiter.isLimited(keys),
    ),
    recordFailure: timedStoreOperation(metrics, store, `${name}_record`, (keys: Parameters<FailureLimiter['recordFailure']>[0]) =>
      limiter.recordFailure(keys),
    ),
  };
}
