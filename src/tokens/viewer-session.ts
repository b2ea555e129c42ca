import { randomUUID } from 'node:crypto';
import { normalizeIp } from '../shared/ip-address.js';
import { sha256Hex } from '../shared/secrets.js';
import type { AccessRequest } from './token-verifier.js';

/** How viewer sessions are counted; from VIEWER_SESSION_WINDOW_SECONDS and TOKEN_SESSIONS_RECORDED_MAX. */
export interface SessionPolicy {
  viewerWindowMs: number;
  recordedSessionsMax: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({ viewerWindowMs: 60_000, recordedSessionsMax: 1000 });

const MAX_SESSION_ID_LENGTH = 200;

/**
 * The viewer session a request belongs to. WCS's mediaSessionId is the best id (a retry or a playlist reload
 * carries the same one); without it, client IP + stream stands in, so a repeat from the same place is still the
 * same session. With neither, the request cannot be recognised again: it counts as a new session every time,
 * which may spend a use on a repeat but can never let a limit be exceeded.
 */
export function viewerSessionKey(request: Pick<AccessRequest, 'viewerSessionId' | 'clientIp' | 'stream'>): string {
  // The address is parsed only when it is used: without a viewer session id.
  const { viewerSessionId: id, clientIp } = request;
  const ip = (id === undefined || id === '') && clientIp !== undefined ? normalizeIp(clientIp)?.text : undefined;
  return viewerSessionKeyOf(request, ip);
}

/** viewerSessionKey for a verifier that has parsed the address already: `clientIp` is its canonical text. */
export function viewerSessionKeyOf(request: Pick<AccessRequest, 'viewerSessionId' | 'stream'>, clientIp: string | undefined): string {
  const id = request.viewerSessionId;
  if (id !== undefined && id !== '') {
    // Ids come from WCS, but a bound keeps one odd request from storing a huge field per use.
    return id.length <= MAX_SESSION_ID_LENGTH ? id : `sha256:${sha256Hex(id)}`;
  }
  if (clientIp !== undefined) return `ip:${clientIp}/${request.stream ?? ''}`;
  return `anonymous:${randomUUID()}`;
}

export function sessionPolicyFrom(config: { viewerSessionWindowSeconds: number; tokenSessionsRecordedMax: number }): SessionPolicy {
  return { viewerWindowMs: config.viewerSessionWindowSeconds * 1000, recordedSessionsMax: config.tokenSessionsRecordedMax };
}
