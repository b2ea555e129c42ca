import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../test/helpers/free-port.js';
import { startBenchProcess, type BenchProcess } from './bench-process.js';

/** What Redis did between two snapshots. */
export interface RedisActivity {
  /** Commands executed, by name (the bench's own INFO excluded). Commands run inside Lua scripts count too. */
  commands: Record<string, number>;
  totalCommands: number;
  /**
   * Read events on client sockets, the bench's own excluded. One request from a client = one read, so with one
   * connection sending one decision at a time this is the number of round trips; with many connections, ioredis
   * pipelines the commands of concurrent decisions into shared writes and it drops below that.
   */
  reads: number;
}

export interface RedisSnapshot {
  calls: Record<string, number>;
  reads: number;
}

export interface BenchRedis {
  url: string;
  pid: number;
  snapshot(): Promise<RedisSnapshot>;
  stop(): Promise<void>;
}

/**
 * A private redis-server on a free loopback port, without persistence. Never the machine's Redis: the bench
 * writes tokens and reads server-wide statistics, which only mean something on a server nobody else uses.
 */
export async function startBenchRedis(cpus: string | null): Promise<BenchRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('redis-server is not on PATH: run scripts/install-system-deps.sh (as root) or apt-get install redis-server');
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const server: BenchProcess = await startBenchProcess({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    cpus,
    ready: async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    },
  });
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return {
    url,
    pid: server.pid,
    // One INFO call for both sections, so the snapshot itself costs exactly one read and one `info` command.
    snapshot: async () => parseInfo(await client.info('commandstats', 'stats')),
    stop: async () => {
      client.disconnect();
      await server.stop();
    },
  };
}

function parseInfo(text: string): RedisSnapshot {
  const calls: Record<string, number> = {};
  let reads = 0;
  for (const line of text.split(/\r?\n/)) {
    const command = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (command?.[1] && command[2]) calls[command[1]] = Number(command[2]);
    const read = /^total_reads_processed:(\d+)/.exec(line);
    if (read?.[1]) reads = Number(read[1]);
  }
  return { calls, reads };
}

/** The activity between two snapshots, minus the snapshots' own cost (the `after` INFO's read). */
export function redisActivity(before: RedisSnapshot, after: RedisSnapshot): RedisActivity {
  const commands: Record<string, number> = {};
  let totalCommands = 0;
  for (const [name, calls] of Object.entries(after.calls)) {
    if (name === 'info') continue;
    const delta = calls - (before.calls[name] ?? 0);
    if (delta > 0) {
      commands[name] = delta;
      totalCommands += delta;
    }
  }
  return { commands, totalCommands, reads: Math.max(0, after.reads - before.reads - 1) };
}
