import type { Action } from './token-record.js';

export type TokenKind = 'opaque' | 'jwt';

/** Why a token does not grant a request. Machine codes: they reach logs and metrics, never the viewer. */
export type TokenDenyReason =
  | 'unknown_token'
  | 'malformed_token'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'disabled'
  | 'stream_not_allowed'
  | 'app_not_allowed'
  | 'action_not_allowed'
  // JWTs
  | 'invalid_signature'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'invalid_claims'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'already_used'
  // Opaque token policies (ip_not_allowed applies to JWTs too)
  | 'ip_not_allowed'
  | 'ip_mismatch'
  | 'use_limit_reached'
  | 'viewer_limit_reached'
  // Viewer sessions across tokens (sessions/): the viewer's limit, and a session ended by an admin or replaced
  | 'viewer_session_limit'
  | 'session_ended'
  | 'session_replaced'
  // A stored record the store cannot read (refused, whatever STORE_FAILURE_POLICY says)
  | 'unreadable_record';

/** What is being asked for, independent of who asked (WCS hook or nginx). */
export interface AccessRequest {
  /** undefined for session-level methods that name no stream (WCS `connect`): the stream check is skipped. */
  stream: string | undefined;
  appKey: string | undefined;
  action: Action;
  /** In canonical form (canonicalIp): as the hook body and nginx entry points produce it. */
  clientIp: string | undefined;
  /**
   * One viewer's playback session (WCS's mediaSessionId; the nginx endpoint derives one). Policies that count
   * viewers or uses count these, so a retried or repeated request of the same session is not counted twice.
   */
  viewerSessionId: string | undefined;
  /**
   * False for checks that must not change state: dry runs, and segment requests that only check validity.
   * True when the request starts (or continues) a viewer session, e.g. playHLS.
   */
  consume: boolean;
  /** Who asked: the WCS method (`playHLS`, …) or `nginx`; shown in the live sessions API. */
  method?: string | undefined;
  /**
   * Wall-clock ms (Date.now()) from which the decision must not change state: authorizePlayback has answered
   * without the store by then. See PolicyCheck.writeDeadline and JtiUse.writeDeadline. Absent: no deadline.
   */
  writeDeadline?: number | undefined;
}

export type Verdict =
  | {
      valid: true;
      kind: TokenKind;
      tokenId: string;
      headers: Readonly<Record<string, string>>;
      /** When the token stops being valid (ms since the epoch), if known: caches must not outlive it. */
      expiresAt?: number;
      /** The token's viewer (opaque viewerId, JWT vid), for the decision log. */
      viewerId?: string | undefined;
    }
  | { valid: false; kind: TokenKind | null; tokenId: string | null; reason: TokenDenyReason; viewerId?: string | undefined };

/**
 * Checks one token against one request. Rejects (throws) only when its store cannot answer: the caller turns
 * that into the configured failure policy in one place.
 */
export interface TokenVerifier {
  verify(token: string, request: AccessRequest): Promise<Verdict>;
  /**
   * `verify` answered (or thrown) at once, where the verifier can (the memory store's `authorizeNow`); undefined when
   * it cannot, having done nothing: then `verify` is the way.
   */
  verifyNow?(token: string, request: AccessRequest): Verdict | undefined;
}
