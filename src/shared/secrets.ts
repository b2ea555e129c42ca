import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Node's one-shot `crypto.hash` (20.12 and later) skips the Hash object and is several times cheaper for
 * token-sized input; every decision hashes the token it checks. Older Node 20 releases take the long way: read
 * from the namespace, since a named import of a missing export would stop them from loading this module at all.
 */
const oneShotHash: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

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
