import { withSharedTimeout } from '../shared/with-timeout.js';
import type { AccessRequest, TokenVerifier, Verdict } from '../tokens/token-verifier.js';
import type { DecisionCache } from './decision-cache.js';
import { deny, type Decision } from './decision.js';
import type { GateTicket } from '../abuse/failure-gate.js';
import type { GuessThrottle, ThrottledRequest } from './guess-throttle.js';

export type StoreFailurePolicy = 'deny' | 'allow' | 'cached';

export interface AuthorizeDeps {
  verifier: TokenVerifier;
  storeTimeoutMs: number;
  storeFailurePolicy: StoreFailurePolicy;
  /** Told about every store failure (error or timeout), for logs and metrics. */
  onStoreFailure(error: unknown): void;
  /** Recent allow decisions; required for the `cached` policy to allow anything. */
  decisionCache?: DecisionCache | undefined;
  /** Brute-force throttling of token guesses; absent = none. */
  guessThrottle?: GuessThrottle | undefined;
  /** Told when recording a guess failed (the store is down): the decision is not affected. */
  onThrottleError?(error: unknown): void;
}

const THROTTLED = Symbol('throttled');
/** At most this much of the end of STORE_TIMEOUT_MS is closed to writes (a tenth of it for short timeouts). */
const WRITE_MARGIN_MAX_MS = 20;

/**
 * From when a decision may no longer change state (wall-clock ms): a little before the timeout, so that a store
 * reply still on its way when the timeout answers cannot come from a write (the margin covers the reply's trip
 * and a clock difference between this host and Redis up to that size). The stores check it: a refused request
 * never burns a token, binds an address or claims a one-time JWT after the fact.
 */
function writeDeadlineOf(startedAt: number, storeTimeoutMs: number): number {
  return startedAt + storeTimeoutMs - Math.min(WRITE_MARGIN_MAX_MS, Math.floor(storeTimeoutMs / 10));
}

/**
 * throttle check → extract token → verify it (load, check scope) → decide. The one place where a failing or slow
 * store becomes an answer: the request never waits longer than storeTimeoutMs for the throttle check and the
 * verifier together, and then gets the configured policy:
 * - `deny` (default) keeps the stream closed for everyone;
 * - `allow` keeps every viewer watching, but nobody can be refused — not even a made-up token;
 * - `cached` allows only what this instance allowed in the last DECISION_CACHE_TTL_SECONDS for the same token,
 *   stream and appKey (and not revoked since), so current viewers keep watching and unknown tokens are refused.
 *
 * The answer is a Decision itself when every step could answer at once (the memory store and limiter: lookUpNow),
 * else a promise of it. A synchronous answer needs no timeout: no store was waited for.
 */
export function authorizePlayback(
  token: string | undefined | null,
  request: AccessRequest & Pick<ThrottledRequest, 'peerAddress'>,
  deps: AuthorizeDeps,
): Decision | Promise<Decision> {
  if (token === undefined) return deny('missing_token');
  if (token === null) return deny('malformed_token');
  // Every caller builds `request` for this one decision: it takes the deadline itself instead of a copy that has it.
  request.writeDeadline = writeDeadlineOf(Date.now(), deps.storeTimeoutMs);
  let verdict: Verdict | typeof THROTTLED | HeldTicket | undefined;
  try {
    verdict = lookUpNow(token, request, deps);
  } catch (error) {
    deps.onStoreFailure(error);
    return answerWithoutStore(token, request, deps);
  }
  if (verdict === undefined) return authorizeLater(token, request, deps, undefined);
  if (verdict instanceof HeldTicket) return authorizeLater(token, request, deps, verdict.ticket);
  return decide(token, request, deps, verdict);
}

/** The decision when a step must wait (a store, a limiter, or the gate's order): bounded by STORE_TIMEOUT_MS. */
async function authorizeLater(
  token: string,
  request: AccessRequest & Pick<ThrottledRequest, 'peerAddress'>,
  deps: AuthorizeDeps,
  admitted: GateTicket | undefined,
): Promise<Decision> {
  const attempt: Attempt = { abandoned: false };
  let verdict: Verdict | typeof THROTTLED;
  try {
    verdict = await withSharedTimeout(lookUp(token, request, deps, attempt, admitted), deps.storeTimeoutMs);
  } catch (error) {
    attempt.abandoned = true;
    deps.onStoreFailure(error);
    return answerWithoutStore(token, request, deps);
  }
  return decide(token, request, deps, verdict);
}

