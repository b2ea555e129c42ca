/**
 * What the decision reads from a playlist or segment query, in one pass over it (this runs for every request nginx
 * asks about, so it allocates only the values it returns).
 *
 * `token`: the value of query parameter `tokenParam` read the way nginx reads `$arg_<name>`: the name compared
 * without regard to case, the value taken raw (not percent-decoded) up to the next `&`. The shipped nginx config keys
 * its cache of segment authorizations on `$arg_<name>`, so the service must not see a token where nginx sees none,
 * or another one.
 *
 * - `undefined`: no such parameter, or an empty value;
 * - `null`: the parameter was given more than once (nginx would use the first; the service refuses to guess);
 * - `'refused'` (the whole answer): a parameter name is percent-encoded (`%74oken`), which a decoding reader would
 *   take for the token while nginx does not: the whole URI is refused, as the shipped nginx config refuses it.
 *
 * `appKey` (WCS 5.2.1008+ selects the REST application with it): read as WHATWG URLSearchParams reads it
 * (`getAll('appKey')`, name matched exactly after decoding, value `+`- and percent-decoded), kept only when given
 * once and 1-128 characters long.
 */
export interface HlsQuery {
  token: string | undefined | null;
  appKey: string | undefined;
}

const QUESTION_MARK = 0x3f;
const APP_KEY_NAME = 'appKey';
const APP_KEY_MAX_LENGTH = 128;
/** A value URLSearchParams would not return as written: `+`, percent-escapes, lone surrogates (made U+FFFD). */
const NOT_VERBATIM = /[%+\uD800-\uDFFF]/;

export function readHlsQuery(query: string, tokenParam: string): HlsQuery | 'refused' {
  const wanted = tokenParam.toLowerCase();
  let tokens = 0;
  let token: string | undefined;
  let appKeys = 0;
  let appKey = '';
  // The next `=` and `%` at or after the current pair, kept across pairs: one pass over the query whatever it holds.
  let nextEquals = query.indexOf('=');
  let nextPercent = query.indexOf('%');
  for (let start = 0; start <= query.length; ) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (nextEquals !== -1 && nextEquals < start) nextEquals = query.indexOf('=', start);
    if (nextPercent !== -1 && nextPercent < start) nextPercent = query.indexOf('%', start);
    const equals = nextEquals !== -1 && nextEquals < end ? nextEquals : -1;
    const keyEnd = equals === -1 ? end : equals;
    if (nextPercent !== -1 && nextPercent < keyEnd) return 'refused';
    if (equals !== -1 && nameMatches(query, start, keyEnd, wanted) && ++tokens === 1) token = query.slice(equals + 1, end);
    if (keyEnd - start === APP_KEY_NAME.length && query.startsWith(APP_KEY_NAME, start)) {
      appKeys++;
      appKey = equals === -1 ? '' : query.slice(equals + 1, end);
    }
    start = end + 1;
  }
  return { token: tokens > 1 ? null : token === '' ? undefined : token, appKey: checkedAppKey(query, appKeys, appKey) };
}

/**
 * No name here contains `%` (the query is refused otherwise), so only a name spelled `appKey` decodes to it, except
 * after a leading `?` (URLSearchParams drops one). That case, and a value that decoding would change, are left to
 * URLSearchParams itself.
 */
function checkedAppKey(query: string, count: number, raw: string): string | undefined {
  let values: string[] = [raw];
  if (query.charCodeAt(0) === QUESTION_MARK || (count === 1 && NOT_VERBATIM.test(raw))) {
    values = new URLSearchParams(query).getAll(APP_KEY_NAME);
  } else if (count !== 1) return undefined;
  const value = values.length === 1 ? (values[0] ?? '') : '';
  return value.length >= 1 && value.length <= APP_KEY_MAX_LENGTH ? value : undefined;
}

/**
 * `query.slice(start, end).toLowerCase() === wanted` without the copies: ASCII letters are folded here, and a name
 * with any other character is left to toLowerCase (which may change its length, as for `İ`).
 */
function nameMatches(query: string, start: number, end: number, wanted: string): boolean {
  for (let i = start; i < end; i++) {
    const code = query.charCodeAt(i);
    if (code >= 0x80) return query.slice(start, end).toLowerCase() === wanted;
    // Past the end of `wanted`, charCodeAt is NaN: a name longer than it does not match.
    const lower = code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
    if (lower !== wanted.charCodeAt(i - start)) return false;
  }
  return end - start === wanted.length;
}

/** The token alone, as {@link readHlsQuery} reads it. */
export function readQueryParam(query: string, name: string): string | undefined | null | 'refused' {
  const read = readHlsQuery(query, name);
  return read === 'refused' ? read : read.token;
}
