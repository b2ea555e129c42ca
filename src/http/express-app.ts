import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import { createIssueJwtRoute } from '../admin/issue-jwt-route.js';
import { createRevocationsRouter } from '../admin/revocations-router.js';
import { createTokensRouter } from '../admin/tokens-router.js';
import type { AppDeps } from '../app.js';
import type { Config } from '../config.js';
import type { Services } from '../create-services.js';
import { createHealthRouter } from '../observability/health-router.js';
import { routeTemplateLabel } from '../observability/http-metrics.js';
import { createMetricsRouter } from '../observability/metrics-router.js';
import type { StoreOutageMonitor } from '../observability/store-outage-monitor.js';
import { errorHandler, sendError } from '../shared/http.js';
import { adminSecurityHeaders } from '../shared/security-headers.js';
import { createJwksRouter } from '../tokens/jwt/jwks-router.js';

export interface ExpressAppDeps extends AppDeps {
  outage: StoreOutageMonitor;
}

/**
 * Everything but the decision routes: health, metrics, JWKS and the admin API under /v1. The front door has given
 * each request its id, nosniff and its metrics line already; Express only names the route template for the label.
 */
export function createExpressApp(config: Config, services: Services, deps: ExpressAppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // The answers are small and mostly uncacheable; an ETag would only cost a hash per request.
  app.set('etag', false);
  app.use(routeTemplateLabel);
  mountOperations(app, config, services, deps);
  app.use(createJwksRouter(services.jwt.keys));
  mountAdminApi(app, config, services, deps);
  app.use((_req, res) => sendError(res, 'not_found', 'No such route'));
  app.use(errorHandler(deps.logger));
  return app;
}

/** /healthz, /readyz and (unless METRICS_PORT serves it alone, when this one answers 404) /metrics. */
function mountOperations(app: Express, config: Config, services: Services, deps: ExpressAppDeps): void {
  app.use(
    createHealthRouter({
      store: services.store,
      metrics: deps.metrics,
      storeTimeoutMs: config.storeTimeoutMs,
      failurePolicy: config.storeFailurePolicy,
      isShuttingDown: deps.isShuttingDown ?? (() => false),
      outage: deps.outage,
    }),
  );
  if (config.metricsPort === undefined) {
    app.use(createMetricsRouter({ registry: deps.metrics.registry, bearerToken: config.metricsBearerToken, render: deps.renderMetrics }));
  }
}

/** /v1: tokens, sessions, decisions and JWT revocations, behind the admin keys and their failure limit. */
function mountAdminApi(app: Express, config: Config, services: Services, deps: ExpressAppDeps): void {
  const { jwt } = services;
  const common = {
    ...config,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    adminKeys: deps.adminKeys ?? config.adminKeys ?? [],
  };
  const adminAuthLimit = {
    limiter: services.adminAuthLimiter,
    maxFailures: config.adminAuthThrottle.maxFailures,
    windowSeconds: config.adminAuthThrottle.windowSeconds,
    timeoutMs: config.storeTimeoutMs,
  };
  app.use('/v1', adminSecurityHeaders);
  app.use(
    '/v1',
    createRevocationsRouter({ ...common, jtis: jwt.jtis, clockSkewSeconds: jwt.config.clockSkewSeconds, adminAuthLimit, onRevoked: services.onRevoked }),
  );
  app.use(
    '/v1',
    createTokensRouter({
      ...common,
      store: services.store,
      verifier: services.verifier,
      idempotency: services.idempotency,
      issueJwt: createIssueJwtRoute({ ...common, keys: jwt.keys, issuer: jwt.config.signingIssuer, audience: jwt.config.signingAudience }),
      adminAuthLimit,
      onRevoked: services.onRevoked,
      onChanged: services.onChanged,
      sessions: services.sessions,
    }),
  );
}
