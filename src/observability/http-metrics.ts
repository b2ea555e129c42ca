import type { Request, RequestHandler } from 'express';
import { requestStateOf } from '../shared/request-state.js';
import type { Metrics } from './metrics.js';

/**
 * The metrics label of a request Express answers: the full template of the route that handled it
 * (`/v1/tokens/:id`), never the raw URL (stream names and tokens travel in URLs and must not become label values).
 * The front door counts the request; this tells it the template. It is taken when the router matches the route:
 * read later, `req.baseUrl` is no longer the mount path when the route failed (the router restores it on the way
 * to the app's error handler, which labelled `/v1/tokens/:id` as `/tokens/:id`). So `req.route` is observed as the
 * router sets it, while `req.baseUrl` is still the router's own.
 */
export const routeTemplateLabel: RequestHandler = (req, res, next) => {
  const state = requestStateOf(res);
  if (state !== undefined) observeRoute(req, (template) => (state.route = template));
  next();
};

function observeRoute(req: Request, onMatched: (template: string) => void): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') onMatched(`${req.baseUrl}${path}`);
    },
  });
}

/** One request in the HTTP metrics; `start` from process.hrtime.bigint() when it arrived. */
export function recordHttpRequest(metrics: Metrics, route: string, method: string, status: number, start: bigint): void {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  metrics.httpRequests.inc({ route, method, status: String(status) });
  metrics.httpDuration.observe({ route, method }, seconds);
}
