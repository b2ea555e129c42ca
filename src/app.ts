import type { RequestListener } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import type { FailureLimiter } from './abuse/failure-limiter.js';
import type { AdminKey } from './admin/admin-keys.js';
import type { IdempotencyStore } from './admin/idempotency-store.js';
import { createIssueJwtRoute } from './admin/issue-jwt-route.js';
import { MemoryIdempotencyStore } from './admin/memory-idempotency-store.js';
import { createRevocationsRouter } from './admin/revocations-router.js';
import { createTokensRouter } from './admin/tokens-router.js';
import type { Config } from './config.js';
import { createHealthRouter } from './observability/health-router.js';
import { httpMetrics } from './observability/http-metrics.js';
import { createMetricsRouter } from './observability/metrics-router.js';
import { storeErrorKind } from './observability/timed-store-operation.js';
import type { Metrics } from './observability/metrics.js';
import { enforcedMethodRules } from './playback/enforced-methods.js';
import { createNginxAuthHandler, createNginxAuthRouter } from './playback/nginx-auth-router.js';
import { StoreOutageMonitor } from './observability/store-outage-monitor.js';
import { DecisionCache } from './playback/decision-cache.js';
import type { GuessThrottle } from './playback/guess-throttle.js';
import { isExactPath, plainHookMethod, withFastRoutes, type FastRoute } from './playback/fast-routes.js';
import { createWcsHookHandler, createWcsHookRouter } from './playback/wcs-hook-router.js';
import type { Clock } from './shared/clock.js';
import { errorHandler, requestId, sendError } from './shared/http.js';
import { adminSecurityHeaders, noSniff } from './shared/security-headers.js';
import { withTimeout } from './shared/with-timeout.js';
import { createJwksRouter } from './tokens/jwt/jwks-router.js';
import type { JwtRuntime } from './tokens/jwt/jwt-runtime.js';
import type { TokenStore } from './tokens/token-store.js';
import type { TokenVerifier } from './tokens/token-verifier.js';
import type { SessionRegistry } from './tokens/sessions/session-registry.js';

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
    | 'edgeSigning'
    | 'enforcedMethods'
    | 'viewerSessionWindowSeconds'
    | 'adminBatchBodyLimitBytes'
    | 'decisionCacheSettings'
    | 'adminAuthThrottle'
  >;
  adminKeys: readonly AdminKey[];
  store: TokenStore;
  verifier: TokenVerifier;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** What /metrics serves, when not this process's registry (WORKERS > 1: every worker's, aggregated). */
  renderMetrics?: () => Promise<string>;
  isShuttingDown?: () => boolean;
  /** JWT issuing, revocation and /.well-known/jwks.json; absent = those routes do not exist. */
  jwt?: JwtRuntime;
  /**
   * The cache STORE_FAILURE_POLICY=cached answers from. main.ts passes one that revocations from other instances
   * invalidate; without it (and with that policy) the app keeps a cache of its own, invalidated only locally.
   */
  decisionCache?: DecisionCache;
  /** Brute-force throttling of token guesses (BRUTE_FORCE_*); absent = none. */
  guessThrottle?: GuessThrottle;
  /** Where failed admin authentications are counted (ADMIN_AUTH_*); absent = no limit. */
  adminAuthLimiter?: FailureLimiter;
  /** Where Idempotency-Key answers are kept; absent = this process's memory (right for the memory store only). */
  idempotency?: IdempotencyStore;
  /** Tells the other instances about a revocation; absent = single instance. */
  revocations?: { publish(tokenId: string): Promise<void> };
  /** Live sessions across tokens (the sessions API; revoking a token ends its sessions); absent = none. */
  sessions?: SessionRegistry;
}

/**
 * Builds the HTTP app from its dependencies: a node:http request listener (give it to `http.createServer`). Reads no
 * environment and listens on nothing: main.ts does that.
 */
