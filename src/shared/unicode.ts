/** A lone surrogate: in a `u` regular expression a surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when `text` is well-formed Unicode (no unpaired UTF-16 surrogate), i.e. has a UTF-8 form. Ill-formed
 * strings cannot be stored faithfully: Redis receives them as UTF-8 with U+FFFD in place of the surrogate (two
 * different strings become one) and Lua's cjson cannot decode a record that carries one (issue 13). Every string
 * that is stored or compared is checked at its input (admin and hook bodies by findUnsafeJson, JWT claims by
 * checkClaims). String.prototype.isWellFormed does the same, once the TypeScript lib knows it.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * `text` with each unpaired surrogate as U+FFFD, i.e. what Redis stores for it. For a string that goes into JSON
 * which a Lua script decodes: Redis's cjson refuses an escaped lone surrogate ("invalid unicode escape"), which would
 * fail the whole script, a store failure that STORE_FAILURE_POLICY decides, where the memory store decides the
 * request. The inputs refuse such strings at the door; this keeps the script from depending on that. Native checks
 * (Node 20+; the TypeScript lib here predates them), so a well-formed string costs one scan.
 */
export function toWellFormedText(text: string): string {
  const value = text as unknown as WellFormedString;
  return value.isWellFormed() ? text : value.toWellFormed();
}

/** Printable ASCII but `"` and `\`: text that is its own JSON string body, with nothing to escape or mend. */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * JSON.stringify(toWellFormedText(text)): a JSON string literal a Lua script's cjson can decode. Issue 15: the
 * decision's values (stream names, app keys, session ids, numbers as text) are nearly always plain printable
 * ASCII, which is quoted as it is; anything else takes the general path.
 */
export function wellFormedJson(text: string): string {
  return PLAIN_JSON_TEXT.test(text) ? `"${text}"` : JSON.stringify(toWellFormedText(text));
}
