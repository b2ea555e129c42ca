import { destination, pino, type DestinationStream, type Logger } from 'pino';
import { batchedDestination } from './batched-destination.js';
import { fdSink } from './fd-sink.js';
import { createErrorSerializer, createScrubber } from './log-redaction.js';

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

/**
 * Where stdout lines go. By default (`batch`, LOG_BATCH) the lines of one event-loop turn are written together
 * with one synchronous write(2) at the end of the turn (batched-destination.ts): the same lines, in the same order,
 * one syscall per turn instead of one per line, flushed at exit. Without `batch` each line is one write(2) on the
 * calling thread, as it is logged: measured cheaper per decision than pino's default asynchronous mode, which
 * hands each line to a libuv thread and wakes the event loop again when it is written (bench/README.md). `async`
 * (LOG_ASYNC) wins over `batch`: it buffers up to 4 KiB, written by a background thread at least once a second and
 * flushed at exit, for a stdout that can block (a slow pipe), at the price of losing the last lines on a hard crash.
 */
export function stdoutDestination(options: { async: boolean; batch?: boolean }): DestinationStream {
  if (options.async) return destination({ fd: 1, sync: false, minLength: 4096, periodicFlush: 1000 });
  return options.batch === false ? destination({ fd: 1, sync: true }) : batchedDestination(fdSink(1));
}

/**
 * `secrets`: the configured secrets (Config.logSecrets), removed from any error text and `problem` field. Errors
 * are serialized by shape (log-redaction.ts), never with their library-specific properties.
 */
export function createLogger(
  level: string,
  stream: DestinationStream = stdoutDestination({ async: false }),
  options: { secrets?: readonly string[] } = {},
): Logger {
  const scrub = createScrubber(options.secrets ?? []);
  const serializeError = createErrorSerializer(scrub);
  return pino(
    {
      level,
      base: { service: 'wcs-token-auth' },
      redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
      serializers: { err: serializeError, error: serializeError, problem: (value: unknown) => (typeof value === 'string' ? scrub(value) : value) },
      timestamp: isoTime,
    },
    stream,
  );
}
