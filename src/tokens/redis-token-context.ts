import type { Clock } from '../shared/clock.js';
import {
  CREATE_SCRIPT,
  DELETE_ID_IF_OURS_SCRIPT,
  DELETE_IF_OURS_SCRIPT,
  INDEX_SCRIPT,
  PRUNE_INDEX_SCRIPT,
  REVOKE_SCRIPT,
  UPDATE_SCRIPT,
} from './redis-admin-scripts.js';
import type { RedisClient } from '../shared/redis-client.js';
import { defineScripts, type ScriptSpec } from '../shared/redis-commands.js';
import { AUTHORIZE_SCRIPT } from './redis-scripts.js';
import type { RedisTokenKeys } from './redis-token-keys.js';
import { SESSION_PRELUDE } from './sessions/session-scripts.js';
import type { TokenRecord } from './token-record.js';

/** The store's scripts as commands (see redis-scripts.ts and redis-admin-scripts.ts for their arguments). */
export type TokenScripts = {
  wtaAuthorize(...args: string[]): Promise<unknown>;
  wtaRevoke(key: string, revokedAt: string, now: string, retentionMs: string): Promise<unknown>;
  wtaCreate(key: string, purgeAt: string, ipRanges: string, ...fields: string[]): Promise<unknown>;
  wtaUpdate(...args: string[]): Promise<unknown>;
  wtaDeleteIfOurs(record: string, sessions: string, active: string, fingerprint: string): Promise<unknown>;
  wtaDeleteIdIfOurs(index: string, ids: string, member: string, id: string, hash: string): Promise<unknown>;
  wtaIndex(...args: string[]): Promise<unknown>;
  wtaPruneIndex(index: string, expiryIndex: string, ids: string, sweep: string, now: string, window: string, bound: string): Promise<unknown>;
};

/** The decision script; the live session registry's part runs inside it (outside Cluster): one atomic step. */
export const AUTHORIZE_SPEC: ScriptSpec = { keys: 3, lua: SESSION_PRELUDE + AUTHORIZE_SCRIPT };

export function defineTokenScripts(redis: RedisClient): TokenScripts {
  return defineScripts<TokenScripts>(redis, {
    wtaAuthorize: AUTHORIZE_SPEC,
    wtaRevoke: { keys: 1, lua: REVOKE_SCRIPT },
    wtaCreate: { keys: 1, lua: CREATE_SCRIPT },
    wtaUpdate: { keys: 3, lua: UPDATE_SCRIPT },
    wtaDeleteIfOurs: { keys: 3, lua: DELETE_IF_OURS_SCRIPT },
    wtaDeleteIdIfOurs: { keys: 2, lua: DELETE_ID_IF_OURS_SCRIPT },
    wtaIndex: { keys: 3, lua: INDEX_SCRIPT },
    wtaPruneIndex: { keys: 4, lua: PRUNE_INDEX_SCRIPT },
  });
}

/** What the parts of the Redis store share. */
export interface RedisTokenContext {
  redis: RedisClient;
  keys: RedisTokenKeys;
  scripts: TokenScripts;
  /** How long a record is kept after it expires, so decisions can still say `expired` rather than `unknown_token`. */
  retentionMs: number;
  /** The service's clock: it decides whether a record is still there, as in the memory store. */
  clock: Clock;
}

/**
 * Past expiry + retention by the service's clock a record is gone, whether or not Redis's clock has expired its key
 * yet (the key's TTL only frees the memory): every read and write of the store decides so, as the memory store does.
 */
export function isKept(context: RedisTokenContext, record: TokenRecord, now = context.clock.now()): boolean {
  return !(record.expiresAt + context.retentionMs <= now);
}
