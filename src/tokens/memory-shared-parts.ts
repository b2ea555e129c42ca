import { deepFreeze } from '../shared/deep-freeze.js';
import type { TokenRecord, TokenUsage } from './token-record.js';

/*
 * Memory per token (bench/README.md, "Memory per token"): most tokens are never used, or only through one session,
 * so an entry's maps are made when first written (an empty Map costs ~184 bytes), and the parts most records share
 * (no headers, no metadata, the default actions, the usage of a token never used) are one frozen object for all
 * of them. Records are frozen and only ever replaced, and usage is copied at its first write, so sharing is safe
 * (a write missed on a shared object would throw, not leak into other tokens).
 */
export const NO_SESSIONS: ReadonlyMap<string, never> = new Map<string, never>();
const EMPTY_OBJECT = Object.freeze({});
export const UNUSED: TokenUsage = Object.freeze({ uses: 0, boundIp: null });
const DEFAULT_ACTIONS = Object.freeze(['play']);

/** The record's optional fields (policies), in the order issueToken writes them. */
type OptionalKey = { [K in keyof TokenRecord]-?: undefined extends TokenRecord[K] ? K : never }[keyof TokenRecord];
const OPTIONAL_KEYS = ['maxUses', 'maxViewers', 'allowedIps', 'bindIpOnFirstUse', 'viewerId', 'maxViewerSessions'] as const satisfies readonly OptionalKey[];
// Every optional field of TokenRecord is listed above, or this line does not compile: a field left out would be lost.
const EVERY_OPTIONAL_KEY_LISTED: [Exclude<OptionalKey, (typeof OPTIONAL_KEYS)[number]>] extends [never] ? true : never = true;
void EVERY_OPTIONAL_KEY_LISTED;

/**
 * The record as the memory store keeps it: frozen through, with the shared parts, built as one object literal in
 * one field order (optional fields after it, each only when present, in OPTIONAL_KEYS' order). A copy made with
 * spread and then frozen got a hidden class of its own in V8 (a map and its descriptor array, ~490 bytes per token
 * at 1M tokens; bench/README.md, "Memory"), and with one class per token every read of a record field in the
 * decision went megamorphic. Built this way, all records of the same optional fields share one class.
 * The caller owns `record`'s nested values (a copy, or parts frozen already): they are frozen in place.
 */
export function storedRecord(record: TokenRecord): TokenRecord {
  const isEmpty = (value: object) => Object.keys(value).length === 0;
  const stored: TokenRecord = {
    id: record.id,
    streams: record.streams,
    appKeys: record.appKeys,
    actions: record.actions.length === 1 && record.actions[0] === 'play' ? (DEFAULT_ACTIONS as TokenRecord['actions']) : record.actions,
    notBefore: record.notBefore,
    expiresAt: record.expiresAt,
    headers: isEmpty(record.headers) ? (EMPTY_OBJECT as TokenRecord['headers']) : record.headers,
    metadata: isEmpty(record.metadata) ? (EMPTY_OBJECT as TokenRecord['metadata']) : record.metadata,
    createdAt: record.createdAt,
    disabled: record.disabled,
    revokedAt: record.revokedAt,
  };
  const optional = stored as unknown as Record<OptionalKey, unknown>;
  for (const key of OPTIONAL_KEYS) if (record[key] !== undefined) optional[key] = record[key];
  return deepFreeze(stored);
}
