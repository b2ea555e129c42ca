import { createJwtMetrics } from '../observability/jwt-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { timedStoreOperation } from '../observability/timed-store-operation.js';
import type { JtiStore } from '../tokens/jwt/jti-store.js';
import type { JwtRuntimeObservers } from '../tokens/jwt/jwt-runtime.js';

/** Times jti operations in the store metrics, like the token store's own operations. */
function instrumentJtiStore(store: JtiStore, metrics: Metrics): JtiStore {
  return {
    kind: store.kind,
    check: timedStoreOperation(metrics, store.kind, 'jti_check', (jti: string, use: Parameters<JtiStore['check']>[1]) =>
      store.check(jti, use),
    ),
    revoke: timedStoreOperation(metrics, store.kind, 'jti_revoke', (jti: string, at: number, until: number) =>
      store.revoke(jti, at, until),
    ),
    close: () => store.close(),
  };
}

/** The JWT runtime's reports, counted in the app's registry (registers the JWT metrics: call once per registry). */
export function jwtObservers(metrics: Metrics): JwtRuntimeObservers {
  const jwtMetrics = createJwtMetrics(metrics.registry);
  const verifiedCacheHit = jwtMetrics.verifiedCache.at('hit');
  const verifiedCacheMiss = jwtMetrics.verifiedCache.at('miss');
  return {
    onJwksFetch: (trigger, result) => jwtMetrics.jwksFetches.inc({ trigger, result }),
    onVerifiedCacheLookup: (hit) => (hit ? verifiedCacheHit : verifiedCacheMiss).inc(),
    onKeyReload: (ok) => jwtMetrics.keyReloads.inc({ result: ok ? 'ok' : 'error' }),
    wrapJtiStore: (store) => instrumentJtiStore(store, metrics),
  };
}
