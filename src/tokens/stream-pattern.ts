/** The longest stream name a decision looks at (UTF-16 code units, as JavaScript counts); longer names are refused. */
export const STREAM_NAME_MAX_LENGTH = 256;

/** A stream pattern is an exact stream name or a glob where `*` matches any run of characters (also none). */
export const STREAM_PATTERN = /^[^\s\u0000-\u001f]{1,256}$/;

/**
 * Linear in pattern + name, whatever both contain: the parts between stars are found left to right, each at its
 * first occurrence (leftmost is always safe for `*`-only globs), with a KMP search that never re-reads the name.
 * The Redis store's decision script (redis-scripts.ts) does the same on UTF-8 bytes; for well-formed strings,
 * which are all that inputs accept, both give the same answer.
 */
export function globMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return pattern === name;
  if (first.length + last.length > name.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    if (part === '') continue;
    const found = findPart(name, part, at, end);
    if (found === -1) return false;
    at = found + part.length;
  }
  return true;
}

/** Knuth–Morris–Pratt: where `part` first lies wholly inside name[from, end), or -1. */
function findPart(name: string, part: string, from: number, end: number): number {
  const border = new Array<number>(part.length).fill(0);
  for (let i = 1, k = 0; i < part.length; i++) {
    while (k > 0 && part[k] !== part[i]) k = border[k - 1] ?? 0;
    if (part[k] === part[i]) k++;
    border[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && part[k] !== name[i]) k = border[k - 1] ?? 0;
    if (part[k] === name[i]) k++;
    if (k === part.length) return i - part.length + 1;
  }
  return -1;
}

export function streamMatches(patterns: readonly string[], stream: string): boolean {
  for (const pattern of patterns) {
    if (pattern === stream || (pattern.includes('*') && globMatches(pattern, stream))) return true;
  }
  return false;
}
