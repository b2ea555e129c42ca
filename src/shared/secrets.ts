import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random string of `bytes` bytes of entropy, base64url-encoded. */
export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Constant-time equality of two strings. Both sides are hashed first so that the comparison takes the same time
 * whatever the lengths, and timingSafeEqual never throws on a length mismatch.
 */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
