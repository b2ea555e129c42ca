import type { Clock } from '../shared/clock.js';
import { normalizeIp } from '../shared/ip-address.js';
import { hashToken, looksLikeOpaqueToken } from './opaque-token.js';
import type { SyncAuthorizer } from './sync-authorizer.js';
import type { PolicyCheck, TokenStore } from './token-store.js';
import type { AccessRequest, TokenVerifier, Verdict } from './token-verifier.js';
import { liveSessionCheck } from './sessions/live-session-check.js';
import { DEFAULT_SESSION_POLICY, viewerSessionKeyOf, type SessionPolicy } from './viewer-session.js';

export class OpaqueTokenVerifier implements TokenVerifier {
  private readonly sessions: SessionPolicy;

  constructor(private readonly deps: { store: Pick<TokenStore, 'authorize'> & Partial<SyncAuthorizer>; clock: Clock; sessions?: SessionPolicy }) {
    this.sessions = deps.sessions ?? DEFAULT_SESSION_POLICY;
  }

  /** load → check rules and policies → record the viewer session: one store call, atomic in the store. */
  async verify(token: string, request: AccessRequest): Promise<Verdict> {
    // A string that cannot be one of our tokens is refused without a store round trip.
    if (!looksLikeOpaqueToken(token)) return { valid: false, kind: 'opaque', tokenId: null, reason: 'unknown_token' };
    const tokenHash = hashToken(token);
    const clientIp = request.clientIp === undefined ? undefined : normalizeIp(request.clientIp);
    const sessionId = viewerSessionKeyOf(request, clientIp?.text);
    const check: PolicyCheck = {
      sessionId,
      clientIp,
      now: this.deps.clock.now(),
      writeDeadline: request.writeDeadline,
      // Named rather than spread: one fixed-shape object per decision, no copy loop over the policy.
      viewerWindowMs: this.sessions.viewerWindowMs,
      recordedSessionsMax: this.sessions.recordedSessionsMax,
      session: liveSessionCheck(tokenHash, sessionId, clientIp?.text, request),
    };
    // A store that decides synchronously is called as such: no promise and no extra turn for the answer.
    const { store } = this.deps;
    const outcome = store.authorizeNow ? store.authorizeNow(tokenHash, request, check) : await store.authorize(tokenHash, request, check);
    if (!outcome) return { valid: false, kind: 'opaque', tokenId: null, reason: 'unknown_token' };
    if (outcome.record === null) return { valid: false, kind: 'opaque', tokenId: null, reason: outcome.reason };
    const { record } = outcome;
    if (outcome.reason) return { valid: false, kind: 'opaque', tokenId: record.id, reason: outcome.reason, viewerId: record.viewerId };
    return { valid: true, kind: 'opaque', tokenId: record.id, headers: record.headers, expiresAt: record.expiresAt, viewerId: record.viewerId };
  }
}
