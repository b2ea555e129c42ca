import { STREAM_NAME_MAX_LENGTH } from '../tokens/stream-pattern.js';
import { clientIpFromSessionId } from './client-ip.js';

/** WCS's mediaSessionId is a UUID with a short suffix; 256 leaves room for any other player or version. */
const VIEWER_SESSION_ID_MAX_LENGTH = 256;
/** WCS application keys are short names (`defaultApp`); 256 is the bound of a stream name too. */
const APP_KEY_MAX_LENGTH = 256;

export interface HookFields {
  /** undefined only for methods that name no stream (`connect`, read with `streamRequired: false`). */
  stream: string | undefined;
  appKey: string | undefined;
  /** undefined: no token sent; null: something was sent where the token goes, but not a string or number. */
  token: string | undefined | null;
  mediaSessionId: string | undefined;
  clientIp: string | undefined;
}

export type HookFieldsResult = { ok: true; fields: HookFields } | { ok: false; field: string; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tokenValue(value: unknown): string | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  // Tolerant: a numeric token in the older shape is the same token written without quotes.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * Reads what the decision needs from a WCS hook body of either documented shape. The token is taken from
 * `custom.<param>` (newer WCS: the playlist URL's query parameters) and otherwise from the top level (older WCS);
 * unknown fields are ignored.
 */
export function readHookFields(body: unknown, tokenParam: string, options: { streamRequired: boolean } = { streamRequired: true }): HookFieldsResult {
  if (!isObject(body)) return { ok: false, field: 'body', message: 'must be a JSON object' };
  const { name, appKey, mediaSessionId, custom } = body;
  if (options.streamRequired && (typeof name !== 'string' || name.length === 0)) {
    return { ok: false, field: 'name', message: 'must be a non-empty string (the stream name)' };
  }
  // The bound of stream patterns and of nginx mode's stream: it keeps every match cheap, in both stores alike.
  if (options.streamRequired && typeof name === 'string' && name.length > STREAM_NAME_MAX_LENGTH) {
    return { ok: false, field: 'name', message: `must be at most ${STREAM_NAME_MAX_LENGTH} characters` };
  }
  if (appKey !== undefined && typeof appKey !== 'string') return { ok: false, field: 'appKey', message: 'must be a string' };
  // Stored in every live viewer session and in the streams index (sessions/): bounded like a name.
  if (typeof appKey === 'string' && appKey.length > APP_KEY_MAX_LENGTH) {
    return { ok: false, field: 'appKey', message: `must be at most ${APP_KEY_MAX_LENGTH} characters` };
  }
  if (mediaSessionId !== undefined && typeof mediaSessionId !== 'string') {
    return { ok: false, field: 'mediaSessionId', message: 'must be a string' };
  }
  // Stored per viewer session (up to maxUses or TOKEN_SESSIONS_RECORDED_MAX of them per token): bounded like a name.
  if (typeof mediaSessionId === 'string' && mediaSessionId.length > VIEWER_SESSION_ID_MAX_LENGTH) {
    return { ok: false, field: 'mediaSessionId', message: `must be at most ${VIEWER_SESSION_ID_MAX_LENGTH} characters` };
  }
  let token = isObject(custom) && Object.hasOwn(custom, tokenParam) ? tokenValue(custom[tokenParam]) : undefined;
  if (token === undefined && Object.hasOwn(body, tokenParam)) token = tokenValue(body[tokenParam]);
  return {
    ok: true,
    fields: {
      stream: options.streamRequired && typeof name === 'string' ? name : undefined,
      appKey,
      token,
      mediaSessionId,
      clientIp: clientIpFromSessionId(body.sessionId),
    },
  };
}
