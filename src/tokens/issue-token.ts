import { z } from 'zod';
import { headerMapSchema } from '../shared/http-headers.js';
import { generateOpaqueToken, generateTokenId, hashToken } from './opaque-token.js';
import { STREAM_PATTERN } from './stream-pattern.js';
import { ACTIONS, type TokenRecord } from './token-record.js';
import type { TokenStore } from './token-store.js';

const METADATA_MAX_BYTES = 4096;
const isoTime = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z' });

export const issueTokenSchema = z
  .object({
    type: z.literal('opaque').optional(),
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
    metadata: z
      .record(z.string(), z.unknown())
      .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES, {
        message: `must serialize to at most ${METADATA_MAX_BYTES} bytes of JSON`,
      })
      .optional(),
  })
  .strict()
  .refine((body) => body.ttlSeconds === undefined || body.expiresAt === undefined, {
    message: 'give ttlSeconds or expiresAt, not both',
    path: ['expiresAt'],
  });

export type IssueTokenInput = z.infer<typeof issueTokenSchema>;

export interface IssueTokenDeps {
  store: Pick<TokenStore, 'create'>;
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

/** Creates a token: the secret is returned here, once, and only its hash is stored. */
export async function issueToken(input: IssueTokenInput, deps: IssueTokenDeps): Promise<{ token: string; record: TokenRecord }> {
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
  };
  await deps.store.create(hashToken(token), record);
  return { token, record };
}
