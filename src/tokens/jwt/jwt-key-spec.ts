import { isJwtAlgorithm, type JwtAlgorithm } from './jwt-algorithms.js';

/** Where a key's material comes from: a file (re-read on reload) or an environment variable (fixed for the run). */
export type KeySource = { kind: 'file'; path: string } | { kind: 'env'; name: string; value: string };

/** One configured key, before its material is read: `kid[:ALG[+ALG…]]=file:<path>` or `…=env:<VARIABLE>`. */
export interface JwtKeySpec {
  kid: string;
  /** undefined: the key's type decides (see algorithmsForKey). */
  algorithms: JwtAlgorithm[] | undefined;
  source: KeySource;
}

const ENTRY = /^([A-Za-z0-9._~+/-]{1,128})(?::([A-Za-z0-9+]{1,64}))?=(file|env):(.+)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Parses a key list such as `2030-01:ES256=file:/etc/wta/idp.pem,legacy:HS256=env:LEGACY_JWT_SECRET`. `env:` names
 * another variable holding the PEM text (one-line PEMs with literal `\n` are accepted) or the HMAC secret.
 * Messages name the entry and kid, never the material.
 */
export function parseJwtKeySpecs(value: string, env: Readonly<Record<string, string | undefined>>): JwtKeySpec[] {
  const specs: JwtKeySpec[] = [];
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one key as kid[:ALG]=file:<path> or kid[:ALG]=env:<VARIABLE>');
  for (const [index, entry] of entries.entries()) {
    const match = ENTRY.exec(entry);
    if (!match) throw new Error(`entry ${index + 1} must look like kid[:ALG[+ALG]]=file:<path> or kid[:ALG]=env:<VARIABLE>`);
    const [, kid = '', algList, kind, location = ''] = match;
    const where = `entry ${index + 1} (kid "${kid}")`;
    if (specs.some((spec) => spec.kid === kid)) throw new Error(`${where}: kid "${kid}" is listed twice`);
    let algorithms: JwtAlgorithm[] | undefined;
    if (algList !== undefined) {
      algorithms = [];
      for (const alg of algList.split('+')) {
        if (!isJwtAlgorithm(alg)) {
          throw new Error(`${where}: unknown algorithm "${alg}" (known: HS256, HS384, HS512, RS256, RS384, RS512, PS256, ES256, ES384, EdDSA)`);
        }
        if (!algorithms.includes(alg)) algorithms.push(alg);
      }
    }
    if (kind === 'file') {
      specs.push({ kid, algorithms, source: { kind: 'file', path: location } });
      continue;
    }
    if (!ENV_NAME.test(location)) throw new Error(`${where}: env: must name an environment variable`);
    const material = env[location];
    if (material === undefined || material === '') throw new Error(`${where}: environment variable ${location} is not set`);
    specs.push({ kid, algorithms, source: { kind: 'env', name: location, value: material } });
  }
  return specs;
}
