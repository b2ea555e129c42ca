import { z } from 'zod';
import { headerMapSchema } from '../../shared/http-headers.js';
import { cidrSchema } from '../cidr-schema.js';
import type { Grant } from '../grant.js';
import { STREAM_PATTERN } from '../stream-pattern.js';
import { ACTIONS } from '../token-record.js';
import type { TokenDenyReason } from '../token-verifier.js';
import { findUnsafeJson } from '../../shared/json-safety.js';

/** A viewer id goes into a response header: printable ASCII without spaces. */
export const VIEWER_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * 9999-12-31T23:59:59Z, the largest NumericDate accepted (also by POST /v1/revocations). Beyond it, `exp` in ms is
 * no longer an expiry Redis can set (1e20 s became PEXPIREAT 1e+23 and a jti key without TTL): refused as
 * invalid_claims, the same with either store.
 */
const NUMERIC_DATE_MAX_SECONDS = 253_402_300_799;
const numericDate = z.number().finite().min(-NUMERIC_DATE_MAX_SECONDS).max(NUMERIC_DATE_MAX_SECONDS);
const streamPattern = z.string().regex(STREAM_PATTERN);
const ipRange = cidrSchema('must be an IP address or CIDR range');

/**
 * The claims this service reads. Registered claims (RFC 7519) plus our own; unknown claims are ignored, so tokens
 * from an identity provider may carry anything else.
 *   streams     stream patterns (exact names or `*` globs), a string or an array; none = no stream
 *   appKeys     WCS applications; absent = any
 *   actions     `play` and/or `publish`; absent = [play]
 *   allowedIps  IPv4/IPv6 addresses or CIDR ranges the viewer's IP must be in; absent = any
 *   headers     response headers for the 200 answer
 *   vid         viewer id, passed downstream in JWT_VIEWER_ID_HEADER; its live sessions count across tokens
 *   mvs         the viewer's live session limit (maxViewerSessions of opaque tokens)
 *   once        true = one-time: the first viewer session owns the token (needs a jti)
 */
export const jwtClaimsSchema = z.object({
  exp: numericDate.optional(),
  nbf: numericDate.optional(),
  iat: numericDate.optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  jti: z.string().min(1).max(256).optional(),
  streams: z.union([streamPattern.transform((pattern) => [pattern]), z.array(streamPattern).max(100)]).optional(),
  appKeys: z.array(z.string().min(1).max(128)).max(100).optional(),
  actions: z.array(z.enum(ACTIONS)).min(1).max(ACTIONS.length).optional(),
  allowedIps: z.array(ipRange).max(100).optional(),
  headers: headerMapSchema.optional(),
  vid: z.string().regex(VIEWER_ID).optional(),
  /** Live sessions the viewer (vid) may have across all tokens (else VIEWER_MAX_SESSIONS). */
  mvs: z.number().int().min(1).max(10_000).optional(),
  once: z.boolean().optional(),
});

export type JwtClaims = z.infer<typeof jwtClaimsSchema>;

export interface ClaimPolicy {
  requireExp: boolean;
  clockSkewSeconds: number;
  /** Accepted `iss` values; null = not checked. */
  issuers: readonly string[] | null;
  /** Accepted `aud` values (one must match); null = not checked. */
  audiences: readonly string[] | null;
}

/**
 * Checks what the signature cannot: the time window, the claims' shape, the issuer and the audience, and an `iat`
 * in the future. nbf and exp come first and with the same rules as jsonwebtoken's (which has already applied them
 * to every algorithm it implements), so a token gets the same reason whatever its algorithm.
 */
export function checkClaims(payload: unknown, policy: ClaimPolicy, nowSeconds: number): { ok: true; claims: JwtClaims } | { ok: false; reason: TokenDenyReason } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reason: 'malformed_token' };
  const { nbf, exp } = payload as { nbf?: unknown; exp?: unknown };
  const skew = policy.clockSkewSeconds;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + skew)) {
    return { ok: false, reason: typeof nbf === 'number' ? 'not_yet_valid' : 'invalid_claims' };
  }
  if (exp !== undefined && (typeof exp !== 'number' || nowSeconds >= exp + skew)) {
    return { ok: false, reason: typeof exp === 'number' ? 'expired' : 'invalid_claims' };
  }
  // Unpaired surrogates (a jti would hash like its U+FFFD twin), deep nesting and __proto__: see findUnsafeJson.
  if (findUnsafeJson(payload)) return { ok: false, reason: 'invalid_claims' };
  const parsed = jwtClaimsSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: 'invalid_claims' };
  const claims = parsed.data;
  if (policy.requireExp && claims.exp === undefined) return { ok: false, reason: 'invalid_claims' };
  if (claims.once && claims.jti === undefined) return { ok: false, reason: 'invalid_claims' };
  if (policy.issuers && (claims.iss === undefined || !policy.issuers.includes(claims.iss))) return { ok: false, reason: 'wrong_issuer' };
  if (policy.audiences) {
    const audiences = policy.audiences;
    const presented = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!presented.some((aud) => audiences.includes(aud))) return { ok: false, reason: 'wrong_audience' };
  }
  // nbf and exp passed above; this adds an iat in the future, with the same comparisons a cached token gets later.
  const timeReason = claimTimeReason(claims, policy.clockSkewSeconds, nowSeconds);
  if (timeReason) return { ok: false, reason: timeReason };
  return { ok: true, claims };
}

/**
 * The checks of checkClaims that depend on the time, on claims that passed it once: what a token verified earlier
 * (VerifiedJwtCache) must still pass now. Same comparisons, same reasons; null = still valid.
 */
export function claimTimeReason(claims: Pick<JwtClaims, 'nbf' | 'exp' | 'iat'>, clockSkewSeconds: number, nowSeconds: number): TokenDenyReason | null {
  if (claims.nbf !== undefined && claims.nbf > nowSeconds + clockSkewSeconds) return 'not_yet_valid';
  if (claims.exp !== undefined && nowSeconds >= claims.exp + clockSkewSeconds) return 'expired';
  if (claims.iat !== undefined && claims.iat > nowSeconds + clockSkewSeconds) return 'not_yet_valid';
  return null;
}

/** The claims as a Grant, so JWTs go through the same checks as opaque tokens. The skew widens the window. */
export function grantFromClaims(claims: JwtClaims, clockSkewSeconds: number): Grant {
  return {
    streams: claims.streams ?? [],
    appKeys: claims.appKeys ?? null,
    actions: claims.actions ?? ['play'],
    notBefore: claims.nbf === undefined ? null : (claims.nbf - clockSkewSeconds) * 1000,
    expiresAt: claims.exp === undefined ? Number.POSITIVE_INFINITY : (claims.exp + clockSkewSeconds) * 1000,
    disabled: false,
    revoked: false,
  };
}

