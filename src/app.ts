import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AdminKey } from './admin/admin-keys.js';
import { createIssueJwtRoute } from './admin/issue-jwt-route.js';
import { createRevocationsRouter } from './admin/revocations-router.js';
import { createTokensRouter } from './admin/tokens-router.js';
import type { Config } from './config.js';
import { createHealthRouter } from './observability/health-router.js';
import { httpMetrics } from './observability/http-metrics.js';
import { createMetricsRouter } from './observability/metrics-router.js';
import { storeErrorKind } from './observability/instrumented-token-store.js';
import type { Metrics } from './observability/metrics.js';
import { enforcedMethodRules } from './playback/enforced-methods.js';
import { createNginxAuthRouter } from './playback/nginx-auth-router.js';
import { createWcsHookRouter } from './playback/wcs-hook-router.js';
import type { Clock } from './shared/clock.js';
import { errorHandler, requestId, sendError } from './shared/http.js';
import { createJwksRouter } from './tokens/jwt/jwks-router.js';
import type { JwtRuntime } from './tokens/jwt/jwt-runtime.js';
import type { TokenStore } from './tokens/token-store.js';
import type { TokenVerifier } from './tokens/token-verifier.js';

export interface AppDeps {
  config: Pick<
    Config,
    | 'hookBasePath'
    | 'tokenQueryParam'
    | 'signingSecret'
    | 'allowHeaders'
    | 'exposeDenyReason'
    | 'storeTimeoutMs'
    | 'storeFailurePolicy'
    | 'bodyLimitBytes'
    | 'tokenDefaultTtlSeconds'
    | 'tokenMaxTtlSeconds'
    | 'metricsPort'
    | 'metricsBearerToken'
    | 'nginxAuthPath'
    | 'trustedProxies'
    | 'nginxStreamVariantSuffix'
    | 'enforcedMethods'
    | 'viewerSessionWindowSeconds'
    | 'adminBatchBodyLimitBytes'
  >;
  adminKeys: readonly AdminKey[];
  store: TokenStore;
  verifier: TokenVerifier;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  isShuttingDown?: () => boolean;
  /** JWT issuing, revocation and /.well-known/jwks.json; absent = those routes do not exist. */
  jwt?: JwtRuntime;
}

/** Builds the HTTP app from its dependencies. Reads no environment and listens on nothing: main.ts does that. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  // The allow answer is an echo; an ETag would only cost a hash per request.
  app.set('etag', false);
  app.use(requestId);
  app.use(httpMetrics(metrics));

  app.use(
    createHealthRouter({
      store: deps.store,
      metrics,
      storeTimeoutMs: config.storeTimeoutMs,
      isShuttingDown: deps.isShuttingDown ?? (() => false),
    }),
  );
  // With METRICS_PORT set, main.ts serves /metrics on that port alone and this one answers 404 for it.
  if (config.metricsPort === undefined) {
    app.use(createMetricsRouter({ registry: metrics.registry, bearerToken: config.metricsBearerToken }));
  }
  // Before the hook router: NGINX_AUTH_PATH may sit under WCS_HOOK_BASE_PATH.
  app.use(
    createNginxAuthRouter({
      ...config,
      logger,
      metrics,
      verifier: deps.verifier,
      onStoreFailure: (error) =>
        logger.warn({ event: 'store_failure', kind: storeErrorKind(error), store: deps.store.kind }, 'token store failed during a decision'),
    }),
  );
  app.use(
    config.hookBasePath,
    createWcsHookRouter({
      ...config,
      logger,
      metrics,
      verifier: deps.verifier,
      enforcedMethods: enforcedMethodRules(config.enforcedMethods),
      onStoreFailure: (error) =>
        logger.warn({ event: 'store_failure', kind: storeErrorKind(error), store: deps.store.kind }, 'token store failed during a decision'),
    }),
  );
  const { jwt } = deps;
  if (jwt) {
    app.use(createJwksRouter(jwt.keys));
    app.use(
      '/v1',
      createRevocationsRouter({
        ...config,
        jtis: jwt.jtis,
        clock: deps.clock,
        logger,
        metrics,
        adminKeys: deps.adminKeys,
        clockSkewSeconds: jwt.config.clockSkewSeconds,
      }),
    );
  }
  app.use(
    '/v1',
    createTokensRouter({
      ...config,
      store: deps.store,
      verifier: deps.verifier,
      clock: deps.clock,
      logger,
      metrics,
      adminKeys: deps.adminKeys,
      issueJwt:
        jwt &&
        createIssueJwtRoute({
          ...config,
          keys: jwt.keys,
          clock: deps.clock,
          logger,
          metrics,
          issuer: jwt.config.signingIssuer,
          audience: jwt.config.signingAudience,
        }),
    }),
  );

  app.use((_req, res) => sendError(res, 'not_found', 'No such route'));
  app.use(errorHandler(logger));
  return app;
}
