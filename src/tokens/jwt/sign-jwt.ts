import jwt, { type Algorithm } from 'jsonwebtoken';
import { signEdDsa } from './compact-jws.js';
import type { SigningKey } from './jwt-key.js';

/** Signs claims with the key's algorithm and names the key in the header (`kid`), so verifiers can pick it. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  // jsonwebtoken 9 does not implement EdDSA; node:crypto signs it with the same key object.
  if (key.algorithm === 'EdDSA') return signEdDsa({ alg: 'EdDSA', typ: 'JWT', kid: key.kid }, claims, key.privateKey);
  // No noTimestamp: it would delete our iat. jsonwebtoken keeps an iat it is given (from the injected clock).
  return jwt.sign(claims, key.privateKey, { algorithm: key.algorithm as Algorithm, keyid: key.kid });
}
