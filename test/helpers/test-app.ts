import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/create-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import type { JwtRuntime } from '../../src/tokens/jwt/jwt-runtime.js';
import type { RedisTokenStore } from '../../src/tokens/redis-token-store.js';
import type { TokenStore } from '../../src/tokens/token-store.js';
import { LogCapture } from './log-capture.js';
import { ManualClock } from './manual-clock.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const READ_ONLY_KEY = 'test-reader-key-0123456789abcdef';

export interface TestApp {
  app: RequestListener;
  config: Config;
  clock: ManualClock;
  store: TokenStore;
  redisStore: RedisTokenStore | undefined;
  logs: LogCapture;
  metrics: Metrics;
  /** JWT keys, JWKS cache and jti store; call `jwt.start()` for the first JWKS fetch, as main.ts does. */
  jwt: JwtRuntime;
  /** Everything createServices built, as main.ts builds it (not started: `jwt.start()` as said above). */
  services: Services;
  close(): Promise<void>;
}

export type StoreKind = 'memory' | 'redis';

/**
 * The real app, built the way main.ts builds it (createServices + createApp), with a manual clock and captured
 * logs. `env` takes the same variables as the service (so tests exercise config parsing too). Brute-force and
 * admin-authentication limits are off unless `env` sets them: most tests refuse many tokens from one address.
 */
export function buildTestApp(options: { store: StoreKind; redis?: TestRedis; env?: Record<string, string> }): TestApp {
  const config = loadConfig({
    ADMIN_API_KEYS: `admin=${ADMIN_KEY},reader=${READ_ONLY_KEY}#tokens:read`,
    LOG_LEVEL: 'info',
    // Generous by default so a loaded CI machine cannot turn a slow answer into store_unavailable; the tests
    // about timeouts set their own value.
    STORE_TIMEOUT_MS: '2000',
    BRUTE_FORCE_MAX_PER_IP: '0',
    ADMIN_AUTH_MAX_FAILURES: '0',
    ...(options.store === 'redis' && options.redis
      ? { TOKEN_STORE: 'redis', REDIS_URL: options.redis.url, REDIS_KEY_PREFIX: options.redis.keyPrefix }
      : {}),
    ...options.env,
  });
  const clock = new ManualClock();
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const metrics = createMetrics();
  const services = createServices(config, { clock, logger, metrics });
  const app = createApp(config, services, { clock, logger, metrics });
  const { store, redisStore, jwt } = services;
  const close = () => services.close();
  return { app, config, clock, store, redisStore, logs, metrics, jwt, services, close };
}

export const STORE_KINDS: readonly StoreKind[] = ['memory', 'redis'];

/**
 * The hooks of a describe block whose tests run against one store: a private redis-server for the whole block
 * (redis only), and a fresh app for each test, built with `env` and closed after it. With `keyPrefixPerTest`, each
 * test also gets Redis keys of its own (for tests that list what the store holds). `use` receives each test's app
 * and the block's Redis.
 */
export function freshAppPerTest(
  storeKind: StoreKind,
  env: Record<string, string>,
  use: (app: TestApp, redis: TestRedis | undefined) => void,
  options: { keyPrefixPerTest?: boolean } = {},
): void {
  let redis: TestRedis | undefined;
  let app: TestApp | undefined;
  let tests = 0;
  before(async () => {
    if (storeKind === 'redis') redis = await startTestRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  beforeEach(() => {
    const ownPrefix: Record<string, string> = redis && options.keyPrefixPerTest ? { REDIS_KEY_PREFIX: `${redis.keyPrefix}${++tests}:` } : {};
    app = buildTestApp({ store: storeKind, redis, env: { ...env, ...ownPrefix } });
    use(app, redis);
  });
  afterEach(() => app?.close());
}


/**
 * The hooks of a describe block whose tests share one app: a private redis-server (redis only) and the app, built
 * with `env` before the block and closed (the server stopped) after it. `use` receives them, and may set up what
 * the block's tests share (it is awaited).
 */
export function oneAppPerBlock(
  storeKind: StoreKind,
  env: Record<string, string>,
  use: (app: TestApp, redis: TestRedis | undefined) => unknown,
): void {
  let redis: TestRedis | undefined;
  let app: TestApp | undefined;
  before(async () => {
    if (storeKind === 'redis') redis = await startTestRedis();
    app = buildTestApp({ store: storeKind, redis, env });
    await use(app, redis);
  });
  after(async () => {
    // A test that failed while Redis was stalled must not leave the app's close waiting for it.
    redis?.resume();
    await app?.close();
    await redis?.stop();
  });
}

/** Builds an app for one test, runs `test` on it and closes it, whether `test` passed or not. */
export async function withTestApp<T>(options: Parameters<typeof buildTestApp>[0], test: (app: TestApp) => Promise<T>): Promise<T> {
  const app = buildTestApp(options);
  try {
    return await test(app);
  } finally {
    await app.close();
  }
}

export interface ServedTestApp {
  url: string;
  /** Stops the server, then the app. */
  close(): Promise<void>;
}

/**
 * Serves a test app on a loopback port, for clients that need a URL (nginx, ffmpeg, a browser). `listener` stands
 * in for the app's own when a test watches the requests on their way to it.
 */
export async function serveTestApp(app: TestApp, listener: RequestListener = app.app): Promise<ServedTestApp> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}
