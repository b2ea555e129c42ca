import { performance } from 'node:perf_hooks';
import type { Response } from 'express';

/**
 * One store budget per admin request: STORE_TIMEOUT_MS of waiting for the store, shared by the admin rate
 * limiter's check and the route's store calls, so a stalled store costs an admin caller one timeout, not one per
 * store call. Only store waits count: reading the request body (a slow upload) is not the store's time.
 */
export function remainingStoreMs(res: Response, timeoutMs: number): number {
  const spent = res.locals.storeSpentMs;
  return typeof spent === 'number' ? Math.max(0, timeoutMs - spent) : timeoutMs;
}

/** Runs `wait` and charges its duration to the request's store budget. */
export async function chargeStoreTime<T>(res: Response, wait: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await wait();
  } finally {
    const spent = typeof res.locals.storeSpentMs === 'number' ? res.locals.storeSpentMs : 0;
    res.locals.storeSpentMs = spent + (performance.now() - started);
  }
}
