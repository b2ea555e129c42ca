import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { recordHttpRequest } from '../observability/http-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { answerUnhandled, requestIdFrom } from '../shared/http.js';
import { arrivalTime, requestStateOf, setRequestState, type RequestState } from '../shared/request-state.js';
import { NO_SNIFF_HEADER } from '../shared/security-headers.js';
import { answerHeaders, endError, endText, type DecisionOutcome } from './decision-answer.js';
import { BAD_ENCODING, HOOK_HEAD, NGINX, type DecisionMatch, type DecisionRoutes } from './decision-routes.js';
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
 * start-up path and, behind nginx, on every playlist and segment fetch) are then answered here, without Express,
 * each answer written in one `writeHead` with those two headers first (decision-answer.ts); everything else goes
 * to the Express app, with the two headers set on the response.
 */
export function createFrontDoor(deps: FrontDoorDeps): RequestListener {
  const { routes, metrics, logger } = deps;

  // Express's answers are counted when written; a request whose caller left before is not counted.
  function countOnFinish(this: ServerResponse): void {
    const state = requestStateOf(this)!;
    recordHttpRequest(metrics, state.route ?? 'unmatched', state.method, this.statusCode, state.started);
  }

  // A decision is counted once answered, also when its caller left before (the status it would have had).
  function countDecision(res: ServerResponse, state: RequestState): void {
    recordHttpRequest(metrics, state.route ?? 'unmatched', state.method, res.statusCode, state.started);
  }
  const outcome: DecisionOutcome = {
    answered: countDecision,
    failed(res, state, error) {
      answerFailure(res, error, state);
      countDecision(res, state);
    },
  };

  /** No promise here: a decision the memory store answers is written before this returns (DecisionOutcome). */
  function answerDecision(req: IncomingMessage, res: ServerResponse, match: DecisionMatch, state: RequestState): void {
    try {
      if (typeof match === 'string') {
        state.route = routes.hookRoute;
        return deps.hook(req, res, match, state, outcome);
      }
      if (match === NGINX) {
        state.route = routes.nginxRoute;
        return deps.nginx(req, res, state, outcome);
      }
      if (match === BAD_ENCODING) {
        endError(res, answerHeaders(state.requestId), 'validation_failed', BAD_PATH_MESSAGE, state.requestId);
      } else if (match.kind === 'options') {
        // OPTIONS on a decision path: what Express answered on a route of its own, before the routes left it.
        const headers = answerHeaders(state.requestId);
        headers.push('Allow', match.allow);
        endText(res, 200, headers, match.allow);
      }
    } catch (error) {
      // A handler throws only before it reported to `outcome` (DecisionOutcome).
      return outcome.failed(res, state, error);
    }
    countDecision(res, state);
  }

  /** The decision answers set no header before their one writeHead: the last-resort 500 gets the front door's two. */
  function answerFailure(res: ServerResponse, error: unknown, state: RequestState): void {
    if (!res.headersSent) {
      res.setHeader('X-Request-Id', state.requestId);
      res.setHeader(NO_SNIFF_NAME, NO_SNIFF_VALUE);
    }
    answerUnhandled(logger, res, error, state.route);
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? '';
    const state: RequestState = {
      requestId: requestIdFrom(req.headers['x-request-id']),
      started: arrivalTime(),
      method,
      route: undefined,
    };
    setRequestState(res, state);
    const match = routes.match(method, req.url ?? '');
    if (match === undefined || match === HOOK_HEAD) {
      if (match !== undefined) state.route = routes.hookRoute;
      res.setHeader('X-Request-Id', state.requestId);
      res.setHeader(NO_SNIFF_NAME, NO_SNIFF_VALUE);
      res.once('finish', countOnFinish);
      deps.express(req, res);
    } else answerDecision(req, res, match, state);
  };
}
