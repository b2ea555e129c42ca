import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { recordHttpRequest } from '../observability/http-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { requestIdFrom, writeError } from '../shared/http.js';
import type { WcsHookHandler } from './wcs-hook-router.js';

/** A WCS method name as WCS writes it in the URL; any other spelling is left to Express's routing. */
const PLAIN_METHOD_NAME = /^[A-Za-z0-9_]{1,64}$/;

/**
 * The hook is the one route on every viewer's start-up path, so it does not go through Express: `POST
 * <base>/<method>` with a plain method name is answered by the hook handler directly, with the same request id,
 * headers, metrics and error answers Express's middleware would give it. Everything else, including other
 * spellings of a hook URL, goes to Express, whose hook route calls the same handler. No route mounted before the
 * hook answers a POST with one path segment under the base path, so taking those first changes no answer.
 */
export function withHookFastPath(
  app: RequestListener,
  options: { basePath: string; route: string; hook: WcsHookHandler; metrics: Metrics; logger: Logger },
): RequestListener {
  const { route, hook, metrics, logger } = options;
  const prefix = options.basePath === '/' ? '/' : `${options.basePath}/`;
  return (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method === 'POST' ? plainHookMethod(req.url ?? '', prefix) : undefined;
    if (method === undefined) return app(req, res);
    const start = process.hrtime.bigint();
    const id = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    hook(req, res, method, id).then(
      () => recordHttpRequest(metrics, route, 'POST', res.statusCode, start),
      (error: unknown) => {
        logger.error({ err: error, requestId: id, route }, 'unhandled error');
        if (res.headersSent) res.destroy();
        else writeError(res, 'internal', 'Internal error', id);
        recordHttpRequest(metrics, route, 'POST', 500, start);
      },
    );
  };
}

/** The method name of `POST <prefix><method>[?query]` when written plainly; undefined for anything else. */
export function plainHookMethod(url: string, prefix: string): string | undefined {
  if (!url.startsWith(prefix)) return undefined;
  const query = url.indexOf('?', prefix.length);
  const method = query === -1 ? url.slice(prefix.length) : url.slice(prefix.length, query);
  return PLAIN_METHOD_NAME.test(method) ? method : undefined;
}
