import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The real entry point running as its own process, from the moment it is spawned. */
export interface SpawnedService {
  child: ChildProcess;
  /** Every stdout and stderr line so far (the JSON log and anything printed outside it). */
  output: string[];
  stdout(): string;
  stderr(): string;
  /** Resolves to the exit code once the process has exited. */
  exit: Promise<number | null>;
  /** Resolves with the bound addresses once the start-up line is logged; rejects if the process exits first. */
  listening(timeoutMs?: number): Promise<{ url: string; metricsUrl: string }>;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export interface ServiceProcess {
  /** Base URL of the main port (hook, admin API, health). */
  url: string;
  /** Base URL of METRICS_PORT when it was set, else the main URL. */
  metricsUrl: string;
  /** Every stdout and stderr line so far (the JSON log and anything printed outside it). */
  output: string[];
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves to the exit code. */
  stop(): Promise<number | null>;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ListeningLine {
  msg?: string;
  address?: { port?: number };
  metricsAddress?: { port?: number };
}

const running = new Set<ChildProcess>();
// A test that fails half-way must not leave a service behind: whatever is still running goes with the test process.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs the real entry point (src/main.ts through tsx) as its own process with exactly `env` (plus PATH/HOME), the way
 * an operator starts it, and returns at once: for tests of start-up failures as well as of a running service.
 */
export function spawnService(env: Record<string, string>, options: { nodeArgs?: string[] } = {}): SpawnedService {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output: string[] = [];
  let out = '';
  let err = '';
  let listeningLine: ListeningLine | undefined;
  const waiting = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      output.push(line);
      if (listeningLine === undefined && line.includes('wcs-token-auth listening')) {
        listeningLine = JSON.parse(line) as ListeningLine;
        for (const notify of waiting) notify();
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    collect(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    collect(chunk);
  });
  const exit = once(child, 'exit').then(([code]) => {
    running.delete(child);
    return code as number | null;
  });

  const listening = (timeoutMs = 30_000) =>
    new Promise<{ url: string; metricsUrl: string }>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        waiting.delete(settle);
        const port = listeningLine?.address?.port;
        if (port === undefined) return reject(new Error(`no port in the start-up line: ${JSON.stringify(listeningLine)}`));
        const metricsPort = listeningLine?.metricsAddress?.port ?? port;
        resolve({ url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}` });
      };
      const timer = setTimeout(() => {
        waiting.delete(settle);
        reject(new Error(`service did not start within ${timeoutMs} ms:\n${output.join('\n')}`));
      }, timeoutMs);
      if (listeningLine) return settle();
      waiting.add(settle);
      void exit.then((code) => {
        if (listeningLine) return;
        clearTimeout(timer);
        waiting.delete(settle);
        reject(new Error(`service exited with ${String(code)} before listening:\n${output.join('\n')}`));
      });
    });

  return {
    child,
    output,
    stdout: () => out,
    stderr: () => err,
    exit,
    listening,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exit;
      clearTimeout(killer);
      return code;
    },
  };
}

/**
 * spawnService, then waits for it to listen. Use PORT=0 / METRICS_PORT=0: the ports actually bound are read from
 * the start-up log line.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; startTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const service = spawnService(env, options);
  try {
    const { url, metricsUrl } = await service.listening(options.startTimeoutMs ?? 30_000);
    return { url, metricsUrl, output: service.output, child: service.child, stop: service.stop };
  } catch (error) {
    await service.stop();
    throw error;
  }
}
