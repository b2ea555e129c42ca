import { withTimeout } from '../shared/with-timeout.js';
import type { AccessRequest, TokenVerifier, Verdict } from '../tokens/token-verifier.js';
import type { DecisionCache } from './decision-cache.js';
import { deny, type Decision } from './decision.js';
import type { GuessThrottle } from './guess-throttle.js';

export type StoreFailurePolicy = 'deny' | 'allow' | 'cached';

export interface AuthorizeDeps {
  verifier: TokenVerifier;
  storeTimeoutMs: number;
  storeFailurePolicy: StoreFailurePolicy;
  /** Told about every store failure (error or timeout), for logs and metrics. */
  onStoreFailure(error: unknown): void;
  /** Told when the store answered (after failures: it is back). */
  onStoreSuccess?(): void;
  /** Recent allow decisions; required for the `cached` policy to allow anything. */
  decisionCache?: DecisionCache | undefined;
  /** Brute-force throttling of token guesses; absent = none. */
  guessThrottle?: GuessThrottle | undefined;
  /** Told when recording a guess failed (the store is down): the decision is not affected. */
  onThrottleError?(error: unknown): void;
}

const THROTTLED = Symbol('throttled');

/**
 * throttle check → extract token → verify it (load, check scope) → decide. The one place where a failing or slow
 * store becomes an answer: the request never waits longer than storeTimeoutMs for the throttle check and the
 * verifier together, and then gets the configured policy:
 * - `deny` (default) keeps the stream closed for everyone;
 * - `allow` keeps every viewer watching, but nobody can be refused — not even a made-up token;
 * - `cached` allows only what this instance allowed in the last DECISION_CACHE_TTL_SECONDS for the same token,
 *   stream and appKey (and not revoked since), so current viewers keep watching and unknown tokens are refused.
 */
export async function authorizePlayback(
  token: string | undefined | null,
  request: AccessRequest,
  deps: AuthorizeDeps,
): Promise<Decision> {
  if (token === undefined) return deny('missing_token');
  if (token === null) return deny('malformed_token');
  const throttle = deps.guessThrottle?.enabled ? deps.guessThrottle : undefined;
  let abandoned = false;
  const decide = async (): Promise<Verdict | typeof THROTTLED> => {
    // Throttled requests never reach the lookup: a guesser learns nothing more, whatever it sends.
    if (throttle && (await throttle.isThrottled(request))) return THROTTLED;
    // Past the deadline the answer is already given: spare the store a lookup nobody waits for.
    if (abandoned) throw new Error('decision abandoned after its deadline');
    return deps.verifier.verify(token, request);
  };

  let verdict: Verdict | typeof THROTTLED;
  try {
    verdict = await withTimeout(decide(), deps.storeTimeoutMs);
  } catch (error) {
    abandoned = true;
    deps.onStoreFailure(error);
    return answerWithoutStore(token, request, deps);
  }
  deps.onStoreSuccess?.();

  if (verdict === THROTTLED) return deny('throttled');
  if (!verdict.valid) {
    deps.decisionCache?.forget(token, request);
    if (throttle?.countsAsGuess(verdict.reason)) {
      // Not awaited: counting must not slow the answer, and a failure to count must not change it.
      throttle.recordGuess(request).catch((error: unknown) => deps.onThrottleError?.(error));
    }
    return deny(verdict.reason, verdict.kind, verdict.tokenId, verdict.viewerId);
  }
  if (deps.storeFailurePolicy === 'cached') {
    deps.decisionCache?.remember(token, request, {
      tokenId: verdict.tokenId,
      kind: verdict.kind,
      headers: verdict.headers,
      validUntil: verdict.expiresAt,
    });
  }
  return { allow: true, reason: 'valid', kind: verdict.kind, tokenId: verdict.tokenId, headers: verdict.headers, viewerId: verdict.viewerId };
}

function answerWithoutStore(token: string, request: AccessRequest, deps: AuthorizeDeps): Decision {
  switch (deps.storeFailurePolicy) {
    case 'allow':
      return { allow: true, reason: 'store_unavailable', kind: null, tokenId: null, headers: {} };
    case 'cached': {
      const cached = deps.decisionCache?.recall(token, request);
      if (!cached) return deny('store_unavailable');
      return { allow: true, reason: 'cached', kind: cached.kind, tokenId: cached.tokenId, headers: cached.headers };
    }
    case 'deny':
      return deny('store_unavailable');
  }
}
