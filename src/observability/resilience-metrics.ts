import type { Registry } from 'prom-client';
import { metricsOn } from './define-metric.js';

/** Metrics of the store-failure, cache, revocation and throttling paths (issue 7), on the app's own registry. */
export function createResilienceMetrics(registry: Registry) {
  const { counter, gauge } = metricsOn(registry);
  return {
    storeOutages: counter(
      'wcs_auth_store_outages_total',
      'Times the token store went from answering to failing (an outage began); wcs_auth_store_up says whether one lasts.',
      ['store'],
    ),
    decisionCacheEntries: gauge('wcs_auth_decision_cache_entries', 'Recent allow decisions kept for STORE_FAILURE_POLICY=cached.'),
    decisionCacheInvalidations: counter(
      'wcs_auth_decision_cache_invalidations_total',
      'Cache invalidations: a revocation (local or from another instance) or a resync after the revocation channel reconnected.',
      ['source'],
    ),
    revocationMessages: counter(
      'wcs_auth_revocation_messages_total',
      'Revocation messages between instances (Redis pub/sub): published, publish_failed, received.',
      ['event'],
    ),
  };
}
