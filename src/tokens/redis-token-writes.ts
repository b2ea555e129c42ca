import { entryFromHash, fieldsOf, fingerprintOf, fromHash, rangesOf, recordFieldsOf, writtenFingerprintOf } from './redis-record-codec.js';
import { redisInteger } from './redis-script-args.js';
import { isKept, type RedisTokenContext } from './redis-token-context.js';
import { hashOf, indexToken, moveIndexExpiry, pruneIndex, unindexToken } from './redis-token-index.js';
import type { TokenRecord } from './token-record.js';
import { TokenConflictError, type TokenEntry } from './token-store.js';

/** The admin API's writes to the Redis store: issue (all or none), change, revoke. */

/** Attempts of a PATCH whose record changed between read and write (e.g. two admins at once). */
const UPDATE_ATTEMPTS = 5;

class DuplicateTokenError extends Error {
  constructor() {
    super('token already exists');
    this.name = 'DuplicateTokenError';
  }
}

/**
 * Each token is written on its own (its keys are in different slots), all in parallel; if any write fails,
 * every token of the call is deleted again. Should a deletion fail too, what remains is a token whose secret
 * nobody was ever shown: unusable, and gone at its expiry.
 */
export async function createMany(context: RedisTokenContext, items: readonly { tokenHash: string; record: TokenRecord }[]): Promise<void> {
  const writes = await Promise.allSettled(items.map((item) => createOne(context, item.tokenHash, item.record)));
  const failed = writes.find((write): write is PromiseRejectedResult => write.status === 'rejected');
  if (!failed) {
    // Housekeeping, so the index does not grow while nobody lists: never a reason to fail an issue.
    const now = Math.min(...items.map(({ record }) => record.createdAt));
    // Twice as many entries looked at as added: the sweep goes round the index faster than it grows.
    await pruneIndex(context, now, 2 * items.length + 16).catch(() => undefined);
    return;
  }
  await Promise.allSettled(
    items.map((item, index) => {
      const write = writes[index];
      // A record that already existed under this hash is not ours to delete.
      if (write?.status === 'rejected' && write.reason instanceof DuplicateTokenError) return Promise.resolve();
      return removeOne(context, item.tokenHash, item.record);
    }),
  );
  throw failed.reason;
}

async function createOne(context: RedisTokenContext, tokenHash: string, record: TokenRecord): Promise<void> {
  const { keys, scripts } = context;
  const purgeAt = redisInteger(record.expiresAt + context.retentionMs);
  const created = await scripts.wtaCreate(keys.record(tokenHash), purgeAt, rangesOf(record), ...recordFieldsOf(record));
  if (created !== 1) throw new DuplicateTokenError();
  await indexToken(context, tokenHash, record, purgeAt);
}

async function removeOne(context: RedisTokenContext, tokenHash: string, record: TokenRecord): Promise<void> {
  const { keys, scripts } = context;
  await Promise.all([scripts.wtaDeleteIfOurs(...keys.token(tokenHash), writtenFingerprintOf(record)), unindexToken(context, tokenHash, record)]);
}

/** Compare and set, read again while another write gets in between (at most UPDATE_ATTEMPTS times). */
export async function update(context: RedisTokenContext, id: string, change: (current: TokenEntry) => TokenRecord): Promise<TokenEntry | undefined> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const hash = await hashOf(context, id);
    if (hash === undefined) return undefined;
    const fields = await context.redis.hgetall(context.keys.record(hash));
    const current = entryFromHash(fields);
    if (!current || !isKept(context, current.record)) return undefined;
    if (current.record.revokedAt !== null) throw new TokenConflictError('a revoked token cannot be changed');
    const done = await replace(context, hash, fingerprintOf(fields), current, change(current));
    if (done !== 'changed meanwhile') return done;
  }
  throw new TokenConflictError('the token kept changing during the update; try again');
}

async function replace(
  context: RedisTokenContext,
  hash: string,
  readFingerprint: string,
  current: TokenEntry,
  changed: TokenRecord,
): Promise<TokenEntry | undefined | 'changed meanwhile'> {
  const { keys, scripts } = context;
  const next: TokenRecord = { ...changed, id: current.record.id, createdAt: current.record.createdAt, revokedAt: null };
  const purgeAt = redisInteger(next.expiresAt + context.retentionMs);
  const forgetBoundIp = !next.bindIpOnFirstUse;
  const result = await scripts.wtaUpdate(
    ...keys.token(hash),
    readFingerprint,
    purgeAt,
    rangesOf(next),
    forgetBoundIp ? '1' : '0',
    next.maxViewers === undefined ? '1' : '0',
    ...recordFieldsOf(next),
  );
  if (result === -2) return undefined;
  if (result === -1) throw new TokenConflictError('a revoked token cannot be changed');
  if (result !== 1) return 'changed meanwhile';
  // The id key and the index live in other slots: moved after the record, which decisions rely on.
  await moveIndexExpiry(context, hash, next, purgeAt);
  return { record: next, usage: { ...current.usage, boundIp: forgetBoundIp ? null : current.usage.boundIp } };
}

export async function revoke(context: RedisTokenContext, id: string, revokedAt: number): Promise<TokenRecord | undefined> {
  const hash = await hashOf(context, id);
  if (hash === undefined) return undefined;
  const now = context.clock.now();
  // The script decides "still there" by the service's clock (`now`), not by revokedAt, which the caller chose.
  const reply = await context.scripts.wtaRevoke(context.keys.record(hash), redisInteger(revokedAt), redisInteger(now), redisInteger(context.retentionMs));
  return Array.isArray(reply) ? fromHash(fieldsOf(reply)) : undefined;
}
