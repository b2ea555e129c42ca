import { z } from 'zod';
import { booleanString, integerString, secret, type EnvOf, type ReportProblem } from './env-values.js';
import type { storeEnv } from './store-settings.js';

/** The process: where it listens, how many workers, logs, shutdown, and how it is watched. */
export const processEnv = {
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: integerString(0, 65535).default(8080),
  WORKERS: integerString(1, 256).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_ASYNC: booleanString.default(false),
  LOG_BATCH: booleanString.default(true),
  SHUTDOWN_TIMEOUT_MS: integerString(0, 120_000).default(10_000),
  SHUTDOWN_DELAY_MS: integerString(0, 120_000).default(0),
  METRICS_PORT: integerString(0, 65535).optional(),
  METRICS_BEARER_TOKEN: secret(
    z
      .string()
      .regex(/^[\x21-\x7e]{16,256}$/, { message: 'must be 16-256 printable characters without spaces' })
      .optional(),
    'value',
  ),
  STORE_HEALTH_CHECK_INTERVAL_MS: integerString(0, 3_600_000).default(5000),
};

export function processSettings(e: EnvOf<typeof processEnv> & Pick<EnvOf<typeof storeEnv>, 'TOKEN_STORE'>, report: ReportProblem) {
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    report('METRICS_PORT', 'must differ from PORT (unset it to serve /metrics on PORT)');
  }
  if (e.WORKERS > 1 && e.TOKEN_STORE !== 'redis') {
    // Each worker is its own process: with the memory store a token issued through one would be unknown to the others.
    report(
      'WORKERS',
      `${e.WORKERS} workers need TOKEN_STORE=redis (TOKEN_STORE is ${e.TOKEN_STORE}: the memory store is per process, so workers would not share tokens)`,
    );
  }
  // A level name as pino takes it; the schema has already narrowed it to the names pino knows.
  const logLevel: string = e.LOG_LEVEL;
  return {
    host: e.HOST,
    port: e.PORT,
    /** Worker processes sharing the port (node:cluster); 1 = a single process, no cluster. */
    workers: e.WORKERS,
    logLevel,
    /** LOG_ASYNC: buffer log lines and write them from a background thread instead of one write per line. */
    logAsync: e.LOG_ASYNC,
    /** LOG_BATCH: write the lines of one event-loop turn with one write instead of one write per line (not with LOG_ASYNC). */
    logBatch: e.LOG_BATCH,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    /** After SIGTERM: how long to keep serving with /readyz failing, so load balancers stop sending first. */
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    /** undefined: /metrics is served on the main port; otherwise only on this one. */
    metricsPort: e.METRICS_PORT,
    /** undefined: /metrics needs no credentials. */
    metricsBearerToken: e.METRICS_BEARER_TOKEN,
    /** 0: wcs_auth_store_up is only updated by /readyz. */
    storeHealthCheckIntervalMs: e.STORE_HEALTH_CHECK_INTERVAL_MS,
  };
}
