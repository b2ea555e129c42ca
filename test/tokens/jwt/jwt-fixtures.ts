import { constants, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { RequestListener } from 'node:http';
import { newerPlayHlsBody, pretty } from '../../helpers/wcs-bodies.js';

export type MintAlg = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA' | 'none';

/** The key a token is signed with: a secret for HS*, a private key object otherwise. */
export type SigningMaterial = Buffer | KeyObject;

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * Mints a compact JWS with node:crypto only — no JWT library — so the service is checked against tokens it did not
 * make with its own dependency. `header` is merged over `{ alg, typ: 'JWT' }`.
 */
export function mintJwt(alg: MintAlg, payload: unknown, key: SigningMaterial | null, header: Record<string, unknown> = {}): string {
  const input = `${b64url({ alg, typ: 'JWT', ...header })}.${b64url(payload)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (alg) {
    case 'none':
      signature = Buffer.alloc(0);
      break;
    case 'HS256':
    case 'HS384':
    case 'HS512':
      signature = createHmac(`sha${alg.slice(2)}`, key as Buffer).update(data).digest();
      break;
    case 'RS256':
    case 'RS384':
    case 'RS512':
      signature = sign(`sha${alg.slice(2)}`, data, key as KeyObject);
      break;
    case 'PS256':
      signature = sign('sha256', data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
      break;
    case 'ES256':
    case 'ES384':
      // JWS wants the raw r||s form (IEEE P1363), not DER.
      signature = sign(`sha${alg.slice(2)}`, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
    case 'EdDSA':
      signature = sign(null, data, key as KeyObject);
      break;
  }
  return `${input}.${signature.toString('base64url')}`;
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  privatePem: string;
}

function pair(kind: 'rsa' | 'ec256' | 'ec384' | 'ed25519'): KeyPair {
  const generated =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: kind === 'ec256' ? 'P-256' : 'P-384' });
  return {
    ...generated,
    publicPem: generated.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: generated.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export interface TestKeys {
  rsa: KeyPair;
  rsaOther: KeyPair;
  ec256: KeyPair;
  ec256Other: KeyPair;
  ec384: KeyPair;
  ed25519: KeyPair;
  hs256: Buffer;
  hs384: Buffer;
  hs512: Buffer;
}

/**
 * Random bytes for an HMAC secret written to a key file. A secret file's trailing newline is not part of the secret
 * (jwt-key.ts), so random bytes that end in \n or \r would lose a byte and fall under the minimum length: 1 run in
 * ~128 did.
 */
function fileSecret(length: number): Buffer {
  const secret = randomBytes(length);
  if (secret[length - 1] === 0x0a || secret[length - 1] === 0x0d) secret[length - 1] = 0x41;
  return secret;
}

/** Fresh keys for every algorithm, and a second one of some kinds to sign "with the wrong key". */
export function generateTestKeys(): TestKeys {
  return {
    rsa: pair('rsa'),
    rsaOther: pair('rsa'),
    ec256: pair('ec256'),
    ec256Other: pair('ec256'),
    ec384: pair('ec384'),
    ed25519: pair('ed25519'),
    // Printable, so the same secret can be given through an environment variable.
    hs256: Buffer.from(randomBytes(32).toString('base64url')),
    hs384: fileSecret(48),
    hs512: fileSecret(64),
  };
}

/** A temporary folder for key files, removed by cleanup(). */
export function keyDir() {
  const dir = mkdtempSync(join(tmpdir(), 'wta-jwt-'));
  return {
    dir,
    write(name: string, content: string | Buffer): string {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Seconds since the epoch of a clock in ms. */
export const seconds = (ms: number) => Math.floor(ms / 1000);

/** The playHLS hook as WCS calls it (newer body shape, pretty-printed), with the token in `custom.token`. */
export function playHls(app: RequestListener, token: string, overrides: Record<string, unknown> = {}) {
  return request(app).post('/wcs/playHLS').set('Content-Type', 'application/json').send(pretty(newerPlayHlsBody(overrides, { token })));
}
