import type { Registry } from 'prom-client';
import { metricsOn } from './define-metric.js';
import { CellCounter } from './metric-cells.js';

/** JWT key management metrics, registered in the app's own registry. Labels are small fixed sets. */
export function createJwtMetrics(registry: Registry) {
  const { counter } = metricsOn(registry);
  return {
    jwksFetches: counter('wcs_auth_jwks_fetches_total', 'JWKS fetches by trigger (start, refresh, unknown_kid) and result (ok, error).', [
      'trigger',
      'result',
    ]),
    // Counted on every JWT decision: bound cells (metric-cells.ts), not prom-client's per-call label lookup.
    verifiedCache: new CellCounter(
      registry,
      'wcs_auth_jwt_verified_cache_total',
      'JWT authentications by whether the signature check was skipped for a token verified before (hit) or made (miss).',
      ['result'],
    ),
    keyReloads: counter('wcs_auth_jwt_key_reloads_total', 'Reloads of the JWT key files by result (ok, error: the previous keys were kept).', [
      'result',
    ]),
  };
}

export type JwtMetrics = ReturnType<typeof createJwtMetrics>;
