import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { AdminKey } from './admin/admin-keys.js';
import type { Config } from './config.js';
import type { Services } from './create-services.js';
import { DecisionRoutes } from './http/decision-routes.js';
import { createExpressApp } from './http/express-app.js';
import { createFrontDoor } from './http/front-door.js';
import { createNginxAuthHandler } from './http/nginx-auth-handler.js';
import { createWcsHookHandler } from './http/wcs-hook-handler.js';
import { storeErrorKind } from './observability/timed-store-operation.js';
import type { Metrics } from './observability/metrics.js';
import { StoreOutageMonitor } from './observability/store-outage-monitor.js';
import { enforcedMethodRules } from './playback/enforced-methods.js';
import type { Clock } from './shared/clock.js';

/** What createApp needs besides the config and the services createServices built. */
export interface AppDeps {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** What /metrics serves, when not this process's registry (WORKERS > 1: every worker's, aggregated). */
  renderMetrics?: () => Promise<string>;
  isShuttingDown?: () => boolean;
  /** The admin keys main.ts settled on (a generated one for a memory-store trial); default ADMIN_API_KEYS. */
  adminKeys?: readonly AdminKey[];
}

/**
 * Builds the HTTP app: a node:http request listener (give it to createServiceServer). Reads no environment and
 * listens on nothing: main.ts does that. The front door answers the decision routes; Express the rest.
 */
export function createApp(config: Config, services: Services, deps: AppDeps): RequestListener {
  const { logger, metrics } = deps;
  const outage = new StoreOutageMonitor({ logger, metrics, storeKind: services.store.kind, failurePolicy: config.storeFailurePolicy });
  // Only a real store answer ends an outage, not a decision that happened not to need the store.
  metrics.storeAnswers.subscribe(() => outage.succeeded());
  const decision = decisionDeps(config, services, deps, outage);
  return createFrontDoor({
    routes: new DecisionRoutes(config),
    hook: createWcsHookHandler({ ...decision, enforcedMethods: enforcedMethodRules(config.enforcedMethods) }),
    nginx: createNginxAuthHandler({ ...decision, clock: deps.clock }),
    express: createExpressApp(config, services, { ...deps, outage }),
    metrics,
    logger,
  });
}

/**
 * The same failure policy, cache and throttling for every way a decision is asked for (WCS hook, nginx). The
 * decision paths cannot shadow the routes Express serves: config.ts refuses such paths.
 */
function decisionDeps(config: Config, services: Services, deps: AppDeps, outage: StoreOutageMonitor) {
  const { logger } = deps;
  return {
    ...config,
    logger,
    metrics: deps.metrics,
    verifier: services.verifier,
    decisionCache: services.decisionCache,
    guessThrottle: services.guessThrottle,
    onStoreFailure: (error: unknown) => {
      outage.failed(error);
      logger.warn({ event: 'store_failure', kind: storeErrorKind(error), store: services.store.kind }, 'token store failed during a decision');
    },
    onThrottleError: (error: unknown) =>
      logger.debug({ event: 'throttle_failure', kind: storeErrorKind(error) }, 'could not count a failed token guess'),
  };
}
