/** A stream pattern is an exact stream name or a glob where `*` matches any run of characters (also none). */
export const STREAM_PATTERN = /^[^\s\u0000-\u001f]{1,256}$/;

/**
 * Greedy wildcard match with backtracking to the last `*` only: O(pattern × name) at worst, so a pattern in a
 * token record cannot be turned into a regular-expression denial of service.
 */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function streamMatches(patterns: readonly string[], stream: string): boolean {
  for (const pattern of patterns) {
    if (pattern === stream || (pattern.includes('*') && globMatches(pattern, stream))) return true;
  }
  return false;
}
