import type { Request, RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

/**
 * Counts requests by route template (`/wcs/:method`, `/v1/tokens/:id`), never by raw URL: stream names and tokens
 * travel in URLs and must not become label values. A route may name its template in `res.locals.route` (the
 * hook does: Express's own `baseUrl` keeps the letter case the caller sent).
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const matched = recordMatchedRoute(req);
    res.once('finish', () => {
      const route = typeof res.locals.route === 'string' ? res.locals.route : (matched.template ?? 'unmatched');
      recordHttpRequest(metrics, route, req.method, res.statusCode, start);
    });
    next();
  };
}

/**
 * The full template of the route that handled the request, taken when the router matches it. Read later, at
 * `finish`, `req.baseUrl` is no longer the mount path when the route failed: the router restores it on the way to
 * the app's error handler, which labelled `/v1/tokens/:id` as `/tokens/:id`. So `req.route` is observed as the
 * router sets it, while `req.baseUrl` is still the router's own.
 */
function recordMatchedRoute(req: Request): { template: string | undefined } {
  const matched: { template: string | undefined } = { template: undefined };
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') matched.template = `${req.baseUrl}${path}`;
    },
  });
  return matched;
}

/** One request in the HTTP metrics; `start` from process.hrtime.bigint() when it arrived. */
export function recordHttpRequest(metrics: Metrics, route: string, method: string, status: number, start: bigint): void {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  metrics.httpRequests.inc({ route, method, status: String(status) });
  metrics.httpDuration.observe({ route, method }, seconds);
}