export function createApp(deps: AppDeps): RequestListener {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  // The allow answer is an echo; an ETag would only cost a hash per request.
  app.set('etag', false);
  app.use(requestId);
  app.use(noSniff);
  app.use(httpMetrics(metrics));

  const outage = new StoreOutageMonitor({
    logger,
    metrics,
    storeKind: deps.store.kind,
    failurePolicy: config.storeFailurePolicy,
  });
  // Only a real store answer ends an outage, not a decision that happened not to need the store.
  metrics.storeAnswers.subscribe(() => outage.succeeded());
  const decisionCache =
    config.storeFailurePolicy !== 'cached'
      ? undefined
      : (deps.decisionCache ??
        new DecisionCache({
          ttlMs: config.decisionCacheSettings.ttlSeconds * 1000,
          maxEntries: config.decisionCacheSettings.maxEntries,
          clock: deps.clock,
          onSizeChange: (size) => metrics.decisionCacheEntries.set(size),
        }));

  // The same failure policy, cache and throttling for every way a decision is asked for (WCS hook, nginx).
  const failureHandling = {
    decisionCache,
    guessThrottle: deps.guessThrottle,
    onStoreFailure: (error: unknown) => {
      outage.failed(error);
      logger.warn({ event: 'store_failure', kind: storeErrorKind(error), store: deps.store.kind }, 'token store failed during a decision');
    },
    onThrottleError: (error: unknown) =>
      logger.debug({ event: 'throttle_failure', kind: storeErrorKind(error) }, 'could not count a failed token guess'),
  };
  app.use(
    createHealthRouter({
      store: deps.store,
      metrics,
      storeTimeoutMs: config.storeTimeoutMs,
      failurePolicy: config.storeFailurePolicy,
      isShuttingDown: deps.isShuttingDown ?? (() => false),
      outage,
    }),
  );
  // With METRICS_PORT set, main.ts serves /metrics on that port alone and this one answers 404 for it.
  if (config.metricsPort === undefined) {
    app.use(createMetricsRouter({ registry: metrics.registry, bearerToken: config.metricsBearerToken, render: deps.renderMetrics }));
  }
  // Before the hook router: NGINX_AUTH_PATH may sit under WCS_HOOK_BASE_PATH.
  const nginxAuth = createNginxAuthHandler({
    ...config,
    clock: deps.clock,
    logger,
    metrics,
    verifier: deps.verifier,
    ...failureHandling,
  });
  app.use(createNginxAuthRouter(nginxAuth, config.nginxAuthPath));
  const hook = createWcsHookHandler({
    ...config,
    logger,
    metrics,
    verifier: deps.verifier,
    enforcedMethods: enforcedMethodRules(config.enforcedMethods),
    ...failureHandling,
  });
  const hookRoute = `${config.hookBasePath === '/' ? '' : config.hookBasePath}/:method`;
  app.use(config.hookBasePath, createWcsHookRouter(hook, hookRoute));
  // The same two handlers, answered in front of Express for the URLs as nginx and WCS write them. Neither overlaps a
  // route mounted before it above: health, metrics and JWKS answer GET on their own paths (config.ts refuses an
  // NGINX_AUTH_PATH equal to one of them), and nothing before the hook answers a POST.
  const hookPrefix = config.hookBasePath === '/' ? '/' : `${config.hookBasePath}/`;
  const fastRoutes: FastRoute[] = [
    {
      route: config.nginxAuthPath,
      match: (method, url) => ((method === 'GET' || method === 'HEAD') && isExactPath(url, config.nginxAuthPath) ? '' : undefined),
      handle: (req, res, _param, requestId) => nginxAuth(req, res, requestId),
    },
    {
      route: hookRoute,
      match: (method, url) => (method === 'POST' ? plainHookMethod(url, hookPrefix) : undefined),
      handle: hook,
    },
  ];
  const onRevoked = async (tokenId: string, timeoutMs = config.storeTimeoutMs) => {
    const dropped = decisionCache?.invalidateToken(tokenId) ?? 0;
    if (dropped > 0) metrics.decisionCacheInvalidations.inc({ source: 'local' }, dropped);
    await endRevokedSessions(tokenId);
    if (!deps.revocations) return;
    try {
      await withTimeout(deps.revocations.publish(tokenId), timeoutMs);
      metrics.revocationMessages.inc({ event: 'published' });
    } catch (error) {
      // The revocation is stored, and every instance reads the store for each decision; only a cached allow
      // elsewhere can outlive it, until its TTL ends or that instance's subscription resyncs.
      metrics.revocationMessages.inc({ event: 'publish_failed' });
      logger.warn({ event: 'revocation_publish_failed', tokenId, kind: storeErrorKind(error) }, 'could not tell other instances about a revocation');
    }
  };
  // token.revoked, and the token's live sessions end (session.ended, cause token_revoked). Should the store fail
  // here, the revocation still stands (every check reads it) and those sessions end as idle later.
  async function endRevokedSessions(tokenId: string): Promise<void> {
    if (!deps.sessions) return;
    try {
      const ended = await deps.sessions.tokenRevoked(tokenId, deps.clock.now());
      if (ended > 0) metrics.sessionsEnded.inc({ cause: 'token_revoked' }, ended);
    } catch (error) {
      logger.warn({ event: 'revoked_sessions_failed', tokenId, kind: storeErrorKind(error) }, 'could not end the sessions of a revoked token');
    }
  }
  const adminAuthLimit =
    deps.adminAuthLimiter === undefined
      ? undefined
      : {
          limiter: deps.adminAuthLimiter,
          maxFailures: config.adminAuthThrottle.maxFailures,
          windowSeconds: config.adminAuthThrottle.windowSeconds,
          timeoutMs: config.storeTimeoutMs,
        };
  app.use('/v1', adminSecurityHeaders);

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
        adminAuthLimit,
        onRevoked,
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
      idempotency: deps.idempotency ?? new MemoryIdempotencyStore(deps.clock),
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
      adminAuthLimit,
      onRevoked,
      sessions: deps.sessions,
    }),
  );

  app.use((_req, res) => sendError(res, 'not_found', 'No such route'));
  app.use(errorHandler(logger));
  return withFastRoutes(app, fastRoutes, { metrics, logger });
}
