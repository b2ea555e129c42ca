import { z } from 'zod';
import { headerMapSchema } from '../shared/http-headers.js';
import { cidrSchema } from './cidr-schema.js';
import { generateOpaqueToken, generateTokenId, hashToken } from './opaque-token.js';
import { viewerIdSchema } from './sessions/viewer-id.js';
import { STREAM_PATTERN } from './stream-pattern.js';
import { ACTIONS, type TokenRecord } from './token-record.js';
import type { TokenStore } from './token-store.js';

const METADATA_MAX_BYTES = 4096;
/** Bounds what one token can make a store keep: every session of a maxUses token is recorded. */
export const MAX_USES_LIMIT = 10_000;
export const MAX_VIEWERS_LIMIT = 10_000;
export const MAX_VIEWER_SESSIONS_LIMIT = 10_000;
export const BATCH_MAX_TOKENS = 1000;

export const isoTime = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z' });

export const metadataSchema = z.record(z.string(), z.unknown()).refine(
  (value) => Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES,
  { message: `must serialize to at most ${METADATA_MAX_BYTES} bytes of JSON` },
);

/** Policy fields shared by issue and PATCH. */
export const policyFields = {
  maxUses: z.number().int().min(1).max(MAX_USES_LIMIT),
  maxViewers: z.number().int().min(1).max(MAX_VIEWERS_LIMIT),
  allowedIps: z
    .array(cidrSchema('must be an IPv4 or IPv6 address or CIDR range, such as 203.0.113.0/24 or 2001:db8::/32'))
    .min(1)
    .max(100)
    .transform((ranges) => [...new Set(ranges)]),
  bindIpOnFirstUse: z.boolean(),
  viewerId: viewerIdSchema,
  maxViewerSessions: z.number().int().min(1).max(MAX_VIEWER_SESSIONS_LIMIT),
};

/** What a token grants and for how long: the issue fields shared by opaque tokens and JWTs. */
export const grantRequestFields = {
  streams: z
    .array(z.string().regex(STREAM_PATTERN, { message: 'must be 1-256 characters without spaces or control characters' }))
    .min(1)
    .max(100),
  appKeys: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
  actions: z.array(z.enum(ACTIONS)).min(1).max(ACTIONS.length).optional(),
  ttlSeconds: z.number().int().positive().optional(),
  expiresAt: isoTime.optional(),
  notBefore: isoTime.optional(),
  headers: headerMapSchema.optional(),
};

/**
 * An issue body, opaque or JWT: its `type`, the grant fields, then its own fields; strict, and at most one of
 * ttlSeconds and expiresAt.
 */
export function issueBodySchema<Type extends z.ZodType, Fields extends z.ZodRawShape>(type: Type, fields: Fields) {
  return z
    .object({ type, ...grantRequestFields, ...fields })
    .strict()
    .refine((body: { ttlSeconds?: unknown; expiresAt?: unknown }) => body.ttlSeconds === undefined || body.expiresAt === undefined, {
      message: 'give ttlSeconds or expiresAt, not both',
      path: ['expiresAt'],
    });
}

export const issueTokenSchema = issueBodySchema(z.literal('opaque').optional(), {
  metadata: metadataSchema.optional(),
  maxUses: policyFields.maxUses.optional(),
  maxViewers: policyFields.maxViewers.optional(),
  allowedIps: policyFields.allowedIps.optional(),
  bindIpOnFirstUse: policyFields.bindIpOnFirstUse.optional(),
  viewerId: policyFields.viewerId.optional(),
  maxViewerSessions: policyFields.maxViewerSessions.optional(),
});

export type IssueTokenInput = z.infer<typeof issueTokenSchema>;

export interface IssueTokenDeps {
  store: Pick<TokenStore, 'create' | 'createMany'>;
  now: number;
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

export class TokenInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenInputError';
  }
}

export interface PreparedToken {
  token: string;
  tokenHash: string;
  record: TokenRecord;
}

/** Checks the times against now and builds the record and its secret; nothing is stored yet. */
export function prepareToken(input: IssueTokenInput, deps: Omit<IssueTokenDeps, 'store'>): PreparedToken {
  const { now } = deps;
  const expiresAt =
    input.expiresAt !== undefined ? Date.parse(input.expiresAt) : now + (input.ttlSeconds ?? deps.defaultTtlSeconds) * 1000;
  const notBefore = input.notBefore === undefined ? null : Date.parse(input.notBefore);
  if (expiresAt <= now) throw new TokenInputError('expiresAt', 'must be in the future');
  if (expiresAt - now > deps.maxTtlSeconds * 1000) {
    throw new TokenInputError(input.expiresAt ? 'expiresAt' : 'ttlSeconds', `must be at most ${deps.maxTtlSeconds} seconds from now`);
  }
  if (notBefore !== null && notBefore >= expiresAt) throw new TokenInputError('notBefore', 'must be before expiresAt');

  const token = generateOpaqueToken();
  const record: TokenRecord = {
    id: generateTokenId(),
    streams: input.streams,
    appKeys: input.appKeys ?? null,
    actions: input.actions ?? ['play'],
    notBefore,
    expiresAt,
    headers: input.headers ?? {},
    metadata: input.metadata ?? {},
    createdAt: now,
    disabled: false,
    revokedAt: null,
    // Policies are stored only when given, so a record without them reads back exactly as before.
    ...(input.maxUses !== undefined && { maxUses: input.maxUses }),
    ...(input.maxViewers !== undefined && { maxViewers: input.maxViewers }),
    ...(input.allowedIps !== undefined && { allowedIps: input.allowedIps }),
    ...(input.bindIpOnFirstUse === true && { bindIpOnFirstUse: true }),
    ...(input.viewerId !== undefined && { viewerId: input.viewerId }),
    ...(input.maxViewerSessions !== undefined && { maxViewerSessions: input.maxViewerSessions }),
  };
  return { token, tokenHash: hashToken(token), record };
}

/** Creates a token: the secret is returned here, once, and only its hash is stored. */
export async function issueToken(input: IssueTokenInput, deps: IssueTokenDeps): Promise<{ token: string; record: TokenRecord }> {
  const { token, tokenHash, record } = prepareToken(input, deps);
  await deps.store.create(tokenHash, record);
  return { token, record };
}

/**
 * Creates several tokens, all or none: every input is checked before anything is stored (an error names the
 * item, e.g. `items.3.expiresAt`), and the store saves all of them or none.
 */
export async function issueTokens(inputs: readonly IssueTokenInput[], deps: IssueTokenDeps): Promise<{ token: string; record: TokenRecord }[]> {
  const prepared = inputs.map((input, index) => {
    try {
      return prepareToken(input, deps);
    } catch (error) {
      if (error instanceof TokenInputError) throw new TokenInputError(`items.${index}.${error.field}`, error.message);
      throw error;
    }
  });
  await deps.store.createMany(prepared.map(({ tokenHash, record }) => ({ tokenHash, record })));
  return prepared.map(({ token, record }) => ({ token, record }));
}
