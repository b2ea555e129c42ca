import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the store-failure, cache, revocation and throttling paths (issue 7), on the app's own registry. */
export function createResilienceMetrics(registry: Registry) {
  return {
    storeOutages: new Counter({
      name: 'wcs_auth_store_outages_total',
      help: 'Times the token store went from answering to failing (an outage began); wcs_auth_store_up says whether one lasts.',
      labelNames: ['store'] as const,
      registers: [registry],
    }),
    decisionCacheEntries: new Gauge({
      name: 'wcs_auth_decision_cache_entries',
      help: 'Recent allow decisions kept for STORE_FAILURE_POLICY=cached.',
      registers: [registry],
    }),
    decisionCacheInvalidations: new Counter({
      name: 'wcs_auth_decision_cache_invalidations_total',
      help: 'Cache invalidations: a revocation (local or from another instance) or a resync after the revocation channel reconnected.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    revocationMessages: new Counter({
      name: 'wcs_auth_revocation_messages_total',
      help: 'Revocation messages between instances (Redis pub/sub): published, publish_failed, received.',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
  };
}
