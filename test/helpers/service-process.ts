import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

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

/**
 * Runs the real entry point (src/main.ts through tsx) as its own process with exactly `env` (plus PATH/HOME), the way
 * an operator starts it. Use PORT=0 / METRICS_PORT=0: the ports actually bound are read from the start-up log line.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  options: { nodeArgs?: string[]; startTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let listening: ListeningLine | undefined;
  let notifyListening: (() => void) | undefined;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      output.push(line);
      if (listening === undefined && line.includes('wcs-token-auth listening')) {
        listening = JSON.parse(line) as ListeningLine;
        notifyListening?.();
      }
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start within ${startTimeoutMs} ms:\n${output.join('\n')}`)), startTimeoutMs);
    notifyListening = () => {
      clearTimeout(timer);
      resolve();
    };
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${String(code)} before listening:\n${output.join('\n')}`));
    });
    if (listening) notifyListening();
  });

  const port = listening?.address?.port;
  const metricsPort = listening?.metricsAddress?.port ?? port;
  if (port === undefined) throw new Error(`no port in the start-up line: ${JSON.stringify(listening)}`);
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    output,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(killer);
      return code;
    },
  };
}
