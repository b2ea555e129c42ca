import { Counter, type Registry } from 'prom-client';

/** JWT key management metrics, registered in the app's own registry. Labels are small fixed sets. */
export function createJwtMetrics(registry: Registry) {
  return {
    jwksFetches: new Counter({
      name: 'wcs_auth_jwks_fetches_total',
      help: 'JWKS fetches by trigger (start, refresh, unknown_kid) and result (ok, error).',
      labelNames: ['trigger', 'result'] as const,
      registers: [registry],
    }),
    verifiedCache: new Counter({
      name: 'wcs_auth_jwt_verified_cache_total',
      help: 'JWT authentications by whether the signature check was skipped for a token verified before (hit) or made (miss).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    keyReloads: new Counter({
      name: 'wcs_auth_jwt_key_reloads_total',
      help: 'Reloads of the JWT key files by result (ok, error: the previous keys were kept).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}

export type JwtMetrics = ReturnType<typeof createJwtMetrics>;
