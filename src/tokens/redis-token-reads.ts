import { entryFromHash, sessionsOf } from './redis-record-codec.js';
import { isKept, type RedisTokenContext } from './redis-token-context.js';
import { dropEntry, entriesOf, hashOf, POSITION_LENGTH, pruneIndex } from './redis-token-index.js';
import type { TokenRecord, ViewerSession } from './token-record.js';
import type { ScanBatch, ScannedEntry, TokenEntry } from './token-store.js';

/** The admin API's reads of the Redis store. A record past expiry + retention by the service's clock is not found. */

/** Newer index entries a first page looks at for housekeeping (see pruneIndex). */
const LISTING_SWEEP = 200;

/** A token's entry, or undefined when there is none or it is past expiry + retention. Its hash is parsed once. */
async function keptEntry(context: RedisTokenContext, tokenHash: string): Promise<TokenEntry | undefined> {
  const entry = entryFromHash(await context.redis.hgetall(context.keys.record(tokenHash)));
  return entry && isKept(context, entry.record) ? entry : undefined;
}

export async function findByHash(context: RedisTokenContext, tokenHash: string): Promise<TokenRecord | undefined> {
  return (await keptEntry(context, tokenHash))?.record;
}

export async function findEntryById(context: RedisTokenContext, id: string): Promise<TokenEntry | undefined> {
  const hash = await hashOf(context, id);
  return hash === undefined ? undefined : keptEntry(context, hash);
}

export async function listSessions(context: RedisTokenContext, id: string): Promise<ViewerSession[] | undefined> {
  const hash = await hashOf(context, id);
  if (hash === undefined) return undefined;
  const [entry, ledger] = await Promise.all([keptEntry(context, hash), context.redis.hgetall(context.keys.sessions(hash))]);
  return entry && sessionsOf(ledger);
}

/** Listing order, newest first: index entries past their purge time by `now` are pruned on the first page. */
export async function scan(context: RedisTokenContext, after: string | undefined, count: number, now: number): Promise<ScanBatch> {
  const { redis, keys } = context;
  if (after === undefined) await pruneIndex(context, now, LISTING_SWEEP);
  const members = await redis.zrevrangebylex(keys.index(), after === undefined ? '+' : `(${after}`, '-', 'LIMIT', 0, count);
  const read = await Promise.all(
    (await entriesOf(context, members)).map(async ({ position, member, hash }) => {
      const entry = hash === undefined ? undefined : entryFromHash(await redis.hgetall(keys.record(hash)));
      // An index entry whose record is gone (expired early, or a rolled-back batch) is dropped on the way.
      if (!entry) await dropEntry(context, member);
      // One past expiry + retention by `now` is not listed; its index entry goes with a later housekeeping.
      return entry && isKept(context, entry.record, now) ? { position, entry } : undefined;
    }),
  );
  return {
    entries: read.filter((item): item is ScannedEntry => item !== undefined),
    last: members.at(-1)?.slice(0, POSITION_LENGTH),
    done: members.length < count,
  };
}
