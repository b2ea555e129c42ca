import { createPrivateKey, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { algorithmsForKey, isHmacAlgorithm, keyWeakness, type JwtAlgorithm } from './jwt-algorithms.js';
import type { JwtKeySpec } from './jwt-key-spec.js';

/** A key that verifies signatures, built once (never re-parsed per request), with the algorithms it allows. */
export interface JwtKey {
  kid: string | undefined;
  algorithms: readonly JwtAlgorithm[];
  /** A public key, or the secret for HMAC. */
  key: KeyObject;
}

/** The key this service signs issued tokens with. */
export interface SigningKey {
  kid: string;
  algorithm: JwtAlgorithm;
  privateKey: KeyObject;
  /** The public half as a JWK for /.well-known/jwks.json; undefined for HMAC secrets, which are never published. */
  publicJwk: JsonWebKey | undefined;
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;

/** PEM text from an environment variable is often written on one line with literal `\n`. */
export function materialFromEnv(value: string): Buffer {
  return Buffer.from(PEM.test(value) && !value.includes('\n') ? value.replace(/\\n/g, '\n') : value, 'utf8');
}

/** A secret file written with `echo` ends with a newline that is not part of the secret. */
function secretBytes(material: Buffer, fromFile: boolean): Buffer {
  if (!fromFile) return material;
  let end = material.length;
  if (end > 0 && material[end - 1] === 0x0a) end--;
  if (end > 0 && material[end - 1] === 0x0d) end--;
  return material.subarray(0, end);
}

function chooseAlgorithms(spec: JwtKeySpec, key: KeyObject): JwtAlgorithm[] {
  const fits = algorithmsForKey(key);
  const chosen = spec.algorithms ?? fits.slice(0, 1);
  for (const alg of chosen) {
    if (!fits.includes(alg)) {
      throw new Error(`algorithm ${alg} does not fit this key${fits.length ? ` (it fits ${fits.join(', ')})` : ''}`);
    }
  }
  const weakness = keyWeakness(key, chosen);
  if (weakness) throw new Error(weakness);
  if (chosen.length === 0) throw new Error('unsupported key type (or curve)');
  return chosen;
}

/**
 * Decides between a shared secret and a PEM key. Given HMAC algorithms, PEM text is refused: an HMAC "secret" that
 * is someone's public key is exactly the algorithm-confusion attack, so it must not be configurable by mistake.
 */
function isSecretMaterial(spec: JwtKeySpec, material: Buffer): boolean {
  const pem = PEM.test(material.toString('latin1'));
  const wantsHmac = spec.algorithms?.some(isHmacAlgorithm);
  if (wantsHmac && spec.algorithms?.some((alg) => !isHmacAlgorithm(alg))) {
    throw new Error('a key cannot allow both HMAC (HS*) and public-key algorithms');
  }
  if (wantsHmac && pem) throw new Error('HMAC algorithms need a shared secret, not a PEM key');
  if (spec.algorithms && !wantsHmac && !pem) throw new Error(`${spec.algorithms.join('/')} needs a PEM key`);
  return !pem;
}

export function buildVerificationKey(spec: JwtKeySpec, material: Buffer): JwtKey {
  let key: KeyObject;
  if (isSecretMaterial(spec, material)) {
    key = createSecretKey(secretBytes(material, spec.source.kind === 'file'));
  } else {
    try {
      // Accepts a public key, a certificate or a private key (its public half is kept).
      key = createPublicKey(material);
    } catch {
      throw new Error('is not a valid PEM public key, certificate or private key');
    }
  }
  return { kid: spec.kid, algorithms: chooseAlgorithms(spec, key), key };
}

/** A signing key and the verification key that checks its own tokens. */
export function buildSigningKey(spec: JwtKeySpec, material: Buffer): { signing: SigningKey; verification: JwtKey } {
  if (isSecretMaterial(spec, material)) {
    const secret = createSecretKey(secretBytes(material, spec.source.kind === 'file'));
    const algorithms = chooseAlgorithms(spec, secret);
    return {
      signing: { kid: spec.kid, algorithm: algorithms[0] as JwtAlgorithm, privateKey: secret, publicJwk: undefined },
      verification: { kid: spec.kid, algorithms, key: secret },
    };
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(material);
  } catch {
    throw new Error('is not a valid PEM private key (signing needs the private key)');
  }
  const publicKey = createPublicKey(privateKey);
  const algorithms = chooseAlgorithms(spec, publicKey);
  const algorithm = algorithms[0] as JwtAlgorithm;
  let jwk: JsonWebKey;
  try {
    jwk = publicKey.export({ format: 'jwk' });
  } catch {
    throw new Error('this key type cannot be published as a JWK (for PS256 use a plain RSA key)');
  }
  return {
    signing: { kid: spec.kid, algorithm, privateKey, publicJwk: { ...jwk, kid: spec.kid, alg: algorithm, use: 'sig' } },
    verification: { kid: spec.kid, algorithms, key: publicKey },
  };
}
