import { z } from 'zod';
import { headerNameProblem } from '../shared/http-headers.js';
import { isHmacAlgorithm, isJwtAlgorithm, type JwtAlgorithm } from '../tokens/jwt/jwt-algorithms.js';
import { parseJwtKeySpecs } from '../tokens/jwt/jwt-key-spec.js';
import type { JwtConfig } from '../tokens/jwt/jwt-runtime.js';
import { booleanString, integerString, secret, splitList, stringList, type EnvOf, type ReportProblem } from './env-values.js';
import type { storeEnv } from './store-settings.js';

const JWKS_ALGORITHMS: JwtAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

const jwksAlgorithms = z.string().transform((value, ctx) => {
  const algorithms: JwtAlgorithm[] = [];
  for (const alg of splitList(value)) {
    // A JWKS is public: a symmetric key in it would let anyone sign tokens.
    if (!isJwtAlgorithm(alg) || isHmacAlgorithm(alg)) {
      ctx.addIssue({ code: 'custom', message: `"${alg}" is not one of ${JWKS_ALGORITHMS.join(', ')}` });
      return z.NEVER;
    }
    algorithms.push(alg);
  }
  if (algorithms.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one algorithm' });
  return algorithms;
});

const headerName = z.string().transform((value, ctx) => {
  if (value === 'off') return null;
  const problem = headerNameProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: `${problem}; or off` });
    return z.NEVER;
  }
  return value;
});

/** JWTs: the keys that verify and sign them, a JWKS to fetch keys from, and the claims they must carry. */
export const jwtEnv = {
  JWT_ENABLED: booleanString.default(true),
  JWT_KEYS: secret(z.string().optional(), 'key-references'),
  JWT_SIGNING_KEYS: secret(z.string().optional(), 'key-references'),
  JWT_JWKS_URL: secret(z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(), 'url-credentials'),
  JWT_JWKS_ALGORITHMS: jwksAlgorithms.default(JWKS_ALGORITHMS),
  JWT_JWKS_REFRESH_INTERVAL_SECONDS: integerString(1, 86_400).default(300),
  JWT_JWKS_MIN_REFETCH_INTERVAL_SECONDS: integerString(1, 3600).default(30),
  JWT_JWKS_FETCH_TIMEOUT_MS: integerString(1, 60_000).default(2000),
  JWT_UNKNOWN_KID_WAIT_MS: integerString(0, 60_000).default(100),
  JWT_REQUIRE_EXP: booleanString.default(true),
  JWT_KEYS_RELOAD_INTERVAL_SECONDS: integerString(0, 86_400).default(30),
  JWT_CLOCK_SKEW_SECONDS: integerString(0, 600).default(30),
  JWT_ISSUERS: stringList.optional(),
  JWT_AUDIENCES: stringList.optional(),
  JWT_SIGNING_ISSUER: z.string().min(1).max(256).default('wcs-token-auth'),
  JWT_SIGNING_AUDIENCE: z.string().min(1).max(256).optional(),
  JWT_VIEWER_ID_HEADER: headerName.default('X-Viewer-Id'),
  JWT_VERIFIED_CACHE_SIZE: integerString(0, 1_000_000).default(10_000),
};

type JwtEnv = EnvOf<typeof jwtEnv> & Pick<EnvOf<typeof storeEnv>, 'STORE_TIMEOUT_MS'>;

/**
 * The JWT part, with the checks that span several variables. `env` is the raw environment: a key spec may name
 * another variable (`env:NAME`) that holds the key. Key files are read later, by the key ring.
 */
export function jwtSettings(e: JwtEnv, env: Readonly<Record<string, string | undefined>>, report: ReportProblem): { jwt: JwtConfig } {
  const specs = (variable: 'JWT_KEYS' | 'JWT_SIGNING_KEYS') => {
    const value = e[variable];
    if (value === undefined) return [];
    try {
      return parseJwtKeySpecs(value, env);
    } catch (error) {
      report(variable, (error as Error).message);
      return [];
    }
  };
  const keys = specs('JWT_KEYS');
  const signingKeys = specs('JWT_SIGNING_KEYS');
  if (e.JWT_JWKS_URL !== undefined && e.JWT_UNKNOWN_KID_WAIT_MS >= e.STORE_TIMEOUT_MS) {
    report('JWT_UNKNOWN_KID_WAIT_MS', 'must be less than STORE_TIMEOUT_MS (the whole decision must fit in it)');
  }
  // Tokens this service issues must pass its own checks.
  if (signingKeys.length > 0 && e.JWT_ISSUERS && !e.JWT_ISSUERS.includes(e.JWT_SIGNING_ISSUER)) {
    report('JWT_SIGNING_ISSUER', 'must be one of JWT_ISSUERS, or this service would refuse its own tokens');
  }
  if (signingKeys.length > 0 && e.JWT_AUDIENCES && (e.JWT_SIGNING_AUDIENCE === undefined || !e.JWT_AUDIENCES.includes(e.JWT_SIGNING_AUDIENCE))) {
    report('JWT_SIGNING_AUDIENCE', 'must be one of JWT_AUDIENCES, or this service would refuse its own tokens');
  }
  const jwks =
    e.JWT_JWKS_URL === undefined
      ? undefined
      : {
          url: e.JWT_JWKS_URL,
          algorithms: e.JWT_JWKS_ALGORITHMS,
          refreshIntervalSeconds: e.JWT_JWKS_REFRESH_INTERVAL_SECONDS,
          minRefetchIntervalSeconds: e.JWT_JWKS_MIN_REFETCH_INTERVAL_SECONDS,
          fetchTimeoutMs: e.JWT_JWKS_FETCH_TIMEOUT_MS,
        };
  return {
    jwt: {
      enabled: e.JWT_ENABLED,
      keys,
      signingKeys,
      jwks,
      keysReloadIntervalSeconds: e.JWT_KEYS_RELOAD_INTERVAL_SECONDS,
      unknownKidWaitMs: e.JWT_UNKNOWN_KID_WAIT_MS,
      clockSkewSeconds: e.JWT_CLOCK_SKEW_SECONDS,
      requireExp: e.JWT_REQUIRE_EXP,
      issuers: e.JWT_ISSUERS ?? null,
      audiences: e.JWT_AUDIENCES ?? null,
      signingIssuer: e.JWT_SIGNING_ISSUER,
      signingAudience: e.JWT_SIGNING_AUDIENCE,
      viewerIdHeader: e.JWT_VIEWER_ID_HEADER,
      verifiedCacheSize: e.JWT_VERIFIED_CACHE_SIZE,
    },
  };
}
