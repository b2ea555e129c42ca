import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../cli/cli-io.js';
import { runCli } from '../../cli/main.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a user does from a checkout: `npx wcs-token-auth …` (npx: true) or the package's bin file
 * directly, as its own process with exactly `env` (plus PATH and HOME).
 */
export async function runCliProcess(args: string[], env: Record<string, string> = {}, options: { npx?: boolean } = {}): Promise<CliRun> {
  const [command, argv] = options.npx
    ? ['npx', ['--no-install', 'wcs-token-auth', ...args]]
    : [process.execPath, ['bin/wcs-token-auth.mjs', ...args]];
  const child = spawn(command, argv, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(killer);
  return { code, stdout, stderr };
}

/** The same command line through runCli in this process (what the bin runs), with exactly `env`. */
export async function runCliInProcess(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), env };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
