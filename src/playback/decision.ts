import type { TokenDenyReason, TokenKind } from '../tokens/token-verifier.js';

export type DenyReason =
  | TokenDenyReason
  | 'missing_token'
  | 'bad_signature'
  | 'store_unavailable'
  /** nginx auth_request: the original URI is not an HLS playlist or segment we can read a stream from. */
  | 'unrecognized_uri'
  /** nginx auth_request: the original method is not GET or HEAD. */
  | 'method_not_allowed'
  /** The client IP (or stream) had too many guess-like refusals in the window (BRUTE_FORCE_*): refused without a lookup. */
  | 'throttled';

/**
 * The outcome of one authorization, as a value. The HTTP layer maps it to 200/403; `reason` goes to the decision
 * log and the metric label, never to WCS or the viewer (unless EXPOSE_DENY_REASON is on).
 */
export type Decision =
  | {
      allow: true;
      /**
       * `store_unavailable` when the store failed and STORE_FAILURE_POLICY=allow let the request through;
       * `cached` when it failed and STORE_FAILURE_POLICY=cached found a recent allow for the same request.
       */
      reason: 'valid' | 'store_unavailable' | 'cached';
      kind: TokenKind | null;
      tokenId: string | null;
      headers: Readonly<Record<string, string>>;
      /** The token's viewer id (opaque viewerId, JWT vid), when it has one. */
      viewerId?: string | undefined;
    }
  | { allow: false; reason: DenyReason; kind: TokenKind | null; tokenId: string | null; viewerId?: string | undefined };

export function deny(reason: DenyReason, kind: TokenKind | null = null, tokenId: string | null = null, viewerId?: string): Decision {
  return viewerId === undefined ? { allow: false, reason, kind, tokenId } : { allow: false, reason, kind, tokenId, viewerId };
}
