import { z } from 'zod';
import { headerMapSchema } from '../shared/http-headers.js';
import { isoTime, metadataSchema, policyFields, TokenInputError } from './issue-token.js';
import type { TokenRecord } from './token-record.js';
import type { TokenEntry, TokenStore } from './token-store.js';

/**
 * PATCH body (JSON merge patch): a field present replaces the stored value, `null` removes an optional one, a
 * field absent stays as it is. Streams, appKeys and actions are fixed at issue: a token's scope does not move
 * under the viewers it was handed to.
 */
export const updateTokenSchema = z
  .object({
    disabled: z.boolean().optional(),
    ttlSeconds: z.number().int().positive().optional(),
    expiresAt: isoTime.optional(),
    notBefore: isoTime.nullable().optional(),
    maxUses: policyFields.maxUses.nullable().optional(),
    maxViewers: policyFields.maxViewers.nullable().optional(),
    allowedIps: policyFields.allowedIps.nullable().optional(),
    bindIpOnFirstUse: policyFields.bindIpOnFirstUse.optional(),
    viewerId: policyFields.viewerId.nullable().optional(),
    maxViewerSessions: policyFields.maxViewerSessions.nullable().optional(),
    headers: headerMapSchema.optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change', path: ['body'] })
  .refine((body) => body.ttlSeconds === undefined || body.expiresAt === undefined, {
    message: 'give ttlSeconds or expiresAt, not both',
    path: ['expiresAt'],
  });

export type UpdateTokenInput = z.infer<typeof updateTokenSchema>;

export interface UpdateTokenDeps {
  store: Pick<TokenStore, 'update'>;
  now: number;
  maxTtlSeconds: number;
}

/** The record after the change; checks the resulting times the way issuing does. */
export function applyTokenUpdate(record: TokenRecord, input: UpdateTokenInput, deps: Omit<UpdateTokenDeps, 'store'>): TokenRecord {
  const { now } = deps;
  const next: TokenRecord = structuredClone(record);
  if (input.disabled !== undefined) next.disabled = input.disabled;
  if (input.expiresAt !== undefined || input.ttlSeconds !== undefined) {
    const field = input.expiresAt !== undefined ? 'expiresAt' : 'ttlSeconds';
    next.expiresAt = input.expiresAt !== undefined ? Date.parse(input.expiresAt) : now + (input.ttlSeconds ?? 0) * 1000;
    if (next.expiresAt <= now) throw new TokenInputError(field, 'must be in the future');
    if (next.expiresAt - now > deps.maxTtlSeconds * 1000) {
      throw new TokenInputError(field, `must be at most ${deps.maxTtlSeconds} seconds from now`);
    }
  }
  if (input.notBefore !== undefined) next.notBefore = input.notBefore === null ? null : Date.parse(input.notBefore);
  if (next.notBefore !== null && next.notBefore >= next.expiresAt) throw new TokenInputError('notBefore', 'must be before expiresAt');
  setOptional(next, 'maxUses', input.maxUses);
  setOptional(next, 'maxViewers', input.maxViewers);
  setOptional(next, 'allowedIps', input.allowedIps);
  setOptional(next, 'viewerId', input.viewerId);
  setOptional(next, 'maxViewerSessions', input.maxViewerSessions);
  if (input.bindIpOnFirstUse !== undefined) setOptional(next, 'bindIpOnFirstUse', input.bindIpOnFirstUse || null);
  if (input.headers !== undefined) next.headers = input.headers;
  if (input.metadata !== undefined) next.metadata = input.metadata;
  return next;
}

function setOptional<K extends 'maxUses' | 'maxViewers' | 'allowedIps' | 'bindIpOnFirstUse' | 'viewerId' | 'maxViewerSessions'>(
  record: TokenRecord,
  key: K,
  value: TokenRecord[K] | null | undefined,
): void {
  if (value === undefined) return;
  if (value === null) delete record[key];
  else record[key] = value;
}

/**
 * Applies a PATCH. The store re-reads and retries if the record changed meanwhile, so the change is always
 * applied to the current record; the expiry of every stored key follows a new expiresAt.
 */
export async function updateToken(id: string, input: UpdateTokenInput, deps: UpdateTokenDeps): Promise<TokenEntry | undefined> {
  return deps.store.update(id, (current) => applyTokenUpdate(current.record, input, deps), deps.now);
}
