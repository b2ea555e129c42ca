import { validateHeaderName, validateHeaderValue } from 'node:http';
import { z } from 'zod';

/**
 * Which response headers a token, a JWT's `headers` claim, `HOOK_ALLOW_HEADERS` and `JWT_VIEWER_ID_HEADER` may set.
 * An allow-list of one shape rather than a deny-list: a name must start with `X-` and be an RFC 9110 token, so no
 * standard header (framing, hop-by-hop, caching, CORS, cookies, `Location`, `Date`, `Trailer`, `Content-*`, …) can
 * ever be set or overridden, including ones not yet invented. Within `X-`, the names that carry security meaning or
 * that this service or nginx writes itself are refused too.
 */
const FIELD_NAME = /^X-[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,62}$/i;
/** Visible ASCII, space and tab; no CR, LF or other controls, so no header injection. */
const FIELD_VALUE = /^[\t\x20-\x7e]{0,1024}$/;

const RESERVED_X_NAMES = new Set([
  'x-request-id',
  'x-content-type-options',
  'x-frame-options',
  'x-xss-protection',
  'x-ua-compatible',
  'x-permitted-cross-domain-policies',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-powered-by',
  'x-deny-reason',
  'x-auth-token-id',
  'x-real-ip',
  'x-sendfile',
]);
/**
 * nginx acts on `X-Accel-*` from an upstream; `X-Forwarded-*` and `X-Original-*` describe the viewer's request;
 * `X-Edge-*` carry the edge signature of a playlist answer, which nginx forwards to WCS or writes into segment URIs.
 */
const RESERVED_X_PREFIXES = ['x-accel-', 'x-forwarded-', 'x-original-', 'x-edge-'];

export const MAX_HEADERS = 20;

const HEADER_NAME_RULE = 'header names must start with X-, be RFC 9110 tokens of at most 64 characters and not be reserved';
const HEADER_VALUE_RULE = 'header values must be printable ASCII, at most 1024 characters, no CR/LF';

/** Why `name` may not be set by a token or an operator; undefined when it may. The one check for every source. */
export function headerNameProblem(name: string): string | undefined {
  if (!FIELD_NAME.test(name)) return HEADER_NAME_RULE;
  if (isReservedName(name)) return 'this header name is reserved';
  if (!nodeAccepts(() => validateHeaderName(name))) return HEADER_NAME_RULE;
  return undefined;
}

function isReservedName(name: string): boolean {
  const lower = name.toLowerCase();
  if (RESERVED_X_NAMES.has(lower)) return true;
  for (const prefix of RESERVED_X_PREFIXES) if (lower.startsWith(prefix)) return true;
  return false;
}

export function headerValueProblem(name: string, value: string): string | undefined {
  if (!FIELD_VALUE.test(value)) return HEADER_VALUE_RULE;
  if (!nodeAccepts(() => validateHeaderValue(name, value))) return HEADER_VALUE_RULE;
  return undefined;
}

/**
 * Whether a value this service did not check at the door (a JWT's `jti`, any string of up to 256 characters) may
 * be written into a header as it is: the value rule without node's check, which it implies.
 */
export function isSafeHeaderValue(value: string): boolean {
  return FIELD_VALUE.test(value);
}

function isAllowedResponseHeader(name: string, value: unknown): value is string {
  return typeof value === 'string' && headerNameProblem(name) === undefined && headerValueProblem(name, value) === undefined;
}

export const headerMapSchema = z
  .record(z.string(), z.string())
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      const problem = headerNameProblem(name) ?? headerValueProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  })
  .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, { message: `at most ${MAX_HEADERS} headers` });

export type HeaderEntries = readonly (readonly [string, string])[];

const NO_ENTRIES: HeaderEntries = Object.freeze([]);
/** Per frozen header map (a stored record's, a remembered JWT's): the entries that passed, checked once. */
const checkedHeaderMaps = new WeakMap<object, HeaderEntries>();

/**
 * The headers of an allow answer that pass the rule, as [name, value] pairs. Every source is validated where it
 * enters, so nothing is dropped here in normal operation; the check is repeated because a record stored by an
 * older version may hold a name that is refused now, and a header that made node throw while the answer is
 * written would fail the request. A frozen map (the memory store's records, the JWT verified cache) cannot change,
 * so its answer is kept and the next decision for the same record only looks it up.
 *
 * The check here is the two patterns and the reserved names, without node's validateHeaderName/Value that the
 * entry checks also run: FIELD_NAME is node's token rule restricted to `X-` names and FIELD_VALUE accepts a subset
 * of the characters node accepts in a value (test/shared/http-headers.test.ts checks both over every character).
 */
export function tokenHeaderEntries(headers: Readonly<Record<string, unknown>>): HeaderEntries {
  const known = checkedHeaderMaps.get(headers);
  if (known !== undefined) return known;
  let entries: [string, string][] | undefined;
  for (const name in headers) {
    // A JWT's claim headers plus its viewer id header are the most one source can give.
    if (entries !== undefined && entries.length > MAX_HEADERS) break;
    const value = headers[name];
    if (!Object.hasOwn(headers, name) || typeof value !== 'string') continue;
    if (!FIELD_NAME.test(name) || !FIELD_VALUE.test(value) || isReservedName(name)) continue;
    (entries ??= []).push([name, value]);
  }
  const checked = entries ?? NO_ENTRIES;
  if (Object.isFrozen(headers)) checkedHeaderMaps.set(headers, checked);
  return checked;
}

/**
 * The entries of a header map fixed at start (HOOK_ALLOW_HEADERS, already checked by headerMapSchema) that pass the
 * rule: checked once when a handler is built, so the hot path only sets them.
 */
export function checkedHeaderEntries(headers: Readonly<Record<string, unknown>>): readonly (readonly [string, string])[] {
  return Object.entries(headers)
    .filter((entry): entry is [string, string] => isAllowedResponseHeader(entry[0], entry[1]))
    .slice(0, MAX_HEADERS);
}

function nodeAccepts(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}
