import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { errorHandler, requestId, sendError } from '../shared/http.js';
import { createMetricsRouter, type MetricsRouterDeps } from './metrics-router.js';

/**
 * The app behind METRICS_PORT: only `/metrics`, so the scrape endpoint can stay on an internal network while
 * the hook and admin API face WCS and the operator's backend.
 */
export function createMetricsApp(deps: MetricsRouterDeps & { logger: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use(createMetricsRouter(deps));
  app.use((_req, res) => sendError(res, 'not_found', 'No such route'));
  app.use(errorHandler(deps.logger));
  return app;
}
