import { ipRangesOf } from '../shared/ip-address.js';
import type { TokenRecord, TokenUsage, ViewerSession } from './token-record.js';
import type { TokenEntry } from './token-store.js';

/**
 * How a token lives in its Redis hash (`data`, `revokedAt`, `uses`, `boundIp`, `ipRanges`) and its session ledger.
 * The formats are those every stored record already has: reading needs no migration.
 */

/** The stored JSON: revocation lives in its own field so that revoking never rewrites the record. */
export function dataOf(record: TokenRecord): string {
  return JSON.stringify({ ...record, revokedAt: null });
}

/** allowedIps pre-parsed for the decision script ('' when the token has none). */
export function rangesOf(record: TokenRecord): string {
  return record.allowedIps ? JSON.stringify(ipRangesOf(record.allowedIps)) : '';
}

export function fromHash(fields: Record<string, string>): TokenRecord | undefined {
  if (fields.data === undefined) return undefined;
  const record = JSON.parse(fields.data) as TokenRecord;
  record.revokedAt = fields.revokedAt === undefined ? null : Number(fields.revokedAt);
  return record;
}

/** fromHash for the decision: a record that does not parse is refused (unreadable_record), not a store failure. */
export function readRecord(fields: Record<string, string>): TokenRecord | undefined {
  try {
    return fromHash(fields);
  } catch {
    return undefined;
  }
}

export function entryFromHash(fields: Record<string, string>): TokenEntry | undefined {
  const record = fromHash(fields);
  if (!record) return undefined;
  const usage: TokenUsage = { uses: Number(fields.uses ?? 0), boundIp: fields.boundIp ?? null };
  return { record, usage };
}

/** A flat HGETALL-style reply ([field, value, …]) as an object. */
export function fieldsOf(reply: unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

/** The session ledger (session id → "firstSeen|lastSeen|ip"; the IP may itself hold `|`), oldest first. */
export function sessionsOf(ledger: Record<string, string>): ViewerSession[] {
  return Object.entries(ledger)
    .map(([id, value]) => {
      const [first = '0', last = '0', ...ip] = value.split('|');
      const address = ip.join('|');
      return { id, ip: address === '' ? null : address, firstSeenAt: Number(first), lastSeenAt: Number(last) };
    })
    .sort((a, b) => a.firstSeenAt - b.firstSeenAt);
}
