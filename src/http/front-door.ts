import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { recordHttpRequest } from '../observability/http-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { answerUnhandled, requestIdFrom, writeError } from '../shared/http.js';
import { requestStateOf, setRequestState, type RequestState } from '../shared/request-state.js';
import { NO_SNIFF_HEADER } from '../shared/security-headers.js';
import type { DecisionMatch, DecisionRoutes } from './decision-routes.js';
import type { NginxAuthHandler } from './nginx-auth-handler.js';
import type { WcsHookHandler } from './wcs-hook-handler.js';

export interface FrontDoorDeps {
  routes: DecisionRoutes;
  hook: WcsHookHandler;
  nginx: NginxAuthHandler;
  /** Everything that is not a decision: /v1, health, metrics, JWKS. */
  express: RequestListener;
  metrics: Metrics;
  logger: Logger;
}

const [NO_SNIFF_NAME, NO_SNIFF_VALUE] = NO_SNIFF_HEADER;
const BAD_PATH_MESSAGE = 'The URL path is not valid percent-encoded UTF-8';

/**
 * The service's one request listener. Every request gets its request id (a sane incoming X-Request-Id is kept, so
 * WCS's or nginx's logs join ours), `nosniff`, one line in the HTTP metrics (by route template) and, should a
 * handler fail, the last-resort 500. The decision routes (the WCS hook and nginx's auth_request, on every viewer's
 * start-up path and, behind nginx, on every playlist and segment fetch) are then answered here, without Express;
 * everything else goes to the Express app.
 */
export function createFrontDoor(deps: FrontDoorDeps): RequestListener {
  const { routes, metrics, logger } = deps;

  const count = (res: ServerResponse, state: RequestState) =>
    recordHttpRequest(metrics, state.route ?? 'unmatched', state.method, res.statusCode, state.started);
  // Express's answers are counted when written; a request whose caller left before is not counted.
  function countOnFinish(this: ServerResponse): void {
    count(this, requestStateOf(this)!);
  }

  async function answerDecision(req: IncomingMessage, res: ServerResponse, match: DecisionMatch, state: RequestState): Promise<void> {
    try {
      if (match.kind === 'hook') {
        state.route = routes.hookRoute;
        await deps.hook(req, res, match.method, state);
      } else if (match.kind === 'nginx') {
        state.route = routes.nginxRoute;
        await deps.nginx(req, res, state);
      } else if (match.kind === 'options') {
        answerOptions(res, match.allow);
      } else if (match.kind === 'bad_encoding') {
        writeError(res, 'validation_failed', BAD_PATH_MESSAGE, state.requestId);
      }
    } catch (error) {
      answerUnhandled(logger, res, error, state.route);
    }
    // A decision is counted once answered, also when its caller left before (the status it would have had).
    count(res, state);
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? '';
    const state: RequestState = {
      requestId: requestIdFrom(req.headers['x-request-id']),
      started: process.hrtime.bigint(),
      method,
      route: undefined,
    };
    setRequestState(res, state);
    res.setHeader('X-Request-Id', state.requestId);
    res.setHeader(NO_SNIFF_NAME, NO_SNIFF_VALUE);
    const match = routes.match(method, req.url ?? '');
    if (match === undefined || match.kind === 'hook_head') {
      if (match !== undefined) state.route = routes.hookRoute;
      res.once('finish', countOnFinish);
      deps.express(req, res);
    } else void answerDecision(req, res, match, state);
  };
}

/** What Express answered to OPTIONS on a route of its own, before the decision routes left it. */
function answerOptions(res: ServerResponse, allow: string): void {
  res.statusCode = 200;
  res.setHeader('Allow', allow);
  res.setHeader('Content-Length', Buffer.byteLength(allow));
  res.setHeader('Content-Type', 'text/plain');
  res.end(allow);
}
