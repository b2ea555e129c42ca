import { redisInteger } from './redis-script-args.js';
import type { RedisTokenContext } from './redis-token-context.js';
import { hashFromMap, hashToMap } from './redis-token-keys.js';
import { listPosition } from './token-list.js';
import type { TokenRecord } from './token-record.js';

/**
 * The listing index and the id map. An entry written since issue 15 is the position alone (`<createdAt>:<id>`,
 * 36 characters) in `{idx}:tokens`, with the id → hash pair in `{idx}:ids`; neither has a purge time in Redis, so
 * housekeeping (pruneIndex) and listings drop the entries whose record is gone. An entry written before is
 * `<position>:<hash>`, in `{idx}:tokens` and `{idx}:expiry` (by purge time), with the id in its own `i:<id>` key.
 */

/** A position is `<createdAt, 15 digits>:<id>` (listPosition): 36 characters, the id from the 17th on. */
export const POSITION_LENGTH = 36;
const idOf = (position: string) => position.slice(16, POSITION_LENGTH);

/** The token hash an id points to; undefined when there is none. */
export async function hashOf(context: RedisTokenContext, id: string): Promise<string | undefined> {
  const { redis, keys } = context;
  const mapped = await redis.hget(keys.ids(), id);
  if (mapped !== null) return hashFromMap(mapped);
  return (await redis.get(keys.id(id))) ?? undefined;
}

/** Adds a new token's entry and id; throws when the id is taken. */
export async function indexToken(context: RedisTokenContext, tokenHash: string, record: TokenRecord, purgeAt: string): Promise<void> {
  const { keys, scripts } = context;
  const added = await scripts.wtaIndex(keys.index(), keys.ids(), keys.expiryIndex(), listPosition(record), record.id, hashToMap(tokenHash), purgeAt, '1');
  if (added !== 1) throw new Error('token id already exists');
}

/** The purge time of a token moved (an update): the index keys live at least as long; an older entry's own keys move. */
export async function moveIndexExpiry(context: RedisTokenContext, tokenHash: string, record: TokenRecord, purgeAt: string): Promise<void> {
  const { redis, keys, scripts } = context;
  const position = listPosition(record);
  await Promise.all([
    redis.pexpireat(keys.id(record.id), purgeAt),
    scripts.wtaIndex(keys.index(), keys.ids(), keys.expiryIndex(), position, record.id, hashToMap(tokenHash), purgeAt, '0', `${position}:${tokenHash}`),
  ]);
}

/** Rollback of indexToken: only if the id still maps to this hash. */
export async function unindexToken(context: RedisTokenContext, tokenHash: string, record: TokenRecord): Promise<void> {
  const { keys, scripts } = context;
  await scripts.wtaDeleteIdIfOurs(keys.index(), keys.ids(), listPosition(record), record.id, hashToMap(tokenHash));
}

/** Drops an index entry of either form whose record is gone. */
export async function dropEntry(context: RedisTokenContext, member: string): Promise<void> {
  const { redis, keys } = context;
  const drop = redis.multi().zrem(keys.index(), member).zrem(keys.expiryIndex(), member);
  if (member.length === POSITION_LENGTH) drop.hdel(keys.ids(), idOf(member));
  await drop.exec();
}

export interface IndexEntry {
  position: string;
  member: string;
  hash: string | undefined;
}

/** The positions and token hashes of index members: an older member holds its hash, a newer one's is in the id map. */
export async function entriesOf(context: RedisTokenContext, members: string[]): Promise<IndexEntry[]> {
  const compact = members.filter((member) => member.length === POSITION_LENGTH);
  const mapped = compact.length === 0 ? [] : await context.redis.hmget(context.keys.ids(), ...compact.map(idOf));
  const hashes = new Map(compact.map((member, i) => [member, mapped[i] ?? null]));
  return members.map((member) => {
    const position = member.slice(0, POSITION_LENGTH);
    if (member.length > POSITION_LENGTH) return { position, member, hash: member.slice(POSITION_LENGTH + 1) };
    const value = hashes.get(member);
    return { position, member, hash: value ? hashFromMap(value) : undefined };
  });
}

/**
 * Housekeeping, so the index and the id map do not grow while nobody lists: older entries past their purge time
 * go by the expiry index; of the next `window` newer entries, those whose record is gone (expired) go too. Only
 * entries created more than the retention ago are looked at: a record lives at least that long after its
 * creation (its purge time is expiresAt + retention, and expiresAt is never before the last write), so younger
 * ones cannot be gone, and a steady stream of fresh tokens costs no checks.
 */
export async function pruneIndex(context: RedisTokenContext, now: number, window: number): Promise<void> {
  const { redis, keys, scripts } = context;
  const bound = `(${listPosition({ createdAt: Math.max(0, now - context.retentionMs), id: '' })}`;
  const reply = await scripts.wtaPruneIndex(keys.index(), keys.expiryIndex(), keys.ids(), keys.sweep(), redisInteger(now), redisInteger(window), bound);
  const swept = Array.isArray(reply) && Array.isArray(reply[1]) ? (reply[1] as unknown[]).map(String) : [];
  const checks: Promise<void>[] = [];
  for (let i = 0; i + 1 < swept.length; i += 2) {
    const member = swept[i] as string;
    const hash = hashFromMap(swept[i + 1] as string);
    checks.push(
      (async () => {
        if (hash === undefined || (await redis.exists(keys.record(hash))) === 0) await dropEntry(context, member);
      })(),
    );
  }
  await Promise.all(checks);
}
