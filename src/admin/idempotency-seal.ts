import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { AdminKey } from './admin-keys.js';

/** What a retry gets back: the first answer's status, Location and body. */
export interface StoredAnswer {
  status: number;
  location: string | undefined;
  body: unknown;
}

/** Letters, digits and `_ - . :` (UUIDs, ULIDs and most job ids fit), 1 to 255 characters, as Stripe allows. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,255}$/;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The cryptography of one idempotency key, for one admin key and one route. The store sees only:
 * - `lookupId`: HMAC of the route and idempotency key under the admin key's digest (so two admin keys using the
 *   same idempotency key get different entries and neither can find the other's);
 * - a fingerprint of the request body (HMAC under the derived key, so it says nothing about the body);
 * - the answer (token secrets included) sealed with AES-256-GCM under a key derived with HKDF from the
 *   idempotency key, salted with the admin key's digest. The idempotency key itself is never stored, so whoever
 *   reads Redis can open no answer: it takes the idempotency key and the configured admin key's digest.
 */
export function idempotencySealer(adminKey: AdminKey, route: string, idempotencyKey: string) {
  const context = `wcs-token-auth idempotency v1\0${adminKey.id}\0${route}`;
  const lookupId = createHmac('sha256', adminKey.sha256).update(`${context}\0${idempotencyKey}`).digest('base64url');
  const key = Buffer.from(hkdfSync('sha256', idempotencyKey, adminKey.sha256, context, 32));

  const fingerprint = (body: unknown) => createHmac('sha256', key).update(canonicalJson(body)).digest('base64url');

  const seal = (answer: StoredAnswer): string => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(lookupId));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  };

  /** Throws when the sealed answer was not sealed under this key (or was changed). */
  const open = (sealed: string): StoredAnswer => {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(lookupId));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as StoredAnswer;
  };

  return { lookupId, fingerprint, seal, open };
}

/** JSON with object keys sorted, so that the same body sent with its keys in another order is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
