import { streamMatches } from './stream-pattern.js';
import { tokenState, type TokenRecord, type TokenState } from './token-record.js';
import type { TokenEntry, TokenStore } from './token-store.js';

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;
/**
 * Positions one list call may look at. Filters are applied to records as they are read, so a selective filter
 * over many tokens returns a short (even empty) page with a cursor rather than reading the whole store at once.
 */
const SCAN_BUDGET = 2000;
const SCAN_BATCH = 200;

const POSITION = /^\d{15}:tok_[A-Za-z0-9_-]{16}$/;

/** Newest first, then by id: `createdAt` never changes, so a cursor stays valid while records change. */
export function listPosition(record: Pick<TokenRecord, 'createdAt' | 'id'>): string {
  return `${String(record.createdAt).padStart(15, '0')}:${record.id}`;
}

export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/** undefined when the cursor is not one this service handed out. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  return POSITION.test(position) ? position : undefined;
}

export interface TokenListQuery {
  limit: number;
  /** A decoded cursor: list what comes after this position. */
  after: string | undefined;
  /** Tokens that grant this stream (exact name or a matching pattern). */
  stream?: string;
  /** Tokens valid for this WCS application (those without appKeys are valid for every one). */
  appKey?: string;
  state?: TokenState;
}

export interface TokenListPage {
  items: TokenEntry[];
  /** null: nothing more. A page may hold fewer than `limit` items and still have a cursor (see SCAN_BUDGET). */
  nextCursor: string | null;
}

function matches(entry: TokenEntry, query: TokenListQuery, now: number): boolean {
  const { record } = entry;
  if (query.stream !== undefined && !streamMatches(record.streams, query.stream)) return false;
  if (query.appKey !== undefined && record.appKeys !== null && !record.appKeys.includes(query.appKey)) return false;
  if (query.state !== undefined && tokenState(record, now, entry.usage) !== query.state) return false;
  return true;
}

export async function listTokens(store: Pick<TokenStore, 'scan'>, query: TokenListQuery, now: number): Promise<TokenListPage> {
  const items: TokenEntry[] = [];
  let after = query.after;
  let scanned = 0;
  for (;;) {
    const batch = await store.scan(after, SCAN_BATCH, now);
    for (const [index, { position, entry }] of batch.entries.entries()) {
      if (!matches(entry, query, now)) continue;
      items.push(entry);
      if (items.length === query.limit) {
        const lastOfAll = batch.done && index === batch.entries.length - 1;
        return { items, nextCursor: lastOfAll ? null : encodeCursor(position) };
      }
    }
    scanned += SCAN_BATCH;
    if (batch.done || batch.last === undefined) return { items, nextCursor: null };
    after = batch.last;
    if (scanned >= SCAN_BUDGET) return { items, nextCursor: encodeCursor(after) };
  }
}
