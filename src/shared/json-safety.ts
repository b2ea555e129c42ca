import { isWellFormedText } from './unicode.js';

/** Deeper than any body this service reads; shallow enough that recursive code (JSON.stringify, zod) cannot overflow. */
export const MAX_JSON_DEPTH = 32;

export interface JsonProblem {
  field: string;
  message: string;
}

/**
 * Looks for what parsed JSON must not carry before any code walks or copies it: nesting deeper than `maxDepth`
 * (a 10 kB body can nest thousands of levels, and JSON.stringify or structuredClone then throws) and `__proto__`
 * keys (harmless in JSON.parse's output, but an object copy assigning that key changes the copy's prototype),
 * and strings or keys that are not well-formed Unicode (a `\ud800` escape: see isWellFormedText; I-JSON, RFC 7493,
 * forbids them too). Iterative, so the check itself cannot overflow the stack.
 */
export function findUnsafeJson(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const pending: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item.value === 'string' && !isWellFormedText(item.value)) return illFormed(item.path);
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxDepth) {
      return { field: item.path || 'body', message: `nests deeper than ${maxDepth} levels` };
    }
    for (const key of Object.keys(item.value)) {
      // Paths name the field in the error; bounded so that long keys do not make long answers.
      const path = (item.path ? `${item.path}.${key}` : key).slice(0, 200);
      if (key === '__proto__') return { field: path, message: 'the key __proto__ is not allowed' };
      if (!isWellFormedText(key)) return illFormed(path);
      pending.push({ value: (item.value as Record<string, unknown>)[key], depth: item.depth + 1, path });
    }
  }
  return undefined;
}

function illFormed(path: string): JsonProblem {
  // The field name itself may hold the lone surrogate: the answer names it with U+FFFD instead.
  return { field: path.replace(/\p{Cs}/gu, '\ufffd') || 'body', message: 'must be well-formed Unicode (no unpaired surrogate)' };
}

/**
 * Whether JSON `text` (decoded from valid UTF-8, so free of unpaired surrogates) could hold what findUnsafeJson
 * looks for; false lets a caller skip the walk over the parsed value. Without a backslash the text has no escape,
 * so its keys and strings are its own characters: no unpaired surrogate, and a `__proto__` key would be the literal
 * substring. Each level of nesting takes one `{` or `[`, so at most `maxDepth` of them (those inside strings
 * counted too) cannot nest deeper than `maxDepth`. A typical hook body passes with a few native scans.
 */
export function mayHoldUnsafeJson(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  if (text.includes('\\') || text.includes('__proto__')) return true;
  let open = 0;
  for (let at = text.indexOf('{'); at !== -1; at = text.indexOf('{', at + 1)) if (++open > maxDepth) return true;
  for (let at = text.indexOf('['); at !== -1; at = text.indexOf('[', at + 1)) if (++open > maxDepth) return true;
  return false;
}
