import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, portIsFree } from './free-port.js';

export interface ClusterModeRedis {
  url: string;
  keyPrefix: string;
  client: Redis;
  stop(): Promise<void>;
}

/**
 * A one-node Redis Cluster: a redis-server with cluster mode on that owns all 16384 slots. A plain client can use
 * it, and Redis applies the cluster rules: a script or MULTI whose keys are in different slots fails with
 * CROSSSLOT. Running the store against it shows that every multi-key operation stays in one slot.
 */
export async function startClusterModeRedis(): Promise<ClusterModeRedis> {
  // A port found free can be taken by another process (parallel test files start servers too) before redis-server
  // binds it; the server then exits at once. Try other ports a few times before failing.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt >= 5 || !(error instanceof ServerExitedEarly)) throw error;
    }
  }
}

class ServerExitedEarly extends Error {}

async function startOnce(): Promise<ClusterModeRedis> {
  // Redis Cluster also listens on port + 10000 (the cluster bus); an ephemeral port above 55535 leaves no room for
  // it and redis-server exits at once. Take ports until both are free.
  let port = await freePort();
  while (port > 55535 || !(await portIsFree(port + 10000))) port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wta-cluster-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir,
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (attempt) => (attempt > 50 ? null : 100) });
  client.on('error', () => {});
  // A server that exits before it is ready fails the start at once instead of leaving a command pending.
  const exitedEarly = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new ServerExitedEarly(`cluster-mode redis-server on port ${port} exited (${code ?? signal})`)));
  });
  exitedEarly.catch(() => {});
  const stop = async () => {
    client.disconnect();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), exitedEarly]);
    for (let attempt = 0; ; attempt++) {
      const info = String(await Promise.race([client.call('CLUSTER', 'INFO'), exitedEarly]));
      if (info.includes('cluster_state:ok')) break;
      if (attempt > 100) throw new Error('the one-node cluster did not reach cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, keyPrefix: `test:${randomBytes(6).toString('hex')}:`, client, stop };
}
