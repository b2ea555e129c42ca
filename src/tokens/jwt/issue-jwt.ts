import { z } from 'zod';
import { randomSecret } from '../../shared/secrets.js';
import { issueBodySchema, policyFields, TokenInputError } from '../issue-token.js';
import { VIEWER_ID } from './jwt-claims.js';
import type { SigningKey } from './jwt-key.js';
import { signJwt } from './sign-jwt.js';

/** `POST /v1/tokens` with `type: "jwt"`: the opaque policy fields that a signed token can carry, as claims. */
export const issueJwtSchema = issueBodySchema(z.literal('jwt'), {
  allowedIps: policyFields.allowedIps.optional(),
  once: z.boolean().optional(),
  viewerId: z.string().regex(VIEWER_ID, { message: 'must be 1-128 printable ASCII characters without spaces' }).optional(),
  maxViewerSessions: policyFields.maxViewerSessions.optional(),
  subject: z.string().min(1).max(256).optional(),
});

export type IssueJwtInput = z.infer<typeof issueJwtSchema>;

export interface IssueJwtDeps {
  signingKey: SigningKey;
  now: number;
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  /** `iss` of issued tokens (JWT_SIGNING_ISSUER). */
  issuer: string;
  /** `aud` of issued tokens (JWT_SIGNING_AUDIENCE), if any. */
  audience: string | undefined;
}

export interface IssuedJwt {
  token: string;
  jti: string;
  kid: string;
  alg: string;
  expiresAt: string;
  claims: Record<string, unknown>;
}

/**
 * Signs a token; nothing is stored (a JWT carries its own policy). The random jti is what revocation and the
 * one-time rule key on. Times are whole seconds (NumericDate).
 */
export function issueJwt(input: IssueJwtInput, deps: IssueJwtDeps): IssuedJwt {
  const nowSeconds = Math.floor(deps.now / 1000);
  const exp =
    input.expiresAt !== undefined ? Math.floor(Date.parse(input.expiresAt) / 1000) : nowSeconds + (input.ttlSeconds ?? deps.defaultTtlSeconds);
  const nbf = input.notBefore === undefined ? undefined : Math.floor(Date.parse(input.notBefore) / 1000);
  if (exp <= nowSeconds) throw new TokenInputError('expiresAt', 'must be in the future');
  if (exp - nowSeconds > deps.maxTtlSeconds) {
    throw new TokenInputError(input.expiresAt ? 'expiresAt' : 'ttlSeconds', `must be at most ${deps.maxTtlSeconds} seconds from now`);
  }
  if (nbf !== undefined && nbf >= exp) throw new TokenInputError('notBefore', 'must be before expiresAt');

  const jti = randomSecret(16);
  const claims: Record<string, unknown> = {
    iss: deps.issuer,
    ...(input.subject === undefined ? {} : { sub: input.subject }),
    ...(deps.audience === undefined ? {} : { aud: deps.audience }),
    iat: nowSeconds,
    ...(nbf === undefined ? {} : { nbf }),
    exp,
    jti,
    streams: input.streams,
    ...(input.appKeys === undefined ? {} : { appKeys: input.appKeys }),
    actions: input.actions ?? ['play'],
    ...(input.allowedIps === undefined ? {} : { allowedIps: input.allowedIps }),
    ...(input.headers === undefined ? {} : { headers: input.headers }),
    ...(input.viewerId === undefined ? {} : { vid: input.viewerId }),
    ...(input.maxViewerSessions === undefined ? {} : { mvs: input.maxViewerSessions }),
    ...(input.once ? { once: true } : {}),
  };
  return {
    token: signJwt(claims, deps.signingKey),
    jti,
    kid: deps.signingKey.kid,
    alg: deps.signingKey.algorithm,
    expiresAt: new Date(exp * 1000).toISOString(),
    claims,
  };
}
