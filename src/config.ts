import { z } from 'zod';
import { parseAdminKeys, type AdminKey } from './admin/admin-keys.js';
import type { EdgeSigningSettings } from './playback/edge-signature.js';
import { ENFORCEABLE_METHODS } from './playback/enforced-methods.js';
import { parseCidrList, type IpRange } from './shared/ip-address.js';
import { secretsInEnvironment } from './config-secrets.js';
import { headerMapSchema, headerNameProblem } from './shared/http-headers.js';
import { isHmacAlgorithm, isJwtAlgorithm, type JwtAlgorithm } from './tokens/jwt/jwt-algorithms.js';
import { parseJwtKeySpecs } from './tokens/jwt/jwt-key-spec.js';
import type { JwtConfig } from './tokens/jwt/jwt-runtime.js';
import type { RedisConnection, WaitReplicas } from './shared/redis-client.js';
import { sessionsConfig, SessionsConfigError, sessionsEnvFields, type SessionsConfig } from './tokens/sessions/sessions-config.js';

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

const methodList = z.string().transform((value, ctx) => {
  const methods = [...new Set(value.split(',').map((method) => method.trim()).filter(Boolean))];
  const known = Object.keys(ENFORCEABLE_METHODS);
  for (const method of methods) {
    if (!known.includes(method)) {
      ctx.addIssue({ code: 'custom', message: `"${method}" cannot be enforced (choose from ${known.join(', ')}; events are never refused)` });
      return z.NEVER;
    }
  }
  return methods;
});

/** `host:port,host:port`: loopback names, IPv4 and bracketed IPv6 (`[::1]:6379`). */
const hostPortList = z.string().transform((value, ctx) => {
  const nodes: { host: string; port: number }[] = [];
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" must look like host:port` });
      return z.NEVER;
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  if (nodes.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
    return z.NEVER;
  }
  return nodes;
});

const adminKeysString = z.string().transform((value, ctx) => {
  try {
    return parseAdminKeys(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const stringList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(256)).min(1, { message: 'must list at least one value' }));

const jwksAlgorithms = z.string().transform((value, ctx) => {
  const algorithms: JwtAlgorithm[] = [];
  for (const alg of value.split(',').map((item) => item.trim()).filter(Boolean)) {
    // A JWKS is public: a symmetric key in it would let anyone sign tokens.
    if (!isJwtAlgorithm(alg) || isHmacAlgorithm(alg)) {
      ctx.addIssue({ code: 'custom', message: `"${alg}" is not one of RS256, RS384, RS512, PS256, ES256, ES384, EdDSA` });
      return z.NEVER;
    }
    algorithms.push(alg);
  }
  if (algorithms.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one algorithm' });
  return algorithms;
});

const headerName = z.string().transform((value, ctx) => {
  if (value === 'off') return null;
  const problem = headerNameProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: `${problem}; or off` });
    return z.NEVER;
  }
  return value;
});