function decide(token: string, request: AccessRequest, deps: AuthorizeDeps, verdict: Verdict | typeof THROTTLED): Decision {
  if (verdict === THROTTLED) return deny('throttled');
  if (!verdict.valid) {
    deps.decisionCache?.forget(token, request);
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

/** Whether the decision was already answered without the store (its timeout); shared with the lookup. */
interface Attempt {
  abandoned: boolean;
}

function throttleOf(deps: AuthorizeDeps): GuessThrottle | undefined {
  return deps.guessThrottle?.enabled ? deps.guessThrottle : undefined;
}

/** The gate's ticket taken by lookUpNow for a lookup that must wait after all (the store has no synchronous path). */
class HeldTicket {
  constructor(readonly ticket: GateTicket) {}
}

/**
 * lookUp without yielding, or undefined when a step cannot answer at once (then it has changed nothing, and lookUp
 * runs instead). The gate's ticket is taken and finished in the same turn: FailureGate.admitNow. When only the
 * verifier cannot answer at once (a Redis store), the ticket is handed to lookUp holding its place in flight
 * (GateTicket.hold), so the gate is not asked twice.
 */
function lookUpNow(
  token: string,
  request: AccessRequest & Pick<ThrottledRequest, 'peerAddress'>,
  deps: AuthorizeDeps,
): Verdict | typeof THROTTLED | HeldTicket | undefined {
  const throttle = throttleOf(deps);
  const ticket = throttle ? throttle.admitNow(request) : undefined;
  if (throttle && ticket === undefined) return undefined;
  if (ticket === 'throttled') return THROTTLED;
  let verdict: Verdict | undefined;
  let handedOn = false;
  try {
    verdict = deps.verifier.verifyNow?.(token, request);
    if (verdict !== undefined || ticket === undefined) return verdict;
    ticket.hold();
    handedOn = true;
    return new HeldTicket(ticket);
  } finally {
    // An error: nothing was looked up, and a ticket finished as no guess records nothing.
    if (ticket !== undefined && !handedOn) endLookup(ticket, verdict, throttle, deps);
  }
}

/** The throttle check and the verifier's lookup, bounded together by the caller's timeout. */
async function lookUp(
  token: string,
  request: AccessRequest & Pick<ThrottledRequest, 'peerAddress'>,
  deps: AuthorizeDeps,
  attempt: Attempt,
  admitted: GateTicket | undefined,
): Promise<Verdict | typeof THROTTLED> {
  const throttle = throttleOf(deps);
  // Throttled requests never reach the lookup: a guesser learns nothing more, whatever it sends. The gate answers
  // at once when it can (a limiter read in process, nobody waiting): one promise and its turns fewer per decision.
  const ticket = throttle ? (admitted ?? throttle.admitHeld(request) ?? (await throttle.admit(request))) : undefined;
  if (ticket === 'throttled') return THROTTLED;
  let verdict: Verdict | undefined;
  try {
    // Past the deadline the answer is already given: spare the store a lookup nobody waits for.
    if (attempt.abandoned) throw new Error('decision abandoned after its deadline');
    verdict = await deps.verifier.verify(token, request);
    return verdict;
  } finally {
    if (ticket !== undefined) endLookup(ticket, verdict, throttle, deps);
  }
}

/**
 * Recorded when the lookup ends, even one answered too late: the guess did get its lookup. Not awaited by the
 * answer, and a failure to count must not change it.
 */
function endLookup(ticket: GateTicket, verdict: Verdict | undefined, throttle: GuessThrottle | undefined, deps: AuthorizeDeps): void {
  const guess = verdict !== undefined && !verdict.valid && throttle !== undefined && throttle.countsAsGuess(verdict.reason);
  const recording = ticket.finish(guess);
  // Only a recording can fail: no handler (a promise and a microtask) for the common case of no guess.
  if (guess) recording.catch((error: unknown) => deps.onThrottleError?.(error));
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
