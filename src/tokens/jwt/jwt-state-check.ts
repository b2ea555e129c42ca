import { liveSessionCheck } from '../sessions/live-session-check.js';
import { jwtSessionIds } from '../sessions/session-id-memo.js';
import type { SessionPart, SessionRegistry } from '../sessions/session-registry.js';
import type { AccessRequest, TokenDenyReason } from '../token-verifier.js';
import { viewerSessionKeyOf } from '../viewer-session.js';
import type { JtiStore } from './jti-store.js';
import type { JwtClaims } from './jwt-claims.js';

/** How long one-time state is kept for a token without exp (JWT_REQUIRE_EXP=false): long enough to be forever. */
const NO_EXP_STATE_MS = 10 * 365 * 86_400_000;

export interface JwtStateDeps {
  jtis: Pick<JtiStore, 'check'>;
  /** Absent: the live session registry is not consulted. */
  sessions?: Pick<SessionRegistry, 'decide'> | undefined;
  options: { clockSkewSeconds: number };
}

/**
 * A JWT decision's store part, in one step, for a token that passed everything else (so a refused request consumes
 * nothing): the jti (revoked, a one-time token's owner) together with the viewer session when there is a jti (see
 * JtiUse.session), else the viewer session alone. null: allowed, and recorded when it consumes. Rejects when the
 * store fails (authorizePlayback turns that into STORE_FAILURE_POLICY) or past the write deadline.
 */
export async function checkJwtState(
  deps: JwtStateDeps,
  claims: JwtClaims,
  tokenId: string,
  clientIp: string | undefined,
  request: AccessRequest,
  now: number,
): Promise<TokenDenyReason | null> {
  const keepUntil = claims.exp === undefined ? now + NO_EXP_STATE_MS : (claims.exp + deps.options.clockSkewSeconds) * 1000;
  const session = sessionPart(deps, claims, tokenId, clientIp, request, keepUntil);
  if (claims.jti === undefined) {
    if (!session || !deps.sessions) return null;
    return (await deps.sessions.decide(session.check, session.token, request.consume, now, request.writeDeadline)).reason;
  }
  const state = await deps.jtis.check(claims.jti, {
    once: claims.once === true,
    consume: request.consume,
    // As for opaque use limits: without WCS's mediaSessionId, the client IP and stream stand for the session.
    sessionId: request.viewerSessionId ?? `${request.clientIp ?? ''}|${request.stream}`,
    keepUntil,
    now,
    writeDeadline: request.writeDeadline,
    session,
  });
  if (state === 'revoked') return 'revoked';
  if (state === 'used') return 'already_used';
  return state === 'ok' ? null : state;
}

/**
 * The live session registry's part: for a consuming request (it records the session, under the viewer's limit),
 * and for a token with a viewer id (its kicked or replaced sessions are refused on every check). Other
 * non-consuming checks (segments) skip it.
 */
function sessionPart(
  deps: JwtStateDeps,
  claims: JwtClaims,
  tokenId: string,
  clientIp: string | undefined,
  request: AccessRequest,
  expiresAt: number,
): SessionPart | undefined {
  if (!deps.sessions || (!request.consume && claims.vid === undefined)) return undefined;
  const sessionKey = viewerSessionKeyOf(request, clientIp);
  const check = liveSessionCheck(jwtSessionIds.idFor(tokenId, sessionKey), clientIp, request);
  return { check, token: { id: tokenId, viewerId: claims.vid, maxViewerSessions: claims.mvs, expiresAt } };
}
