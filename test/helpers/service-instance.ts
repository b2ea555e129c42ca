import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/create-services.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createServiceServer } from '../../src/shared/http-server.js';
import { LogCapture } from './log-capture.js';
import { ManualClock } from './manual-clock.js';
import { after, before } from 'node:test';
import { eventually, timedRequest } from './hook-client.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { startRedisCluster, type RedisClusterGroup } from './redis-topology.js';
import { ADMIN_KEY, READ_ONLY_KEY, type StoreKind } from './test-app.js';

/**
 * One running instance of the service, built exactly as main.ts builds it (createServices + createApp) and
 * listening on a loopback port, with a manual clock (starting now) and captured logs. Several of them on one
 * Redis are several instances of a deployment.
 */
export interface ServiceInstance {
  url: string;
  app: RequestListener;
  server: Server;
  config: Config;
  clock: ManualClock;
  logs: LogCapture;
  metrics: Metrics;
  services: Services;
  /** The numeric value of one sample of a metric (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** `clockStart`: where the instance's manual clock starts (default: now). */
export async function startServiceInstance(env: Record<string, string>, options: { clockStart?: number } = {}): Promise<ServiceInstance> {
  const config = loadConfig({
    ADMIN_API_KEYS: `admin=${ADMIN_KEY},reader=${READ_ONLY_KEY}#tokens:read`,
    LOG_LEVEL: 'info',
    ...env,
  });
  const clock = new ManualClock(options.clockStart ?? Date.now());
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const metrics = createMetrics();
  const services = createServices(config, { clock, logger, metrics });
  await services.start();
  await services.subscribe();
  const app = createApp(config, services, { clock, logger, metrics });
  const server = createServiceServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    server,
    config,
    clock,
    logs,
    metrics,
    services,
    metric: async (name, labels = {}) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      const sample = (metric?.values ?? []).find((value) =>
        Object.entries(labels).every(([label, expected]) => String((value.labels as Record<string, unknown>)[label]) === expected),
      );
      return sample?.value ?? 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
    },
  };
}

/** The variables that put a service on `redis` (its own key prefix). */
export function redisEnv(redis: TestRedis): Record<string, string> {
  return { TOKEN_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix };
}

/**
 * The hooks of a describe block whose tests run against running service instances: a private redis-server
 * (unless `store` is `memory`) and `count` instances on it (several instances of one deployment), built with
 * `env` before the block and stopped after it. `use` receives them, and the Redis, and may set up what the
 * block's tests share (it is awaited).
 */
export function serviceOnRedis(
  env: Record<string, string>,
  use: (instances: ServiceInstance[], redis: TestRedis | undefined) => unknown,
  options: { count?: number; store?: StoreKind } = {},
): void {
  let redis: TestRedis | undefined;
  const instances: ServiceInstance[] = [];
  before(async () => {
    if (options.store !== 'memory') redis = await startTestRedis();
    for (let i = 0; i < (options.count ?? 1); i++) instances.push(await startServiceInstance({ ...(redis ? redisEnv(redis) : {}), ...env }));
    await use(instances, redis);
  });
  after(async () => {
    // A test that failed while Redis was stalled must not leave the instances' close waiting for it.
    redis?.resume();
    for (const instance of instances) await instance.close();
    await redis?.stop();
  });
}

/**
 * The hooks of a describe block whose tests run against two service instances on a real 3-master Redis Cluster with
 * a password: both get REDIS_CLUSTER_NODES (two of the nodes, so that either can be down at start), REDIS_PASSWORD
 * and `env`, and are ready (connected to the cluster) before `use` receives them and the cluster. `env` may be a
 * function, read once the test's earlier `before` hooks ran (a webhook receiver's URL, say).
 */
export function servicesOnRedisCluster(
  env: Record<string, string> | (() => Record<string, string>),
  use: (instances: [ServiceInstance, ServiceInstance], cluster: RedisClusterGroup) => void,
): void {
  const password = 'cluster-test-password';
  let cluster: RedisClusterGroup | undefined;
  const instances: ServiceInstance[] = [];
  before(async () => {
    cluster = await startRedisCluster({ masters: 3, password });
    const clusterEnv = {
      TOKEN_STORE: 'redis',
      REDIS_CLUSTER_NODES: cluster.nodeList.split(',').slice(0, 2).join(','),
      REDIS_PASSWORD: password,
      ...(typeof env === 'function' ? env() : env),
    };
    for (let i = 0; i < 2; i++) instances.push(await startServiceInstance(clusterEnv));
    for (const instance of instances) {
      await eventually(async () => (await timedRequest(`${instance.url}/readyz`)).text.includes('"status":"ready"'), 'instance connected to the cluster');
    }
    use([instances[0]!, instances[1]!], cluster);
  });
  after(async () => {
    for (const instance of instances) await instance.close();
    await cluster?.stop();
  });
}
