import { performance } from 'node:perf_hooks';
import { TimeoutError } from '../shared/with-timeout.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { Metrics } from './metrics.js';

export function storeErrorKind(error: unknown): 'timeout' | 'connection' | 'other' {
  const message = error instanceof Error ? error.message : '';
  // A store that answered after the decision's write deadline (PastDeadlineError) was too slow for that decision:
  // a timeout, like one the client or the decision's own clock ended.
  if (error instanceof TimeoutError || (error instanceof Error && error.name === 'PastDeadlineError') || /timed out|timeout/i.test(message)) {
    return 'timeout';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (
    (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|TIMEDOUT)$/.test(code)) ||
    /connection|closed|max retries|ECONNREFUSED/i.test(message) ||
    (error instanceof Error && error.name === 'MaxRetriesPerRequestError')
  ) {
    return 'connection';
  }
  return 'other';
}

/**
 * Wraps a store call so that it is timed (`wcs_auth_store_operation_duration_seconds`) and its failures counted by
 * kind (`wcs_auth_store_errors_total`), without changing what it returns or throws; an answer is signalled
 * (`metrics.storeAnswers`), which is what ends a store outage. Used for every store: tokens,
 * JWT ids, brute-force counters.
 */
export function timedStoreOperation<A extends unknown[], R>(
  metrics: Pick<Metrics, 'storeDuration' | 'storeErrors'> & Partial<Pick<Metrics, 'storeAnswers'>>,
  store: string,
  operation: string,
  call: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const duration = metrics.storeDuration.at(store, operation);
  return async (...args: A): Promise<R> => {
    const started = performance.now();
    try {
      const result = await call(...args);
      metrics.storeAnswers?.answered();
      return result;
    } catch (error) {
      metrics.storeErrors.inc({ store, operation, kind: storeErrorKind(error) });
      throw error;
    } finally {
      duration.observe((performance.now() - started) / 1e3);
    }
  };
}

/** Times every token store operation and counts its failures by kind. */
export function instrumentTokenStore(store: TokenStore, metrics: Metrics): TokenStore {
  const timed = <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    timedStoreOperation(metrics, store.kind, operation, call);
  return {
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
}
