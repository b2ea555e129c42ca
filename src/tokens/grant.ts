import type { IpRangeList, NormalizedIp } from '../shared/ip-address.js';
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
  /** Absent: any client IP. */
  ipRules?: IpRangeList;
}

/**
 * The stateless checks every token goes through, in a fixed order so the reason reported is stable. The Redis
 * store runs the same checks in the same order inside its decision script (redis-scripts.ts). `clientIp` is
 * request.clientIp as the verifier parsed it, once per decision.
 */
export function checkGrant(grant: Grant, request: AccessRequest, now: number, clientIp: NormalizedIp | undefined): TokenDenyReason | null {
  if (grant.revoked) return 'revoked';
  if (grant.disabled) return 'disabled';
  if (grant.expiresAt <= now) return 'expired';
  if (grant.notBefore !== null && grant.notBefore > now) return 'not_yet_valid';
  if (!grant.actions.includes(request.action)) return 'action_not_allowed';
  if (grant.appKeys !== null && (request.appKey === undefined || !grant.appKeys.includes(request.appKey))) {
    return 'app_not_allowed';
  }
  if (request.stream !== undefined && !streamMatches(grant.streams, request.stream)) return 'stream_not_allowed';
  if (grant.ipRules) {
    // No known client IP cannot prove it is inside the list.
    if (!clientIp || !grant.ipRules.includes(clientIp)) return 'ip_not_allowed';
  }
  return null;
}
