import { Router } from 'express';
import type { Metrics } from './metrics.js';
import type { ProbedStore } from './probed-store.js';
import { withTimeout } from '../shared/with-timeout.js';
import { SERVICE_VERSION } from '../shared/version.js';

export interface HealthDeps {
  store: ProbedStore;
  metrics: Metrics;
  storeTimeoutMs: number;
  /** What decisions answer while the store is down; readiness follows it (see below). */
  failurePolicy: 'deny' | 'allow' | 'cached';
  /** True once shutdown has begun: a draining instance reports itself not ready. */
  isShuttingDown(): boolean;
  /** Told about each readiness probe's outcome, so outages are logged and counted once, wherever seen first. */
  outage?: { failed(error: unknown): void; succeeded(): void };
}

/**
 * `/healthz`: the process answers. `/readyz`: it can decide.
 *
 * A store outage is shared by every instance. With STORE_FAILURE_POLICY=deny an instance without its store can only
 * refuse, so it leaves the load balancer (503). With `allow` or `cached` it still answers by its policy, and failing
 * readiness would take every instance out at once, turning the chosen fail-open into a total outage: it stays in
 * (200) and says `degraded`. `wcs_auth_store_up` and the outage log line report the outage either way.
 */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  const storeDown = deps.failurePolicy === 'deny' ? { status: 503, body: 'store_unavailable' } : { status: 200, body: 'degraded' };
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: SERVICE_VERSION });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.isShuttingDown()) return void res.status(503).json({ status: 'shutting_down', store: deps.store.kind });
    try {
      await withTimeout(deps.store.ping(), deps.storeTimeoutMs);
      deps.metrics.storeUp.set({ store: deps.store.kind }, 1);
      deps.outage?.succeeded();
      res.json({ status: 'ready', store: deps.store.kind });
    } catch (error) {
      deps.metrics.storeUp.set({ store: deps.store.kind }, 0);
      deps.outage?.failed(error);
      res.status(storeDown.status).json({ status: storeDown.body, store: deps.store.kind });
    }
  });
  return router;
}
