import { performance } from 'node:perf_hooks';
import type { Response } from 'express';

/**
 * One store budget per admin request: STORE_TIMEOUT_MS from the moment it is authenticated, shared by the admin
 * rate limiter's check and the route's store calls, so a stalled store costs an admin caller one timeout, not one
 * per store call.
 */
export function startStoreDeadline(res: Response, timeoutMs: number): number {
  const deadline = performance.now() + timeoutMs;
  res.locals.storeDeadline = deadline;
  return deadline;
}

/** What is left of the request's budget (at least 0 ms); `fallbackMs` for a request without one. */
export function remainingStoreMs(res: Response, fallbackMs: number): number {
  const deadline = res.locals.storeDeadline;
  return typeof deadline === 'number' ? Math.max(0, deadline - performance.now()) : fallbackMs;
}
