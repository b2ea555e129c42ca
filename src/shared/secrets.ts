import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Node's one-shot `crypto.hash` (20.12 and later) skips the Hash object and is several times cheaper for
 * token-sized input; every decision hashes the token it checks. Older Node 20 releases take the long way.
 */
const oneShotHash: typeof hash | undefined = typeof hash === 'function' ? hash : undefined;

export function sha256Hex(value: string | Buffer): string {
  return oneShotHash ? oneShotHash('sha256', value, 'hex') : createHash('sha256').update(value).digest('hex');
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
