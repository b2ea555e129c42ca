import { wellFormedJson } from '../shared/unicode.js';

/** The scripts' arguments as text (see redis-scripts.ts and jwt/jti-scripts.ts for what each script reads). */

/**
 * A number as the scripts read it: a decimal integer. String(1e21) is `1e+21`, which PEXPIREAT refuses after the
 * script may already have written (a key without TTL), so anything but a safe integer is refused before the call.
 */
export function redisInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer for Redis: ${value}`);
  return String(value);
}

/**
 * A write deadline as the scripts read it (wall-clock ms, see PolicyCheck.writeDeadline): absent is a deadline
 * that never comes, and a fractional one is cut to the millisecond it falls in.
 */
export function deadlineArg(writeDeadline: number | undefined): string {
  return redisInteger(deadlineMs(writeDeadline));
}

function deadlineMs(writeDeadline: number | undefined): number {
  return writeDeadline === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(writeDeadline);
}

/**
 * redisInteger for a value that seldom changes from one decision to the next (a setting, the current millisecond):
 * the last value's text is kept. Anything redisInteger refuses is refused every time (NaN never equals itself).
 */
export class IntegerText {
  private last = Number.NaN;
  private text = '';

  of(value: number): string {
    if (value !== this.last) {
      this.text = redisInteger(value);
      this.last = value;
    }
    return this.text;
  }

  /** deadlineArg, kept likewise. */
  deadline(writeDeadline: number | undefined): string {
    return this.of(deadlineMs(writeDeadline));
  }
}

/**
 * The decision script's values (A in AUTHORIZE_SCRIPT) as one JSON array of strings. Issue 15: ioredis copies a
 * command's arguments with Array.prototype.flat and frames each one; with the 14 values as arguments of their own
 * that was ~3 µs of CPU per decision, as one argument a fraction of it. The integers stay strings: the script
 * writes some into the session ledger, where a decoded JSON number would print as 1.796e+12. Each value is made
 * well-formed first: the script's cjson.decode refuses an escaped lone surrogate. The array is written by hand
 * (wellFormedJson quotes plain ASCII as it is): the same text as JSON.stringify(values.map(toWellFormedText)).
 */
export function decisionArgsJson(values: readonly string[]): string {
  let json = '[';
  for (let i = 0; i < values.length; i++) json += (i === 0 ? '' : ',') + wellFormedJson(values[i] as string);
  return `${json}]`;
}
