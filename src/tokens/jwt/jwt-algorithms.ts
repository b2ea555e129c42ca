import type { KeyObject } from 'node:crypto';

/** The signature algorithms this service verifies and signs with. `none` is deliberately absent. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === 'string' && (JWT_ALGORITHMS as readonly string[]).includes(value);
}

export function isHmacAlgorithm(alg: JwtAlgorithm): boolean {
  return alg.startsWith('HS');
}

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export const HMAC_MIN_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/** RSA keys shorter than this are refused, as jsonwebtoken refuses to sign with them. */
export const RSA_MIN_BITS = 2048;

/**
 * The algorithms a key can be used with, from the key's own type: a secret only with HMAC, an RSA key only with
 * RS and PS algorithms, an EC key only with the ES algorithm of its curve. This is what makes algorithm confusion impossible:
 * whatever a token's header says, the key decides the family. The first entry is the default for that key.
 */
export function algorithmsForKey(key: KeyObject): JwtAlgorithm[] {
  if (key.type === 'secret') return ['HS256', 'HS384', 'HS512'];
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256'];
    case 'rsa-pss':
      return key.asymmetricKeyDetails?.hashAlgorithm === 'sha256' ? ['PS256'] : [];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      return [];
    }
    case 'ed25519':
    case 'ed448':
      return ['EdDSA'];
    default:
      return [];
  }
}

/** Why a key cannot be used at all (too weak, unsupported type), or undefined when it can. */
export function keyWeakness(key: KeyObject, algorithms: readonly JwtAlgorithm[]): string | undefined {
  if (key.type === 'secret') {
    const needed = Math.max(...algorithms.map((alg) => HMAC_MIN_BYTES[alg] ?? 0));
    const size = key.symmetricKeySize ?? 0;
    return size < needed ? `an HMAC secret for ${algorithms.join('/')} must be at least ${needed} bytes (it has ${size})` : undefined;
  }
  const type = key.asymmetricKeyType;
  if ((type === 'rsa' || type === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_MIN_BITS) {
    return `RSA keys must have at least ${RSA_MIN_BITS} bits`;
  }
  if (algorithmsForKey(key).length === 0) return `unsupported key type ${type ?? 'unknown'} (or curve)`;
  return undefined;
}
