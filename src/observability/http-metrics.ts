import type { Request, RequestHandler } from 'express';
import { requestStateOf, secondsSince } from '../shared/request-state.js';
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

/**
 * One request in the HTTP metrics; `started` from arrivalTime() when it arrived. Bound cells (metric-cells.ts), as
 * for decisions: prom-client's `inc`/`observe` validated and hashed the labels on every request.
 */
export function recordHttpRequest(metrics: Pick<Metrics, 'httpRequests' | 'httpDuration'>, route: string, method: string, status: number, started: number): void {
  const seconds = secondsSince(started);
  metrics.httpRequests.at(route, method, String(status)).inc();
  metrics.httpDuration.at(route, method).observe(seconds);
}
