import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { pinned } from './cpu-layout.js';

export interface BenchProcess {
  name: string;
  pid: number;
  /** Ends the process with SIGTERM (SIGKILL after `graceMs`) and waits for it. */
  stop(graceMs?: number): Promise<void>;
  /** The end of what it wrote on stderr, for error messages. */
  stderrTail(): string;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cpus: string | null;
  /** Polled until it resolves true; the process must be ready to measure by then. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a server for the bench. Its stdout goes to /dev/null: the service logs one line per decision and the
 * cost of writing it is part of what is measured, but nobody reads it here.
 */
export async function startBenchProcess(options: StartOptions): Promise<BenchProcess> {
  const [command, args] = pinned(options.cpus, options.command, options.args);
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = once(child, 'exit');
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited before it was ready (code ${child.exitCode}):\n${stderr}`);
    }
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop(1000);
      throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${stderr}`);
    }
    await sleep(100);
  }
  if (child.pid === undefined) throw new Error(`${options.name} has no pid`);
  return { name: options.name, pid: child.pid, stop, stderrTail: () => stderr };
}
