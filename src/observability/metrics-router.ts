import { Router } from 'express';
import type { Registry } from 'prom-client';
import { secretsEqual } from '../shared/secrets.js';
import { sendError } from '../shared/http.js';

export interface MetricsRouterDeps {
  registry: Registry;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  bearerToken: string | undefined;
  /** What the scrape gets instead of `registry`'s own metrics (WORKERS > 1: every worker's, aggregated). */
  render?: () => Promise<string>;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `GET /metrics` in Prometheus text format. The optional bearer token is compared in constant time: metric
 * names and rates say a lot about traffic, and a guessable check would let anyone read them.
 */
export function createMetricsRouter(deps: MetricsRouterDeps): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (deps.bearerToken !== undefined) {
      const presented = BEARER.exec(req.get('authorization') ?? '')?.[1];
      if (presented === undefined || !secretsEqual(presented, deps.bearerToken)) {
        res.setHeader('WWW-Authenticate', presented === undefined ? 'Bearer' : 'Bearer error="invalid_token"');
        return sendError(res, 'unauthorized', 'Authorization: Bearer <metrics token> is required');
      }
    }
    res.setHeader('Cache-Control', 'no-store');
    const text = deps.render ? await deps.render() : await deps.registry.metrics();
    res.type(deps.registry.contentType).send(text);
  });
  return router;
}
