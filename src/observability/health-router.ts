import { Router } from 'express';
import type { Metrics } from './metrics.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { TokenStore } from '../tokens/token-store.js';

export interface HealthDeps {
  store: Pick<TokenStore, 'kind' | 'ping'>;
  metrics: Metrics;
  storeTimeoutMs: number;
  /** True once shutdown has begun: a draining instance reports itself not ready. */
  isShuttingDown(): boolean;
  /** Told about each readiness probe's outcome, so outages are logged and counted once, wherever seen first. */
  outage?: { failed(error: unknown): void; succeeded(): void };
}

/** `/healthz`: the process answers. `/readyz`: it can decide, i.e. its token store answers in time. */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
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
      res.status(503).json({ status: 'store_unavailable', store: deps.store.kind });
    }
  });
  return router;
}
