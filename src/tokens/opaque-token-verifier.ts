import type { Clock } from '../shared/clock.js';
import { normalizeIp } from '../shared/ip-address.js';
import { hashToken, looksLikeOpaqueToken } from './opaque-token.js';
import type { SyncAuthorizer } from './sync-authorizer.js';
import type { PolicyCheck, PolicyOutcome, TokenStore } from './token-store.js';
import type { AccessRequest, TokenVerifier, Verdict } from './token-verifier.js';
import { opaqueSessionIds } from './sessions/session-id-memo.js';
import { liveSessionCheck } from './sessions/live-session-check.js';
import { DEFAULT_SESSION_POLICY, viewerSessionKeyOf, type SessionPolicy } from './viewer-session.js';

export class OpaqueTokenVerifier implements TokenVerifier {
  private readonly sessions: SessionPolicy;

  constructor(private readonly deps: { store: Pick<TokenStore, 'authorize'> & Partial<SyncAuthorizer>; clock: Clock; sessions?: SessionPolicy }) {
    this.sessions = deps.sessions ?? DEFAULT_SESSION_POLICY;
  }

  /**
   * load → check rules and policies → record the viewer session: one store call, atomic in the store. Not an async
   * function: the store's promise is mapped with one `.then` (an async wrapper would add a promise and turns to
   * every Redis decision). A throw, before or in the store call, still becomes a rejection.
   */
  verify(token: string, request: AccessRequest): Promise<Verdict> {
    try {
      // A store that decides synchronously is called as such: no extra turn for the answer.
      const now = this.verifyNow(token, request);
      if (now !== undefined) return Promise.resolve(now);
      // A string that cannot be one of our tokens is refused without a store round trip.
      if (!looksLikeOpaqueToken(token)) return Promise.resolve(unknown());
      const tokenHash = hashToken(token);
      return this.deps.store.authorize(tokenHash, request, this.checkFor(tokenHash, request)).then(verdictOf);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** `verify` answered (or thrown) at once, with the store's `authorizeNow`; undefined when the store has none. */
  verifyNow(token: string, request: AccessRequest): Verdict | undefined {
    const { store } = this.deps;
    if (!store.authorizeNow) return undefined;
    if (!looksLikeOpaqueToken(token)) return unknown();
    const tokenHash = hashToken(token);
    return verdictOf(store.authorizeNow(tokenHash, request, this.checkFor(tokenHash, request)));
  }

  private checkFor(tokenHash: string, request: AccessRequest): PolicyCheck {
    const clientIp = request.clientIp === undefined ? undefined : normalizeIp(request.clientIp);
    const sessionId = viewerSessionKeyOf(request, clientIp?.text);
    return {
      sessionId,
      clientIp,
      now: this.deps.clock.now(),
      writeDeadline: request.writeDeadline,
      // Named rather than spread: one fixed-shape object per decision, no copy loop over the policy.
      viewerWindowMs: this.sessions.viewerWindowMs,
      recordedSessionsMax: this.sessions.recordedSessionsMax,
      session: liveSessionCheck(opaqueSessionIds.idFor(tokenHash, sessionId), clientIp?.text, request),
    };
  }
}

/** A fresh object each time: a verdict is the caller's to keep. */
function unknown(): Verdict {
  return { valid: false, kind: 'opaque', tokenId: null, reason: 'unknown_token' };
}

function verdictOf(outcome: PolicyOutcome | undefined): Verdict {
  if (!outcome) return unknown();
  if (outcome.record === null) return { valid: false, kind: 'opaque', tokenId: null, reason: outcome.reason };
  const { record } = outcome;
  if (outcome.reason) return { valid: false, kind: 'opaque', tokenId: record.id, reason: outcome.reason, viewerId: record.viewerId };
  return { valid: true, kind: 'opaque', tokenId: record.id, headers: record.headers, expiresAt: record.expiresAt, viewerId: record.viewerId };
}
