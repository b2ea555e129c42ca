import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { recordHttpRequest } from '../observability/http-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { requestIdFrom, writeErrorSafely } from '../shared/http.js';

/** One route answered in front of Express. */
export interface FastRoute {
  /** The metrics label (route template), as Express's route would give it. */
  route: string;
  /** What the handler gets from the URL (e.g. the WCS method) when the request is this route's; else undefined. */
  match(method: string, url: string): string | undefined;
  handle(req: IncomingMessage, res: ServerResponse, param: string, requestId: string): Promise<void>;
}

/** A WCS method name as WCS writes it in the URL; any other spelling is left to Express's routing. */
const PLAIN_METHOD_NAME = /^[A-Za-z0-9_]{1,64}$/;

/**
 * The decision routes are on every viewer's start-up path (and, behind nginx, on every playlist and segment fetch),
 * so they do not go through Express: a request that one of `routes` matches is answered by that route's handler
 * directly, with the request id, headers, metrics and error answers Express's middleware would give it. Everything
 * else, including other spellings of those URLs, goes to Express, whose routes call the same handlers. The routes
 * here must not overlap any route Express mounts before them (app.ts says why they do not).
 */
export function withFastRoutes(app: RequestListener, routes: readonly FastRoute[], deps: { metrics: Metrics; logger: Logger }): RequestListener {
  const { metrics, logger } = deps;
  return (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? '';
    const url = req.url ?? '';
    for (const route of routes) {
      const param = route.match(method, url);
      if (param === undefined) continue;
      const start = process.hrtime.bigint();
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      route.handle(req, res, param, id).then(
        () => recordHttpRequest(metrics, route.route, method, res.statusCode, start),
        (error: unknown) => {
          logger.error({ err: error, requestId: id, route: route.route }, 'unhandled error');
          writeErrorSafely(res, 'internal', 'Internal error', id);
          recordHttpRequest(metrics, route.route, method, 500, start);
        },
      );
      return;
    }
    app(req, res);
  };
}

/** The method name of `POST <prefix><method>[?query]` when written plainly; undefined for anything else. */
export function plainHookMethod(url: string, prefix: string): string | undefined {
  if (!url.startsWith(prefix)) return undefined;
  const query = url.indexOf('?', prefix.length);
  const method = query === -1 ? url.slice(prefix.length) : url.slice(prefix.length, query);
  return PLAIN_METHOD_NAME.test(method) ? method : undefined;
}

/** `path` exactly (with any query string): the URL as nginx's auth_request sends it. */
export function isExactPath(url: string, path: string): boolean {
  return url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 0x3f /* ? */);
}
