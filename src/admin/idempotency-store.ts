import { timedStoreOperation } from '../observability/timed-store-operation.js';
import type { Metrics } from '../observability/metrics.js';

/** What a claim on an idempotency entry found. */
export type IdempotencyClaim =
  /** Nobody used this key: the caller now owns it and must complete or release it. */
  | { kind: 'claimed' }
  /** Another request with this key is being answered right now. */
  | { kind: 'pending'; fingerprint: string }
  /** A request with this key was answered: its sealed answer. */
  | { kind: 'done'; fingerprint: string; sealed: string };

/**
 * Where the answers of idempotent issue requests are kept (Idempotency-Key). Entries are keyed by an opaque
 * lookup id (see idempotency-seal.ts) and hold only a fingerprint of the request and the answer sealed under a key
 * the store never sees. Every implementation decides alike (test/admin/idempotency-store.contract.test.ts).
 */
export interface IdempotencyStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Atomically: when there is no entry, creates a pending one owned by `owner` that disappears after `pendingMs`
   * unless completed; otherwise reports what is there. Two concurrent claims never both get `claimed`.
   */
  claim(id: string, fingerprint: string, owner: string, pendingMs: number): Promise<IdempotencyClaim>;
  /** Stores the sealed answer for `keepMs`, if `owner` still owns the pending entry. Resolves false otherwise. */
  complete(id: string, owner: string, sealed: string, keepMs: number): Promise<boolean>;
  /** Removes the pending entry if `owner` still owns it (the request issued nothing: the key may be used again). */
  release(id: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

/** Times the store's operations in the store metrics (`idempotency_claim`, …), like the token store's. */
export function instrumentIdempotencyStore(store: IdempotencyStore, metrics: Pick<Metrics, 'storeDuration' | 'storeErrors'>): IdempotencyStore {
  return {
    kind: store.kind,
    claim: timedStoreOperation(metrics, store.kind, 'idempotency_claim', (id: string, fp: string, owner: string, ms: number) =>
      store.claim(id, fp, owner, ms),
    ),
    complete: timedStoreOperation(metrics, store.kind, 'idempotency_complete', (id: string, owner: string, sealed: string, ms: number) =>
      store.complete(id, owner, sealed, ms),
    ),
    release: timedStoreOperation(metrics, store.kind, 'idempotency_release', (id: string, owner: string) => store.release(id, owner)),
    close: () => store.close(),
  };
}
