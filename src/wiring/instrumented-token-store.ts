import { performance } from 'node:perf_hooks';
import { storeTiming, timedStoreOperation } from '../observability/timed-store-operation.js';
import type { Metrics } from '../observability/metrics.js';
import { hasAuthorizeNow, type SyncAuthorizer } from '../tokens/sync-authorizer.js';
import type { PolicyCheck, PolicyOutcome, TokenStore } from '../tokens/token-store.js';
import type { AccessRequest } from '../tokens/token-verifier.js';

/** The wrapped store; `authorizeNow` when the store under it has one (the memory store). */
export type InstrumentedTokenStore = TokenStore & Partial<SyncAuthorizer>;

/** Times every token store operation and counts its failures by kind. */
export function instrumentTokenStore(store: TokenStore, metrics: Metrics): InstrumentedTokenStore {
  const timed = <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    timedStoreOperation(metrics, store.kind, operation, call);
  const instrumented: InstrumentedTokenStore = {
    kind: store.kind,
    create: timed('create', (hash, record) => store.create(hash, record)),
    findByHash: timed('find_by_hash', (hash) => store.findByHash(hash)),
    findById: timed('find_by_id', (id) => store.findById(id)),
    revoke: timed('revoke', (id, at) => store.revoke(id, at)),
    createMany: timed('create_many', (items) => store.createMany(items)),
    findEntryById: timed('find_entry_by_id', (id) => store.findEntryById(id)),
    authorize: timed('authorize', (hash, request, check) => store.authorize(hash, request, check)),
    update: timed('update', (id, change, now) => store.update(id, change, now)),
    scan: timed('scan', (after, count, now) => store.scan(after, count, now)),
    listSessions: timed('list_sessions', (id) => store.listSessions(id)),
    ping: timed('ping', () => store.ping()),
    close: () => store.close(),
  };
  if (!hasAuthorizeNow(store)) return instrumented;
  const authorizeNow = timedSyncAuthorize(store, metrics);
  instrumented.authorizeNow = authorizeNow;
  // The async form answers through the same timed call: one timing and one count per decision either way.
  instrumented.authorize = (hash, request, check) => {
    try {
      return Promise.resolve(authorizeNow(hash, request, check));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  return instrumented;
}

/**
 * timedStoreOperation for a synchronous authorize: the same duration sample, answer signal and error count, without
 * a promise, a rest-argument array and a closure per decision (the memory store's decision is a plain call).
 */
function timedSyncAuthorize(
  store: TokenStore & SyncAuthorizer,
  metrics: Metrics,
): (hash: string, request: AccessRequest, check: PolicyCheck) => PolicyOutcome | undefined {
  const timing = storeTiming(metrics, store.kind, 'authorize');
  return (hash, request, check) => {
    const started = performance.now();
    let result: PolicyOutcome | undefined;
    try {
      result = store.authorizeNow(hash, request, check);
    } catch (error) {
      timing.failed(error, started);
      throw error;
    }
    timing.answered(started);
    return result;
  };
}
