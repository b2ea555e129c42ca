import type { AccessRequest } from '../token-verifier.js';
import { sessionIdFor, type SessionCheck } from './session-registry.js';

/**
 * The registry's part of a decision: which live session it is and what the sessions API shows about it. `id`: the
 * caller's sessionIdFor(tokenRef, sessionKey), when it has it already.
 */
export function liveSessionCheck(
  tokenRef: string,
  sessionKey: string,
  clientIp: string | undefined,
  request: AccessRequest,
  id = sessionIdFor(tokenRef, sessionKey),
): SessionCheck {
  return {
    id,
    stream: request.stream ?? '',
    appKey: request.appKey ?? '',
    clientIp: clientIp ?? '',
    method: request.method ?? 'unknown',
  };
}
