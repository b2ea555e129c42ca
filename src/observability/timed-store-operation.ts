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

/** One store operation's metrics, bound once: its duration sample, and its answer signal or failure count. */
export interface StoreTiming {
  answered(started: number): void;
  failed(error: unknown, started: number): void;
}

export function storeTiming(
  metrics: Pick<Metrics, 'storeDuration' | 'storeErrors'> & Partial<Pick<Metrics, 'storeAnswers'>>,
  store: string,
  operation: string,
): StoreTiming {
  const duration = metrics.storeDuration.at(store, operation);
  return {
    answered(started) {
      metrics.storeAnswers?.answered();
      duration.observe((performance.now() - started) / 1e3);
    },
    failed(error, started) {
      metrics.storeErrors.inc({ store, operation, kind: storeErrorKind(error) });
      duration.observe((performance.now() - started) / 1e3);
    },
  };
}

/**
 * Wraps a store call so that it is timed (`wcs_auth_store_operation_duration_seconds`) and its failures counted by
 * kind (`wcs_auth_store_errors_total`), without changing what it returns or throws; an answer is signalled
 * (`metrics.storeAnswers`), which is what ends a store outage. Used for every store: tokens,
 * JWT ids, brute-force counters. Not an async function: the call's promise is mapped with one `.then` (issue 15:
 * a Redis decision's authorize goes through here), and a synchronous throw is counted and becomes a rejection.
 */
export function timedStoreOperation<A extends unknown[], R>(
  metrics: Pick<Metrics, 'storeDuration' | 'storeErrors'> & Partial<Pick<Metrics, 'storeAnswers'>>,
  store: string,
  operation: string,
  call: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const timing = storeTiming(metrics, store, operation);
  return (...args: A): Promise<R> => {
    const started = performance.now();
    let answer: Promise<R>;
    try {
      answer = call(...args);
    } catch (error) {
      timing.failed(error, started);
      return Promise.reject(error as Error);
    }
    return answer.then(
      (result) => {
        timing.answered(started);
        return result;
      },
      (error: unknown) => {
        timing.failed(error, started);
        throw error;
      },
    );
  };
}
