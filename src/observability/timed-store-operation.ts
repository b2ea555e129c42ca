import { performance } from 'node:perf_hooks';
import { TimeoutError } from '../shared/with-timeout.js';
import type { Metrics } from './metrics.js';

export function storeErrorKind(error: unknown): 'timeout' | 'connection' | 'other' {
  const message = error instanceof Error ? error.message : '';
  // A store that answered after the decision's write deadline (PastDeadlineError) was too slow for that decision:
  // a timeout, like one the client or the decision's own clock ended.
  if (error instanceof TimeoutError || (error instanceof Error && error.name === 'PastDeadlineError') || /timed out|timeout/i.test(message)) {
    return 'timeout';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (
    (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|TIMEDOUT)$/.test(code)) ||
    /connection|closed|max retries|ECONNREFUSED/i.test(message) ||
    (error instanceof Error && error.name === 'MaxRetriesPerRequestError')
  ) {
    return 'connection';
  }
  return 'other';
}

/**
 * Wraps a store call so that it is timed (`wcs_auth_store_operation_duration_seconds`) and its failures counted by
 * kind (`wcs_auth_store_errors_total`), without changing what it returns or throws; an answer is signalled
 * (`metrics.storeAnswers`), which is what ends a store outage. Used for every store: tokens,
 * JWT ids, brute-force counters.
 */
export function timedStoreOperation<A extends unknown[], R>(
  metrics: Pick<Metrics, 'storeDuration' | 'storeErrors'> & Partial<Pick<Metrics, 'storeAnswers'>>,
  store: string,
  operation: string,
  call: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const duration = metrics.storeDuration.at(store, operation);
  return async (...args: A): Promise<R> => {
    const started = performance.now();
    try {
      const result = await call(...args);
      metrics.storeAnswers?.answered();
      return result;
    } catch (error) {
      metrics.storeErrors.inc({ store, operation, kind: storeErrorKind(error) });
      throw error;
    } finally {
      duration.observe((performance.now() - started) / 1e3);
    }
  };
}
