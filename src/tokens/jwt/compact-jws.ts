import { sign, verify, type KeyObject } from 'node:crypto';

/** Three base64url segments; the last may be empty (an unsigned `alg: none` token is still routed here, and refused). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Longer tokens are refused before any decoding: real ones are a few hundred bytes to a few KiB. */
export const MAX_JWT_LENGTH = 8192;

export function looksLikeJwt(token: string): boolean {
  // Every decision asks this; an opaque token has no dot, and the pattern would backtrack over all of it to say so.
  return token.includes('.') && JWT_SHAPE.test(token);
}

export interface CompactJws {
  header: Record<string, unknown>;
  /** `<header>.<payload>` as sent: what the signature covers. */
  signingInput: string;
  payloadPart: string;
  signature: Buffer;
}

function decodeJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** The header and parts of a compact JWS, or undefined when it is not one. Verifies nothing. */
export function parseCompactJws(token: string): CompactJws | undefined {
  if (token.length > MAX_JWT_LENGTH || !looksLikeJwt(token)) return undefined;
  const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
  let header: unknown;
  try {
    header = decodeJson(headerPart);
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  return {
    header: header as Record<string, unknown>,
    signingInput: `${headerPart}.${payloadPart}`,
    payloadPart,
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}

/** The payload of a token whose signature has been verified; throws when it is not JSON. */
export function decodePayload(jws: CompactJws): unknown {
  return decodeJson(jws.payloadPart);
}

/**
 * EdDSA (RFC 8037), which jsonwebtoken 9 does not implement: Ed25519/Ed448 signatures over the signing input,
 * checked by node:crypto with the configured key object.
 */
export function verifyEdDsa(jws: CompactJws, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(jws.signingInput, 'ascii'), key, jws.signature);
  } catch {
    return false;
  }
}

export function signEdDsa(header: Record<string, unknown>, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'ascii'), privateKey).toString('base64url')}`;
}
