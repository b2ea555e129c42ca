import cluster from 'node:cluster';
import { once } from 'node:events';
import type { RequestListener, Server } from 'node:http';
import type { Logger } from 'pino';
import { parseAdminKeys, type AdminKey } from './admin/admin-keys.js';
import { createApp } from './app.js';
import { clusterMetricsRenderer } from './cluster/cluster-metrics.js';
import { runClusterPrimary } from './cluster/run-cluster-primary.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createServices, type Services } from './create-services.js';
import { createLogger, stdoutDestination } from './observability/logger.js';
import { createMetricsApp } from './observability/metrics-app.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { startStoreHealthMonitor, type StoreHealthMonitor } from './observability/store-health-monitor.js';
import { systemClock, type Clock } from './shared/clock.js';
import { watchParent } from './shared/parent-watch.js';
import { createServiceServer } from './shared/http-server.js';
import { randomSecret } from './shared/secrets.js';
import { JwtKeyError } from './tokens/jwt/key-ring.js';
import { GracefulShutdown } from './wiring/graceful-shutdown.js';

function stopForConfig(message: string): never {
  process.stderr.write(`wcs-token-auth: ${message}\nThe service did not start. See README.md, "Configuration".\n`);
  process.exit(1);
}

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) stopForConfig(error.message);
    throw error;
  }
}

/**
 * Without configured admin keys the memory store (a trial setup) gets a fresh key, shown once on stderr rather
 * than in the JSON log so it never lands in log storage. A Redis-backed deployment must configure its keys: a key
 * that changes with every restart and differs between instances would be useless there.
 */
function adminKeysFor(config: Config, logger: Logger): AdminKey[] {
  if (config.adminKeys) return config.adminKeys;
  if (config.store.kind === 'memory') {
    const key = `wta_admin_${randomSecret(32)}`;
    process.stderr.write(
      `\nNo ADMIN_API_KEYS configured: generated an admin API key for this run (shown once):\n\n  ${key}\n\n` +
        `Use it as: curl -H "Authorization: Bearer ${key}" ...\n\n`,
    );
    return parseAdminKeys(`generated=${key}`);
  }
  logger.warn('ADMIN_API_KEYS is not set: the admin API refuses every request');
  return [];
}

function createMainLogger(config: Config): Logger {
  const logger = createLogger(config.logLevel, stdoutDestination({ async: config.logAsync, batch: config.logBatch }), { secrets: config.logSecrets });
  // Workers tag their lines, so that one worker's story can be followed in the shared log stream.
  return cluster.isWorker ? logger.child({ worker: cluster.worker?.id, pid: process.pid }) : logger;
}

function buildServices(config: Config, deps: { clock: Clock; logger: Logger; metrics: Metrics }): Services {
  try {
    return createServices(config, deps);
  } catch (error) {
    if (!(error instanceof JwtKeyError)) throw error;
    stopForConfig(`Invalid configuration:\n  - ${error.message}`);
  }
}

/** The service's port, and the metrics port when METRICS_PORT is set; a port that cannot be had stops the process. */
async function listen(
  app: RequestListener,
  config: Config,
  deps: { services: Services; logger: Logger; metrics: Metrics; renderMetrics: (() => Promise<string>) | undefined },
): Promise<{ server: Server; metricsServer: Server | undefined }> {
  const { services, logger, metrics } = deps;
  const server: Server = createServiceServer(app).listen(config.port, config.host);
  const metricsServer: Server | undefined =
    config.metricsPort === undefined
      ? undefined
      : createMetricsApp({ registry: metrics.registry, bearerToken: config.metricsBearerToken, logger, render: deps.renderMetrics }).listen(
          config.metricsPort,
          config.host,
        );
  try {
    await Promise.all([once(server, 'listening'), metricsServer && once(metricsServer, 'listening')]);
  } catch (error) {
    logger.fatal({ err: error, host: config.host, port: config.port, metricsPort: config.metricsPort }, 'cannot listen');
    await services.close();
    process.exit(1);
  }
  const address = server.address();
  logger.info(
    {
      address,
      metricsAddress: metricsServer?.address() ?? address,
      store: services.store.kind,
      redisMode: config.store.kind === 'redis' ? config.redisConnection.mode : undefined,
      failurePolicy: config.storeFailurePolicy,
      hookUrl: `http://<this host>:${typeof address === 'object' && address ? address.port : config.port}${config.hookBasePath}`,
    },
    'wcs-token-auth listening',
  );
  return { server, metricsServer };
}

async function main(config: Config): Promise<void> {
  const logger = createMainLogger(config);
  const metrics = createMetrics();
  const renderMetrics = cluster.isWorker ? clusterMetricsRenderer(metrics.registry) : undefined;
  const clock = systemClock;

  if (config.store.kind === 'memory') {
    logger.warn('TOKEN_STORE=memory: tokens are lost on restart and not shared between instances; use TOKEN_STORE=redis in production');
  }
  const services = buildServices(config, { clock, logger, metrics });
  const adminKeys = adminKeysFor(config, logger);
  await services.start();
  // Not awaited: during a Redis outage at start the subscription completes when Redis is back.
  void services.subscribe();

  const shutdown = new GracefulShutdown(config, logger);
  const app = createApp(config, services, { clock, logger, metrics, renderMetrics, isShuttingDown: () => shutdown.started, adminKeys });
  const { server, metricsServer } = await listen(app, config, { services, logger, metrics, renderMetrics });
  const healthMonitor: StoreHealthMonitor | undefined =
    config.storeHealthCheckIntervalMs > 0
      ? startStoreHealthMonitor({
          store: services.store,
          metrics,
          logger,
          timeoutMs: config.storeTimeoutMs,
          intervalMs: config.storeHealthCheckIntervalMs,
        })
      : undefined;
  shutdown.listen({ server, metricsServer, healthMonitor, services });
  // Key rotation without a restart: re-read JWT_KEYS and JWT_SIGNING_KEYS files (a bad file keeps the old keys).
  process.on('SIGHUP', () => void services.jwt.reloadKeys());
}

const config = readConfig();
if (config.workers > 1 && cluster.isPrimary) {
  runClusterPrimary({
    workers: config.workers,
    shutdownTimeoutMs: config.shutdownDelayMs + config.shutdownTimeoutMs,
    logger: createLogger(config.logLevel, stdoutDestination({ async: config.logAsync, batch: config.logBatch }), { secrets: config.logSecrets }),
  });
  // The primary stops its workers on SIGTERM; an orphaned primary sends itself one.
  watchParent(() => process.kill(process.pid, 'SIGTERM'));
} else {
  await main(config);
}
