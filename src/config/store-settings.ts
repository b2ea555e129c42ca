import { z } from 'zod';
import type { RedisConnection, WaitReplicas } from '../shared/redis-client.js';
import { integerString, nameString, secret, splitList, type EnvOf, type ReportProblem } from './env-values.js';

/** `host:port,host:port`: loopback names, IPv4 and bracketed IPv6 (`[::1]:6379`). */
const hostPortList = z.string().transform((value, ctx) => {
  const nodes: { host: string; port: number }[] = [];
  for (const entry of splitList(value)) {
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

/** Where tokens live and how long a store call may take. */
export const storeEnv = {
  TOKEN_STORE: z.enum(['memory', 'redis'], { message: 'must be memory or redis' }).default('memory'),
  REDIS_URL: secret(
    z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
      .default('redis://127.0.0.1:6379'),
    'url-credentials',
  ),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{0,64}$/, { message: 'must be up to 64 characters of letters, digits, _ : . -' })
    .default('wta:'),
  STORE_TIMEOUT_MS: integerString(1, 60_000).default(200),
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: nameString.default('mymaster'),
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  REDIS_PASSWORD: secret(z.string().min(1).optional(), 'value'),
  REDIS_WAIT_REPLICAS: integerString(0, 16).default(0),
  REDIS_WAIT_TIMEOUT_MS: integerString(1, 10_000).default(100),
};

type StoreEnv = EnvOf<typeof storeEnv>;

type StoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string; keyPrefix: string };

export function storeSettings(e: StoreEnv, report: ReportProblem) {
  // The admin call's deadline (STORE_TIMEOUT_MS) covers the write and the WAIT after it.
  if (e.REDIS_WAIT_REPLICAS > 0 && e.REDIS_WAIT_TIMEOUT_MS >= e.STORE_TIMEOUT_MS) {
    report('REDIS_WAIT_TIMEOUT_MS', 'must be less than STORE_TIMEOUT_MS when REDIS_WAIT_REPLICAS is set');
  }
  const redisWaitReplicas: WaitReplicas = { count: e.REDIS_WAIT_REPLICAS, timeoutMs: e.REDIS_WAIT_TIMEOUT_MS };
  const store: StoreChoice = e.TOKEN_STORE === 'redis' ? { kind: 'redis', url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : { kind: 'memory' };
  return {
    store,
    /** With TOKEN_STORE=redis: where Redis is (REDIS_URL, or Sentinel, or Cluster). */
    redisConnection: redisConnection(e, report),
    /** Replica acknowledgements admin writes wait for (REDIS_WAIT_*). */
    redisWaitReplicas,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
  };
}

/** Standalone (REDIS_URL), Sentinel (REDIS_SENTINELS) or Cluster (REDIS_CLUSTER_NODES): one of them. */
function redisConnection(e: StoreEnv, report: ReportProblem): RedisConnection {
  const topologies = [e.REDIS_SENTINELS && 'REDIS_SENTINELS', e.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter((name) => name !== undefined);
  if (topologies.length > 1) report('REDIS_CLUSTER_NODES', 'cannot be combined with REDIS_SENTINELS; set one of them');
  else if (topologies[0] !== undefined && e.TOKEN_STORE !== 'redis') report(topologies[0], 'needs TOKEN_STORE=redis');
  if (e.REDIS_SENTINELS) {
    return { mode: 'sentinel', sentinels: e.REDIS_SENTINELS, name: e.REDIS_SENTINEL_NAME, password: e.REDIS_PASSWORD };
  }
  if (e.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, password: e.REDIS_PASSWORD };
  // A standalone Redis takes its credentials from the URL, like every other Redis client.
  if (e.REDIS_PASSWORD !== undefined) {
    report('REDIS_PASSWORD', 'only for REDIS_SENTINELS or REDIS_CLUSTER_NODES; put the password in REDIS_URL instead');
  }
  return { mode: 'standalone', url: e.REDIS_URL };
}
