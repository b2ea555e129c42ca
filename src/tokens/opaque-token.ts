import { randomSecret, sha256Hex } from '../shared/secrets.js';

/** Recognisable prefix, so leaked tokens can be found by secret scanners and told apart from JWTs. */
export const OPAQUE_TOKEN_PREFIX = 'wta_';
const OPAQUE_TOKEN_SHAPE = /^wta_[A-Za-z0-9_-]{43}$/;

/** 256 bits of randomness. */
export function generateOpaqueToken(): string {
  return OPAQUE_TOKEN_PREFIX + randomSecret(32);
}

export function generateTokenId(): string {
  return 'tok_' + randomSecret(12);
}

export function looksLikeOpaqueToken(value: string): boolean {
  return OPAQUE_TOKEN_SHAPE.test(value);
}

/** Stores key records by this hash; the token itself is never stored. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}
