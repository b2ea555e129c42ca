import { z } from 'zod';
import { parseAdminKeys, type AdminKey } from './admin/admin-keys.js';
import { headerMapSchema } from './shared/http-headers.js';

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integerString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const pathString = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, { message: 'must be a URL path starting with /' })
  .transform((value) => (value.length > 1 ? value.replace(/\/+$/, '') : value));

const headerMapJson = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"X-Auth-Service":"wcs-token-auth"}' });
      return z.NEVER;
    }
  })
  .pipe(headerMapSchema);

const adminKeysString = z.string().transform((value, ctx) => {
  try {
    return parseAdminKeys(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/**
 * Every setting the service reads, with its default. This is the only place that looks at process.env;
 * README's configuration table documents the same names.
 */
const envSchema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: integerString(0, 65535).default(8080),
  WCS_HOOK_BASE_PATH: pathString.default('/wcs'),
  TOKEN_QUERY_PARAM: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, _ . -' })
    .default('token'),
  WCS_SIGNING_SECRET: z.string().min(1, { message: 'must not be empty (unset it to disable signing)' }).optional(),
  HOOK_ALLOW_HEADERS: headerMapJson.default({}),
  EXPOSE_DENY_REASON: booleanString.default(false),
  TOKEN_STORE: z.enum(['memory', 'redis'], { message: 'must be memory or redis' }).default('memory'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
    .default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{0,64}$/, { message: 'must be up to 64 characters of letters, digits, _ : . -' })
    .default('wta:'),
  STORE_TIMEOUT_MS: integerString(1, 60_000).default(200),
  STORE_FAILURE_POLICY: z.enum(['deny', 'allow'], { message: 'must be deny or allow' }).default('deny'),
  BODY_LIMIT_BYTES: integerString(256, 10 * 1024 * 1024).default(64 * 1024),
  TOKEN_DEFAULT_TTL_SECONDS: integerString(1, 10 * 365 * 86_400).default(3600),
  TOKEN_MAX_TTL_SECONDS: integerString(1, 10 * 365 * 86_400).default(30 * 86_400),
  TOKEN_RETENTION_SECONDS: integerString(0, 365 * 86_400).default(86_400),
  ADMIN_API_KEYS: adminKeysString.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: integerString(0, 120_000).default(10_000),
  METRICS_PORT: integerString(0, 65535).optional(),
  METRICS_BEARER_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, { message: 'must be 16-256 printable characters without spaces' })
    .optional(),
  STORE_HEALTH_CHECK_INTERVAL_MS: integerString(0, 3_600_000).default(5000),
});

export interface Config {
  host: string;
  port: number;
  hookBasePath: string;
  tokenQueryParam: string;
  signingSecret: string | undefined;
  allowHeaders: Record<string, string>;
  exposeDenyReason: boolean;
  store: { kind: 'memory' } | { kind: 'redis'; url: string; keyPrefix: string };
  storeTimeoutMs: number;
  storeFailurePolicy: 'deny' | 'allow';
  bodyLimitBytes: number;
  tokenDefaultTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  /** How long records are kept after expiry (decisions then say `expired`, admin reads say state=expired). */
  tokenRetentionSeconds: number;
  /** undefined: none configured (main.ts decides what that means for the store in use). */
  adminKeys: AdminKey[] | undefined;
  logLevel: string;
  shutdownTimeoutMs: number;
  /** undefined: /metrics is served on the main port; otherwise only on this one. */
  metricsPort: number | undefined;
  /** undefined: /metrics needs no credentials. */
  metricsBearerToken: string | undefined;
  /** 0: wcs_auth_store_up is only updated by /readyz. */
  storeHealthCheckIntervalMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once. Empty strings count as unset, as most process managers write them. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.TOKEN_DEFAULT_TTL_SECONDS > e.TOKEN_MAX_TTL_SECONDS) {
    throw new ConfigError(['TOKEN_DEFAULT_TTL_SECONDS: must not exceed TOKEN_MAX_TTL_SECONDS']);
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(['METRICS_PORT: must differ from PORT (unset it to serve /metrics on PORT)']);
  }
  return {
    host: e.HOST,
    port: e.PORT,
    hookBasePath: e.WCS_HOOK_BASE_PATH,
    tokenQueryParam: e.TOKEN_QUERY_PARAM,
    signingSecret: e.WCS_SIGNING_SECRET,
    allowHeaders: e.HOOK_ALLOW_HEADERS,
    exposeDenyReason: e.EXPOSE_DENY_REASON,
    store:
      e.TOKEN_STORE === 'redis' ? { kind: 'redis', url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : { kind: 'memory' },
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    storeFailurePolicy: e.STORE_FAILURE_POLICY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    tokenDefaultTtlSeconds: e.TOKEN_DEFAULT_TTL_SECONDS,
    tokenMaxTtlSeconds: e.TOKEN_MAX_TTL_SECONDS,
    tokenRetentionSeconds: e.TOKEN_RETENTION_SECONDS,
    adminKeys: e.ADMIN_API_KEYS,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metricsPort: e.METRICS_PORT,
    metricsBearerToken: e.METRICS_BEARER_TOKEN,
    storeHealthCheckIntervalMs: e.STORE_HEALTH_CHECK_INTERVAL_MS,
  };
}
