import { timedStoreOperation } from '../observability/timed-store-operation.js';
import type { Metrics } from '../observability/metrics.js';
import type { TokenStore } from '../tokens/token-store.js';

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
