import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^WCS\s+([0-9a-fA-F]{32})$/i;

/**
 * WCS signs with HMAC-MD5 of the raw body bytes (rest_hook_send_hash). The HMAC is over the bytes as received:
 * re-serialised JSON would differ from what WCS hashed. Either hex case is accepted.
 */
export function isValidWcsSignature(secret: Buffer, rawBody: Buffer, authorization: string | undefined): boolean {
  const match = authorization === undefined ? null : HEADER.exec(authorization.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('md5', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}
