import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface TestRedis {
  url: string;
  port: number;
  /** A random prefix per test file: tests never touch keys they did not create. */
  keyPrefix: string;
  /** True when this helper started the server (and so may stop, pause or kill it). */
  owned: boolean;
  /** A plain client for inspecting state (TTL, stored keys). */
  client: Redis;
  /** SIGSTOP / SIGCONT the server process: a Redis that accepts connections but never answers. */
  stall(): void;
  resume(): void;
  /** Kills the server (SIGKILL) and starts it again on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found on PATH. The tests need a real Redis: install it with ' +
  '`apt-get update && apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), ' +
  'or point REDIS_URL at a Redis the tests may use (they only touch keys under a random prefix).';

function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis at ${url} did not answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/**
 * Starts a private redis-server on a free loopback port (no persistence), or uses REDIS_URL when it is set —
 * then only with a random key prefix, and without any command that would touch other keys. `extraArgs` are
 * appended to redis-server's command line (e.g. `--enable-debug-command local`).
 */
export async function startTestRedis(options: { extraArgs?: readonly string[] } = {}): Promise<TestRedis> {
  const keyPrefix = `test:${randomBytes(6).toString('hex')}:`;
  const external = process.env.REDIS_URL;
  if (external) {
    const client = new Redis(external);
    const refuse = async () => {
      throw new Error('this test needs a Redis it started itself (unset REDIS_URL)');
    };
    return {
      url: external,
      port: Number(new URL(external).port || 6379),
      keyPrefix,
      owned: false,
      client,
      stall: () => {
        throw new Error('cannot stall a Redis the tests did not start');
      },
      resume: () => {},
      kill: refuse,
      restart: refuse,
      stop: async () => {
        const keys = await client.keys(`${keyPrefix}*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      },
    };
  }
  if (!redisServerAvailable()) throw new Error(INSTALL_HINT);

  let port = await freePort();
  let url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const launch = async () => {
    // Later arguments win over earlier ones, so extraArgs can also turn persistence on for restart tests.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.extraArgs ?? [])];
    child = spawn('redis-server', args, {
      stdio: 'ignore',
    });
    await waitForPing(url, 5000);
  };
  // A port found free can be taken by another process (parallel test files start servers too) before redis-server
  // binds it; the server then exits at once. Try other ports a few times (a restart keeps its port).
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      const exited = child!.exitCode !== null || child!.signalCode !== null;
      if (!exited) child!.kill('SIGKILL');
      if (attempt >= 5 || !exited) throw error;
      port = await freePort();
      url = `redis://127.0.0.1:${port}`;
    }
  }
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const killNow = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  };
  return {
    url,
    port,
    keyPrefix,
    owned: true,
    client,
    stall: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    kill: killNow,
    restart: async () => {
      await killNow();
      await launch();
    },
    stop: async () => {
      client.disconnect();
      await killNow();
    },
  };
}
