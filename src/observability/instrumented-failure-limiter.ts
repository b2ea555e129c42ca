import type { FailureLimiter } from '../abuse/failure-limiter.js';
import { storeErrorKind } from './instrumented-token-store.js';
import type { Metrics } from './metrics.js';

/**
 * The brute-force counters live in the token store (Redis), so their calls are store operations like any other:
 * timed and counted by kind under `operation` = `<name>_check` / `<name>_record`. During an outage the counter
 * check is often the first store call of a decision, and the one whose failure the dashboards see.
 */
export function instrumentFailureLimiter(limiter: FailureLimiter, metrics: Metrics, store: string, name: string): FailureLimiter {
  const timed = async <R>(operation: string, call: () => Promise<R>): Promise<R> => {
    const end = metrics.storeDuration.startTimer({ store, operation });
    try {
      return await call();
    } catch (error) {
      metrics.storeErrors.inc({ store, operation, kind: storeErrorKind(error) });
      throw error;
    } finally {
      end();
    }
  };
  return {
    isLimited: (keys) => timed(`${name}_check`, () => limiter.isLimited(keys)),
    recordFailure: (keys) => timed(`${name}_record`, () => limiter.recordFailure(keys)),
  };
}
