import type { PolicyCheck, PolicyOutcome } from './token-store.js';
import type { AccessRequest } from './token-verifier.js';

/**
 * A store that decides synchronously (the memory store) may offer its `authorize` as a plain call too: the same
 * decision, answered or thrown at once. Callers that can use it skip the promise and the microtask turns of the
 * async path; `authorize` stays the contract every store keeps.
 */
export interface SyncAuthorizer {
  authorizeNow(tokenHash: string, request: AccessRequest, check: PolicyCheck): PolicyOutcome | undefined;
}

export function hasAuthorizeNow<T extends object>(store: T): store is T & SyncAuthorizer {
  return typeof (store as Partial<SyncAuthorizer>).authorizeNow === 'function';
}
