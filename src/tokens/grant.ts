import { streamMatches } from './stream-pattern.js';
import type { Action } from './token-record.js';
import type { AccessRequest, TokenDenyReason } from './token-verifier.js';

/** What a token allows, whatever its kind: an opaque record and JWT claims both reduce to this. */
export interface Grant {
  streams: readonly string[];
  appKeys: readonly string[] | null;
  actions: readonly Action[];
  notBefore: number | null;
  expiresAt: number;
  disabled: boolean;
  revoked: boolean;
}

/** The checks every token goes through, in a fixed order so the reason reported is stable. */
export function checkGrant(grant: Grant, request: AccessRequest, now: number): TokenDenyReason | null {
  if (grant.revoked) return 'revoked';
  if (grant.disabled) return 'disabled';
  if (grant.expiresAt <= now) return 'expired';
  if (grant.notBefore !== null && grant.notBefore > now) return 'not_yet_valid';
  if (!grant.actions.includes(request.action)) return 'action_not_allowed';
  if (grant.appKeys !== null && (request.appKey === undefined || !grant.appKeys.includes(request.appKey))) {
    return 'app_not_allowed';
  }
  if (!streamMatches(grant.streams, request.stream)) return 'stream_not_allowed';
  return null;
}
