import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export interface TestPrometheus {
  url: string;
  configPath: string;
  /** Everything Prometheus printed (for failure messages). */
  output: string[];
  /** GET <url><path>; throws unless Prometheus answers `status: success`. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /** An instant query; throws with Prometheus's error when the expression does not parse or fails. */
  query(expr: string): Promise<PromSeries[]>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian's `prometheus` binary) on a free loopback port, with `config` written to a temporary
 * directory that also holds its TSDB; stop() kills it and removes the directory.
 */
export async function startPrometheus(config: unknown, readyTimeoutMs = 30_000): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'wta-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  await writeFile(configPath, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit');

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${output.join('\n')}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((res) => res.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline || attempt > 1000) {
      await stop();
      throw new Error(`prometheus was not ready within ${readyTimeoutMs} ms:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    configPath,
    output,
    api,
    query: async (expr) => {
      const data = await api<{ resultType: string; result: PromSeries[] }>('/api/v1/query', { query: expr });
      if (data.resultType !== 'vector') throw new Error(`expected an instant vector from ${expr}, got ${data.resultType}`);
      return data.result;
    },
    stop,
  };
}
