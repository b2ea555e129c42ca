import type { RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

/**
 * Counts requests by route template (`/wcs/:method`, `/v1/tokens/:id`), never by raw URL: stream names and tokens
 * travel in URLs and must not become label values.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route?.path === undefined ? 'unmatched' : `${req.baseUrl}${String(req.route.path)}`;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route, method: req.method }, seconds);
    });
    next();
  };
}
