import { ipRangesOf } from '../shared/ip-address.js';
import type { TokenRecord, TokenUsage, ViewerSession } from './token-record.js';
import type { TokenEntry } from './token-store.js';

/**
 * How a token lives in its Redis hash and its session ledger. Two forms of the record are read:
 * - compact (written since issue 15): `i` id, `s` streams (JSON), `e` expiresAt, `c` createdAt, and `x` (JSON of
 *   what differs from the defaults, absent when nothing does). Each value stays under Redis's
 *   `hash-max-listpack-value` (64 B) for a typical token, so the hash is a listpack (~216 B instead of ~496 B);
 * - `data`, the whole record as JSON with every default written out (before issue 15; a record keeps it until an
 *   update rewrites it in the compact form).
 * Both carry `revokedAt`, `uses`, `boundIp`, `ipRanges` in fields of their own.
 */

/** The record's fields in both forms, in the order the scripts compare them (see fingerprintOf). */
export const RECORD_FIELDS = ['data', 'i', 's', 'e', 'c', 'x'] as const;

/** What a compact record without `x` reads back as (issueToken's defaults), as JSON for comparison. */
const DEFAULTS: Record<string, string> = {
  appKeys: 'null',
  actions: '["play"]',
  notBefore: 'null',
  headers: '{}',
  metadata: '{}',
  disabled: 'false',
};

/** What `x` holds: the record without the four compact fields, revocation, and the values equal to DEFAULTS. */
function extrasOf(record: TokenRecord): Record<string, unknown> {
  const { id: _id, streams: _streams, expiresAt: _expiresAt, createdAt: _createdAt, revokedAt: _revokedAt, ...rest } = record;
  const extras: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined || DEFAULTS[name] === JSON.stringify(value)) continue;
    extras[name] = value;
  }
  return extras;
}

/** The compact form as HSET arguments (field, value, …). Revocation lives in its own field: revoking never rewrites the record. */
export function recordFieldsOf(record: TokenRecord): string[] {
  const fields = ['i', record.id, 's', JSON.stringify(record.streams), 'e', String(record.expiresAt), 'c', String(record.createdAt)];
  const extras = extrasOf(record);
  if (Object.keys(extras).length > 0) fields.push('x', JSON.stringify(extras));
  return fields;
}

/**
 * The record's fields joined by NUL (absent = empty): what an update compares to know the record has not changed
 * since it was read. JSON text never holds a raw NUL, so two different records never share a fingerprint.
 */
export function fingerprintOf(fields: Record<string, string | undefined>): string {
  return RECORD_FIELDS.map((name) => fields[name] ?? '').join('\0');
}

/** The fingerprint of the compact form of a record, as written by recordFieldsOf. */
export function writtenFingerprintOf(record: TokenRecord): string {
  const flat = recordFieldsOf(record);
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fingerprintOf(fields);
}

/** The fields a record's hash may hold: the table hashFields fills is made with room for them (no rehash while filling). */
const HASH_FIELDS = [...RECORD_FIELDS, 'revokedAt', 'uses', 'boundIp', 'ipRanges'];

/**
 * The scripts' decoding of a record of either form (as fromHash), from its fields' values (nil when absent): the
 * `data` JSON written before issue 15, or the compact fields `i`, `s`, `e`, `c` and optional `x`. Defines
 * decodeFields(data, i, s, e, c, x): a table, or nil when it does not decode; no script reads its createdAt, which
 * stays as the hash has it. Positional, so the decision script reads the hash into locals (see AUTHORIZE_SCRIPT).
 */
export const RECORD_DECODE_LUA = `
local function decodeFields(data, i, s, e, c, x)
  if data then
    local ok, r = pcall(cjson.decode, data)
    if ok and type(r) == 'table' then return r end
    return nil
  end
  if not (i and s and e and c) then return nil end
  local ok, streams = pcall(cjson.decode, s)
  if not ok then return nil end
  -- Without \`x\` (the usual token), one constructor: the table is made at its size, not grown field by field.
  if not x then return {id = i, streams = streams, expiresAt = tonumber(e), actions = {'play'}} end
  local extras
  ok, extras = pcall(cjson.decode, x)
  if not ok or type(extras) ~= 'table' then return nil end
  local r = extras
  r.id, r.streams, r.expiresAt = i, streams, tonumber(e)
  if r.actions == nil then r.actions = {'play'} end
  return r
end
`;

/**
 * RECORD_DECODE_LUA and the admin scripts' reading of a record's hash: hashFields(key) (a table of its fields),
 * hasRecord(f) and decodeRecord(f) (decodeFields of f). RECORD_LUA adds fingerprint(f).
 */
export const RECORD_READ_LUA = `${RECORD_DECODE_LUA}
local RECORD_FIELDS = {${RECORD_FIELDS.map((name) => `'${name}'`).join(', ')}}
local function hashFields(key)
  local flat = redis.call('HGETALL', key)
  -- Each name written nil: the constructor sizes the table for them, so filling it never rehashes (issue 15).
  local f = {${HASH_FIELDS.map((name) => `${name} = nil`).join(', ')}}
  for i = 1, #flat, 2 do f[flat[i]] = flat[i + 1] end
  return f
end
local function hasRecord(f) return f.data ~= nil or f.i ~= nil end
local function decodeRecord(f) return decodeFields(f.data, f.i, f.s, f.e, f.c, f.x) end
`;

/** RECORD_READ_LUA and fingerprint(f) (as fingerprintOf), for the admin scripts' compare-and-write. */
export const RECORD_LUA = `${RECORD_READ_LUA}
local function fingerprint(f)
  local parts = {}
  for i, name in ipairs(RECORD_FIELDS) do parts[i] = f[name] or '' end
  return table.concat(parts, string.char(0))
end
`;

/** allowedIps pre-parsed for the decision script ('' when the token has none). */
export function rangesOf(record: TokenRecord): string {
  return record.allowedIps ? JSON.stringify(ipRangesOf(record.allowedIps)) : '';
}

function compactRecord(fields: Record<string, string>): TokenRecord | undefined {
  if (fields.i === undefined || fields.s === undefined || fields.e === undefined || fields.c === undefined) return undefined;
  const extras = fields.x === undefined ? {} : (JSON.parse(fields.x) as Partial<TokenRecord>);
  return {
    id: fields.i,
    streams: JSON.parse(fields.s) as string[],
    appKeys: null,
    actions: ['play'],
    notBefore: null,
    expiresAt: Number(fields.e),
    headers: {},
    metadata: {},
    createdAt: Number(fields.c),
    disabled: false,
    revokedAt: null,
    ...extras,
  };
}

export function fromHash(fields: Record<string, string>): TokenRecord | undefined {
  // A record written before issue 15 has `data`; the compact fields are read only without it.
  const record = fields.data === undefined ? compactRecord(fields) : (JSON.parse(fields.data) as TokenRecord);
  if (!record) return undefined;
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
