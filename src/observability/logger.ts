import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths that could carry a secret if someone ever logged a request or body by mistake. Decision and audit lines
 * are built field by field and carry no secret in the first place; redaction is the second line of defence.
 */
export const REDACT_PATHS = [
  'token',
  'secret',
  'authorization',
  '*.token',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'body',
  'custom',
];

export const REDACT_CENSOR = '[redacted]';

let stampMs = Number.NaN;
let stamp = '';

/** pino's isoTime, formatted once per millisecond: under load, many lines share one (same output). */
function isoTime(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'wcs-token-auth' },
      redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
      timestamp: isoTime,
    },
    destination,
  );
}
