import type { RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

/**
 * Counts requests by route template (`/wcs/:method`, `/v1/tokens/:id`), never by raw URL: stream names and tokens
 * travel in URLs and must not become label values. A route may name its template in `res.locals.route` (the
 * hook does: Express's own `baseUrl` keeps the letter case the caller sent).
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route =
        typeof res.locals.route === 'string'
          ? res.locals.route
          : req.route?.path === undefined
            ? 'unmatched'
            : `${req.baseUrl}${String(req.route.path)}`;
      recordHttpRequest(metrics, route, req.method, res.statusCode, start);
    });
    next();
  };
}

/** One request in the HTTP metrics; `start` from process.hrtime.bigint() when it arrived. */
export function recordHttpRequest(metrics: Metrics, route: string, method: string, status: number, start: bigint): void {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  metrics.httpRequests.inc({ route, method, status: String(status) });
  metrics.httpDuration.observe({ route, method }, seconds);
}
