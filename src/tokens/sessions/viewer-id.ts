import { z } from 'zod';

export const VIEWER_ID_MAX_CHARACTERS = 128;

/**
 * Whether a string can be a viewer id: 1-128 characters (code points), well-formed Unicode (no lone surrogate,
 * which neither JSON in Redis nor a log line can carry faithfully), and no control characters (it is shown in
 * logs and the sessions API as is).
 */
export function isViewerId(value: string): boolean {
  // A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value) || /\p{Cc}/u.test(value)) return false;
  const length = [...value].length;
  return length >= 1 && length <= VIEWER_ID_MAX_CHARACTERS;
}

export const viewerIdSchema = z.string().refine(isViewerId, {
  message: `must be 1-${VIEWER_ID_MAX_CHARACTERS} characters of well-formed Unicode without control characters`,
});
