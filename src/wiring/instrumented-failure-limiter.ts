import type { FailureLimiter } from '../abuse/failure-limiter.js';
import { timedStoreOperation } from '../observability/timed-store-operation.js';
import type { Metrics } from '../observability/metrics.js';

/**
 * The brute-force counters live in the token store (Redis), so their calls are store operations like any other:
 * timed and counted by kind under `operation` = `<name>_check` / `<name>_record`. A limiter whose check is answered
 * in process (`checkIsLocal`: the hook's guess throttle, with either store) has only its `_record` calls timed, so
 * the store latency series hold store work only. Such a check is handed on as it is, `remainingNow` included (the
 * gate's synchronous admission), when the limiter has one.
 */
export function instrumentFailureLimiter(
  limiter: FailureLimiter,
  metrics: Metrics,
  store: string,
  name: string,
  options: { checkIsLocal?: boolean } = {},
): FailureLimiter {
  const remaining = (keys: Parameters<FailureLimiter['remaining']>[0]) => limiter.remaining(keys);
  const instrumented: FailureLimiter = {
    remaining: options.checkIsLocal ? remaining : timedStoreOperation(metrics, store, `${name}_check`, remaining),
    recordFailure: timedStoreOperation(metrics, store, `${name}_record`, (keys: Parameters<FailureLimiter['recordFailure']>[0]) =>
      limiter.recordFailure(keys),
    ),
  };
  if (options.checkIsLocal && limiter.remainingNow) instrumented.remainingNow = limiter.remainingNow.bind(limiter);
  return instrumented;
}
