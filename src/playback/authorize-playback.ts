import { withTimeout } from '../shared/with-timeout.js';
import type { AccessRequest, TokenVerifier } from '../tokens/token-verifier.js';
import { deny, type Decision } from './decision.js';

export type StoreFailurePolicy = 'deny' | 'allow';

export interface AuthorizeDeps {
  verifier: TokenVerifier;
  storeTimeoutMs: number;
  storeFailurePolicy: StoreFailurePolicy;
  /** Told about every store failure (error or timeout), for logs and metrics. */
  onStoreFailure(error: unknown): void;
}

/**
 * extract token → verify it (load, check scope) → decide. The one place where a failing or slow store becomes an
 * answer: the request never waits longer than storeTimeoutMs for the verifier, and then gets the configured policy.
 * `deny` (default) keeps the stream closed; `allow` keeps viewers watching while nobody can be refused.
 */
export async function authorizePlayback(
  token: string | undefined | null,
  request: AccessRequest,
  deps: AuthorizeDeps,
): Promise<Decision> {
  if (token === undefined) return deny('missing_token');
  if (token === null) return deny('malformed_token');
  let verdict;
  try {
    verdict = await withTimeout(deps.verifier.verify(token, request), deps.storeTimeoutMs);
  } catch (error) {
    deps.onStoreFailure(error);
    return deps.storeFailurePolicy === 'allow'
      ? { allow: true, reason: 'store_unavailable', kind: null, tokenId: null, headers: {} }
      : deny('store_unavailable');
  }
  if (!verdict.valid) return deny(verdict.reason, verdict.kind, verdict.tokenId);
  return { allow: true, reason: 'valid', kind: verdict.kind, tokenId: verdict.tokenId, headers: verdict.headers };
}