const cidrListString = z.string().transform((value, ctx) => {
  if (value.trim() === 'none') return [];
  try {
    return parseCidrList(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}; expected e.g. 127.0.0.0/8,::1/128 or none` });
    return z.NEVER;
  }
});

/** A regular expression for the end of a path segment; `none` disables it. */
const suffixRegexString = z.string().transform((value, ctx) => {
  if (value === 'none') return null;
  try {
    return new RegExp(`(?:${value})$`);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a valid regular expression (or none)' });
    return z.NEVER;
  }
});

/**
 * Every setting the service reads, with its default. This is the only place that looks at process.env;
 * README's configuration table documents the same names.
 */
export const envSchema = z.object({
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
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, _ . -' })
    .default('mymaster'),
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_WAIT_REPLICAS: integerString(0, 16).default(0),
  REDIS_WAIT_TIMEOUT_MS: integerString(1, 10_000).default(100),
  STORE_FAILURE_POLICY: z.enum(['deny', 'allow', 'cached'], { message: 'must be deny or allow, or cached' }).default('deny'),
  DECISION_CACHE_TTL_SECONDS: integerString(1, 3600).default(30),
  DECISION_CACHE_MAX_ENTRIES: integerString(1, 1_000_000).default(10_000),
  BRUTE_FORCE_WINDOW_SECONDS: integerString(1, 86_400).default(60),
  BRUTE_FORCE_MAX_PER_IP: integerString(0, 1_000_000).default(20),
  BRUTE_FORCE_MAX_PER_STREAM: integerString(0, 1_000_000).default(0),
  ADMIN_AUTH_MAX_FAILURES: integerString(0, 1_000_000).default(10),
  ADMIN_AUTH_WINDOW_SECONDS: integerString(1, 86_400).default(300),
  BODY_LIMIT_BYTES: integerString(256, 10 * 1024 * 1024).default(64 * 1024),
  TOKEN_DEFAULT_TTL_SECONDS: integerString(1, 10 * 365 * 86_400).default(3600),
  TOKEN_MAX_TTL_SECONDS: integerString(1, 10 * 365 * 86_400).default(30 * 86_400),
  TOKEN_RETENTION_SECONDS: integerString(0, 365 * 86_400).default(86_400),
  ENFORCED_METHODS: methodList.default(['playHLS']),
  VIEWER_SESSION_WINDOW_SECONDS: integerString(1, 86_400).default(60),
  TOKEN_SESSIONS_RECORDED_MAX: integerString(0, 10_000).default(1000),
  ADMIN_BATCH_BODY_LIMIT_BYTES: integerString(1024, 50 * 1024 * 1024).default(1024 * 1024),
  ADMIN_API_KEYS: adminKeysString.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_ASYNC: booleanString.default(false),
  SHUTDOWN_TIMEOUT_MS: integerString(0, 120_000).default(10_000),
  SHUTDOWN_DELAY_MS: integerString(0, 120_000).default(0),
  METRICS_PORT: integerString(0, 65535).optional(),
  METRICS_BEARER_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, { message: 'must be 16-256 printable characters without spaces' })
    .optional(),
  STORE_HEALTH_CHECK_INTERVAL_MS: integerString(0, 3_600_000).default(5000),
  OPAQUE_TOKENS_ENABLED: booleanString.default(true),
  JWT_ENABLED: booleanString.default(true),
  JWT_KEYS: z.string().optional(),
  JWT_SIGNING_KEYS: z.string().optional(),
  JWT_JWKS_URL: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
  JWT_JWKS_ALGORITHMS: jwksAlgorithms.default(['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA']),
  JWT_JWKS_REFRESH_INTERVAL_SECONDS: integerString(1, 86_400).default(300),
  JWT_JWKS_MIN_REFETCH_INTERVAL_SECONDS: integerString(1, 3600).default(30),
  JWT_JWKS_FETCH_TIMEOUT_MS: integerString(1, 60_000).default(2000),
  JWT_UNKNOWN_KID_WAIT_MS: integerString(0, 60_000).default(100),
  JWT_KEYS_RELOAD_INTERVAL_SECONDS: integerString(0, 86_400).default(30),
  JWT_CLOCK_SKEW_SECONDS: integerString(0, 600).default(30),
  JWT_REQUIRE_EXP: booleanString.default(true),
  JWT_ISSUERS: stringList.optional(),
  JWT_AUDIENCES: stringList.optional(),
  JWT_SIGNING_ISSUER: z.string().min(1).max(256).default('wcs-token-auth'),
  JWT_SIGNING_AUDIENCE: z.string().min(1).max(256).optional(),
  JWT_VIEWER_ID_HEADER: headerName.default('X-Viewer-Id'),
  JWT_VERIFIED_CACHE_SIZE: integerString(0, 1_000_000).default(10_000),
  NGINX_AUTH_PATH: pathString.default('/nginx/auth'),
  TRUSTED_PROXY_CIDRS: cidrListString.default(parseCidrList('127.0.0.0/8,::1/128')),
  NGINX_STREAM_VARIANT_SUFFIX: suffixRegexString.default(/(?:-[0-9]+p)$/),
  // The same value is written into nginx's config (secure_link_md5), where quotes, `$` or spaces would break it.
  EDGE_SIGNING_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{32,512}$/, { message: 'must be 32-512 characters of letters, digits, + / = _ - (unset it to disable edge signatures)' })
    .optional(),
  EDGE_SIGNATURE_TTL_SECONDS: integerString(1, 3600).default(30),
  EDGE_SIGNATURE_BIND_ADDRESS: booleanString.default(true),
  WORKERS: integerString(1, 256).default(1),
  ...sessionsEnvFields,
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
  /** With TOKEN_STORE=redis: where Redis is (REDIS_URL, or Sentinel, or Cluster). */
  redisConnection: RedisConnection;
  /** Replica acknowledgements admin writes wait for (REDIS_WAIT_*). */
  redisWaitReplicas: WaitReplicas;
  storeTimeoutMs: number;
  storeFailurePolicy: 'deny' | 'allow' | 'cached';
  /** The in-process cache of recent allow decisions that STORE_FAILURE_POLICY=cached answers from. */
  decisionCacheSettings: { ttlSeconds: number; maxEntries: number };
  /** Failed token guesses allowed per client IP / per stream and window; 0 turns a limit off. */
  bruteForce: { windowSeconds: number; maxPerIp: number; maxPerStream: number };
  /** Failed admin authentications allowed per client address and window; 0 turns the limit off. */
  adminAuthThrottle: { maxFailures: number; windowSeconds: number };
  bodyLimitBytes: number;
  tokenDefaultTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  /** How long records are kept after expiry (decisions then say `expired`, admin reads say state=expired). */
  tokenRetentionSeconds: number;
  /** WCS methods whose token is checked (see ENFORCEABLE_METHODS); every other method is echoed. */
  enforcedMethods: string[];
  /** A viewer session counts as active (maxViewers) for this long after its last check. */
  viewerSessionWindowSeconds: number;
  /** Viewer sessions recorded per token without maxUses (GET /v1/tokens/{id}/sessions). */
  tokenSessionsRecordedMax: number;
  adminBatchBodyLimitBytes: number;
  /** undefined: none configured (main.ts decides what that means for the store in use). */
  adminKeys: AdminKey[] | undefined;
  logLevel: string;
  /** LOG_ASYNC: buffer log lines and write them from a background thread instead of one write per line. */
  logAsync: boolean;
  shutdownTimeoutMs: number;
  /** After SIGTERM: how long to keep serving with /readyz failing, so load balancers stop sending first. */
  shutdownDelayMs: number;
  /** undefined: /metrics is served on the main port; otherwise only on this one. */
  metricsPort: number | undefined;
  /** undefined: /metrics needs no credentials. */
  metricsBearerToken: string | undefined;
  /** 0: wcs_auth_store_up is only updated by /readyz. */
  storeHealthCheckIntervalMs: number;
  /** false: opaque tokens are refused without a store lookup. */
  opaqueTokensEnabled: boolean;
  jwt: JwtConfig;
  /** GET endpoint for nginx's auth_request. */
  nginxAuthPath: string;
  /** Direct peers whose X-Real-IP / X-Forwarded-For are believed. */
  trustedProxies: IpRange[];
  /** Removed from the first path segment of an HLS URI to find the stream (ABR variants); null keeps it. */
  nginxStreamVariantSuffix: RegExp | null;
  /** Signatures nginx checks on segments without calling the service (EDGE_SIGNING_SECRET); undefined = off. */
  edgeSigning: EdgeSigningSettings | undefined;
  /** Worker processes sharing the port (node:cluster); 1 = a single process, no cluster. */
  workers: number;
  /** Live sessions across tokens, the per-viewer limit and webhooks (VIEWER_MAX_SESSIONS, WEBHOOK_*, …). */
  sessions: SessionsConfig;
  /** Configured secrets, removed from any error text in the log (config-secrets.ts). */
  logSecrets: readonly string[];
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
  if (['/healthz', '/readyz', '/metrics'].includes(e.NGINX_AUTH_PATH)) {
    throw new ConfigError([`NGINX_AUTH_PATH: ${e.NGINX_AUTH_PATH} is the service's own endpoint; choose another path (default /nginx/auth)`]);
  }
  if (e.WORKERS > 1 && e.TOKEN_STORE !== 'redis') {
    // Each worker is its own process: with the memory store a token issued through one would be unknown to the others.
    throw new ConfigError([
      `WORKERS: ${e.WORKERS} workers need TOKEN_STORE=redis (TOKEN_STORE is ${e.TOKEN_STORE}: the memory store is per process, so workers would not share tokens)`,
    ]);
  }
  const jwt = jwtConfig(e, input);
  // The admin call's deadline (STORE_TIMEOUT_MS) covers the write and the WAIT after it.
  if (e.REDIS_WAIT_REPLICAS > 0 && e.REDIS_WAIT_TIMEOUT_MS >= e.STORE_TIMEOUT_MS) {
    throw new ConfigError(['REDIS_WAIT_TIMEOUT_MS: must be less than STORE_TIMEOUT_MS when REDIS_WAIT_REPLICAS is set']);
  }
  const connection = redisConnection(e);
  let sessions: SessionsConfig;
  try {
    sessions = sessionsConfig(e);
  } catch (error) {
    if (error instanceof SessionsConfigError) throw new ConfigError([error.message]);
    throw error;
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
    redisConnection: connection,
    redisWaitReplicas: { count: e.REDIS_WAIT_REPLICAS, timeoutMs: e.REDIS_WAIT_TIMEOUT_MS },
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    storeFailurePolicy: e.STORE_FAILURE_POLICY,
    decisionCacheSettings: { ttlSeconds: e.DECISION_CACHE_TTL_SECONDS, maxEntries: e.DECISION_CACHE_MAX_ENTRIES },
    bruteForce: {
      windowSeconds: e.BRUTE_FORCE_WINDOW_SECONDS,
      maxPerIp: e.BRUTE_FORCE_MAX_PER_IP,
      maxPerStream: e.BRUTE_FORCE_MAX_PER_STREAM,
    },
    adminAuthThrottle: { maxFailures: e.ADMIN_AUTH_MAX_FAILURES, windowSeconds: e.ADMIN_AUTH_WINDOW_SECONDS },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    tokenDefaultTtlSeconds: e.TOKEN_DEFAULT_TTL_SECONDS,
    tokenMaxTtlSeconds: e.TOKEN_MAX_TTL_SECONDS,
    tokenRetentionSeconds: e.TOKEN_RETENTION_SECONDS,
    enforcedMethods: e.ENFORCED_METHODS,
    viewerSessionWindowSeconds: e.VIEWER_SESSION_WINDOW_SECONDS,
    tokenSessionsRecordedMax: e.TOKEN_SESSIONS_RECORDED_MAX,
    adminBatchBodyLimitBytes: e.ADMIN_BATCH_BODY_LIMIT_BYTES,
    adminKeys: e.ADMIN_API_KEYS,
    logLevel: e.LOG_LEVEL,
    logAsync: e.LOG_ASYNC,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    metricsPort: e.METRICS_PORT,
    metricsBearerToken: e.METRICS_BEARER_TOKEN,
    storeHealthCheckIntervalMs: e.STORE_HEALTH_CHECK_INTERVAL_MS,
    opaqueTokensEnabled: e.OPAQUE_TOKENS_ENABLED,
    jwt,
    nginxAuthPath: e.NGINX_AUTH_PATH,
    trustedProxies: e.TRUSTED_PROXY_CIDRS,
    nginxStreamVariantSuffix: e.NGINX_STREAM_VARIANT_SUFFIX,
    edgeSigning:
      e.EDGE_SIGNING_SECRET === undefined
        ? undefined
        : { secret: e.EDGE_SIGNING_SECRET, ttlSeconds: e.EDGE_SIGNATURE_TTL_SECONDS, bindAddress: e.EDGE_SIGNATURE_BIND_ADDRESS },
    workers: e.WORKERS,
    sessions,
    logSecrets: secretsInEnvironment(env),
  };
}

/** The JWT part, with the checks that span several variables. Key files are read later, by the key ring. */
function jwtConfig(e: z.infer<typeof envSchema>, env: Record<string, string | undefined>): JwtConfig {
  const problems: string[] = [];
  const specs = (variable: 'JWT_KEYS' | 'JWT_SIGNING_KEYS', value: string | undefined) => {
    if (value === undefined) return [];
    try {
      return parseJwtKeySpecs(value, env);
    } catch (error) {
      problems.push(`${variable}: ${(error as Error).message}`);
      return [];
    }
  };
  const keys = specs('JWT_KEYS', e.JWT_KEYS);
  const signingKeys = specs('JWT_SIGNING_KEYS', e.JWT_SIGNING_KEYS);
  if (e.JWT_JWKS_URL !== undefined && e.JWT_UNKNOWN_KID_WAIT_MS >= e.STORE_TIMEOUT_MS) {
    problems.push('JWT_UNKNOWN_KID_WAIT_MS: must be less than STORE_TIMEOUT_MS (the whole decision must fit in it)');
  }
  // Tokens this service issues must pass its own checks.
  if (signingKeys.length > 0 && e.JWT_ISSUERS && !e.JWT_ISSUERS.includes(e.JWT_SIGNING_ISSUER)) {
    problems.push('JWT_SIGNING_ISSUER: must be one of JWT_ISSUERS, or this service would refuse its own tokens');
  }
  if (signingKeys.length > 0 && e.JWT_AUDIENCES && (e.JWT_SIGNING_AUDIENCE === undefined || !e.JWT_AUDIENCES.includes(e.JWT_SIGNING_AUDIENCE))) {
    problems.push('JWT_SIGNING_AUDIENCE: must be one of JWT_AUDIENCES, or this service would refuse its own tokens');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    enabled: e.JWT_ENABLED,
    keys,
    signingKeys,
    jwks:
      e.JWT_JWKS_URL === undefined
        ? undefined
        : {
            url: e.JWT_JWKS_URL,
            algorithms: e.JWT_JWKS_ALGORITHMS,
            refreshIntervalSeconds: e.JWT_JWKS_REFRESH_INTERVAL_SECONDS,
            minRefetchIntervalSeconds: e.JWT_JWKS_MIN_REFETCH_INTERVAL_SECONDS,
            fetchTimeoutMs: e.JWT_JWKS_FETCH_TIMEOUT_MS,
          },
    keysReloadIntervalSeconds: e.JWT_KEYS_RELOAD_INTERVAL_SECONDS,
    unknownKidWaitMs: e.JWT_UNKNOWN_KID_WAIT_MS,
    clockSkewSeconds: e.JWT_CLOCK_SKEW_SECONDS,
    requireExp: e.JWT_REQUIRE_EXP,
    issuers: e.JWT_ISSUERS ?? null,
    audiences: e.JWT_AUDIENCES ?? null,
    signingIssuer: e.JWT_SIGNING_ISSUER,
    signingAudience: e.JWT_SIGNING_AUDIENCE,
    viewerIdHeader: e.JWT_VIEWER_ID_HEADER,
    verifiedCacheSize: e.JWT_VERIFIED_CACHE_SIZE,
  };
}

type Env = z.infer<typeof envSchema>;

/** Standalone (REDIS_URL), Sentinel (REDIS_SENTINELS) or Cluster (REDIS_CLUSTER_NODES): one of them. */
function redisConnection(e: Env): RedisConnection {
  const topologies = [e.REDIS_SENTINELS && 'REDIS_SENTINELS', e.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (topologies.length > 1) throw new ConfigError(['REDIS_CLUSTER_NODES: cannot be combined with REDIS_SENTINELS; set one of them']);
  if (topologies.length > 0 && e.TOKEN_STORE !== 'redis') {
    throw new ConfigError([`${topologies[0]}: needs TOKEN_STORE=redis`]);
  }
  if (e.REDIS_SENTINELS) {
    return { mode: 'sentinel', sentinels: e.REDIS_SENTINELS, name: e.REDIS_SENTINEL_NAME, password: e.REDIS_PASSWORD };
  }
  if (e.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, password: e.REDIS_PASSWORD };
  // A standalone Redis takes its credentials from the URL, like every other Redis client.
  if (e.REDIS_PASSWORD !== undefined) {
    throw new ConfigError(['REDIS_PASSWORD: only for REDIS_SENTINELS or REDIS_CLUSTER_NODES; put the password in REDIS_URL instead']);
  }
  return { mode: 'standalone', url: e.REDIS_URL };
}
