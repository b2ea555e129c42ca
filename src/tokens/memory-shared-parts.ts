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

export function sharedParts(record: TokenRecord): TokenRecord {
  const isEmpty = (value: object) => Object.keys(value).length === 0;
  return {
    ...record,
    headers: isEmpty(record.headers) ? (EMPTY_OBJECT as TokenRecord['headers']) : record.headers,
    metadata: isEmpty(record.metadata) ? (EMPTY_OBJECT as TokenRecord['metadata']) : record.metadata,
    actions: record.actions.length === 1 && record.actions[0] === 'play' ? (DEFAULT_ACTIONS as TokenRecord['actions']) : record.actions,
  };
}
