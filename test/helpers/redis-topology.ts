import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/**
 * Real redis-server processes for Sentinel and Cluster tests: each on a free loopback port, each in its own
 * temporary directory (removed by stop()), no persistence unless asked.
 */
export interface RedisProcess {
  port: number;
  dir: string;
  /** A plain client (with the password, if any) for inspecting and steering the process. */
  client: Redis;
  kill(): Promise<void>;
  /** Starts the process again with the same arguments (after kill). */
  start(): Promise<void>;
  stall(): void;
  resume(): void;
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForPing(port: number, password: string | undefined, attempts = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      await pause(50);
    } finally {
      probe.disconnect();
    }
  }
  throw new Error(`redis on port ${port} did not answer`);
}

export async function spawnRedis(options: { args?: string[]; configFile?: string; sentinel?: boolean; password?: string }): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wta-redis-'));
  let args: string[];
  if (options.sentinel) {
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel resolve-hostnames no\n${options.configFile ?? ''}`);
    args = [file, '--sentinel'];
  } else {
    // No 5 s wait before a replica's initial sync: tests add replicas and want them in sync at once.
    args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', ...(options.args ?? [])];
  }
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port, options.sentinel ? undefined : options.password);
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGCONT');
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  const client = new Redis({ port, host: '127.0.0.1', password: options.sentinel ? undefined : options.password, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return {
    port,
    dir,
    client,
    kill,
    start,
    stall: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    stop: async () => {
      client.disconnect();
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function until(check: () => Promise<boolean>, what: string, attempts = 200, pauseMs = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check().catch(() => false)) return;
    await pause(pauseMs);
  }
  throw new Error(`gave up waiting for: ${what}`);
}

export interface SentinelGroup {
  masterName: string;
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…` for REDIS_SENTINELS. */
  sentinelList: string;
  /** The master's port as Sentinel currently reports it. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and three sentinels (quorum 2) that notice a dead master after one second. Resolves once
 * every sentinel knows the replica and the other two sentinels, so a failover can actually be agreed on.
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const masterName = 'wtamaster';
  const master = await spawnRedis({});
  const replica = await spawnRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  await until(async () => /master_link_status:up/.test(await replica.client.info('replication')), 'replica in sync');
  const config =
    `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2\n` +
    `sentinel down-after-milliseconds ${masterName} 1000\n` +
    `sentinel failover-timeout ${masterName} 4000\n` +
    `sentinel parallel-syncs ${masterName} 1\n`;
  const sentinels = await Promise.all([0, 1, 2].map(() => spawnRedis({ sentinel: true, configFile: config })));
  for (const sentinel of sentinels) {
    await until(async () => {
      const replicas = (await sentinel.client.call('SENTINEL', 'REPLICAS', masterName)) as unknown[];
      const peers = (await sentinel.client.call('SENTINEL', 'SENTINELS', masterName)) as unknown[];
      return replicas.length >= 1 && peers.length >= 2;
    }, 'sentinels discover the replica and each other');
  }
  const masterPort = async () => {
    for (const sentinel of sentinels) {
      const reply = (await sentinel.client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName).catch(() => null)) as string[] | null;
      if (reply?.[1]) return Number(reply[1]);
    }
    throw new Error('no sentinel answered');
  };
  return {
    masterName,
    master,
    replica,
    sentinels,
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    masterPort,
    stop: async () => {
      for (const process of [...sentinels, replica, master]) await process.stop();
    },
  };
}

export interface RedisClusterGroup {
  nodes: RedisProcess[];
  /** `127.0.0.1:p1,…` for REDIS_CLUSTER_NODES. */
  nodeList: string;
  stop(): Promise<void>;
}

/** `masters` cluster-enabled servers joined by `redis-cli --cluster create`; resolves once every node says ok. */
export async function startRedisCluster(options: { masters?: number; password?: string } = {}): Promise<RedisClusterGroup> {
  const count = options.masters ?? 3;
  const passwordArgs = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
  const nodes: RedisProcess[] = [];
  for (let i = 0; i < count; i++) {
    const busPort = await freePort();
    nodes.push(
      await spawnRedis({
        password: options.password,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-node-timeout', '2000', ...passwordArgs],
      }),
    );
  }
  const create = spawnSync(
    'redis-cli',
    [...(options.password ? ['-a', options.password, '--no-auth-warning'] : []), '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (create.status !== 0) {
    for (const node of nodes) await node.stop();
    throw new Error(`redis-cli --cluster create failed: ${create.stdout}\n${create.stderr}`);
  }
  for (const node of nodes) {
    await until(async () => /cluster_state:ok/.test(String(await node.client.call('CLUSTER', 'INFO'))), 'cluster state ok');
  }
  return {
    nodes,
    nodeList: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    stop: async () => {
      for (const node of nodes) await node.stop();
    },
  };
}
