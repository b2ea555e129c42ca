import type { AccessRequest } from '../token-verifier.js';
import type { SessionCheck } from './session-registry.js';

/**
 * The registry's part of a decision: which live session it is (`id`: sessionIdFor of the token and the viewer
 * session key, from the token kind's SessionIdMemo) and what the sessions API shows about it.
 */
export function liveSessionCheck(id: string, clientIp: string | undefined, request: AccessRequest): SessionCheck {
  return {
    id,
    stream: request.stream ?? '',
    appKey: request.appKey ?? '',
    clientIp: clientIp ?? '',
    method: request.method ?? 'unknown',
  };
}
