import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NGINX_DIR = fileURLToPath(new URL('../../docker/nginx/', import.meta.url));
export const SHIPPED_TEMPLATE = join(NGINX_DIR, 'templates', 'wcs-hls.conf.template');
export const SHIPPED_ENV_FILE = join(NGINX_DIR, 'nginx.env');
export const CERT_SCRIPT = join(NGINX_DIR, 'gen-self-signed-cert.sh');

/** `NAME=value` lines, as compose's env_file reads them (comments and blank lines skipped). */
export function readEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) vars[match[1]] = (match[2] ?? '').trim();
  }
  return vars;
}

/**
 * What envsubst does in the nginx image: every upper-case dollar-brace placeholder replaced by its value. Stricter
 * than envsubst: a placeholder without a value is an error here, not a line nginx later chokes on.
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_placeholder, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`nginx template placeholder ${name} has no value`);
    return value;
  });
}

/** The shipped template rendered with the shipped defaults, overridden by `overrides`. */
export function renderShippedConfig(overrides: Readonly<Record<string, string>>): string {
  const defaults = readEnvFile(readFileSync(SHIPPED_ENV_FILE, 'utf8'));
  for (const name of Object.keys(overrides)) {
    if (!(name in defaults)) throw new Error(`${name} is not a placeholder listed in docker/nginx/nginx.env`);
  }
  return renderTemplate(readFileSync(SHIPPED_TEMPLATE, 'utf8'), { ...defaults, ...overrides });
}

/**
 * The part the nginx image provides around conf.d (main context, events, http with temp paths), pointed at a
 * private directory so nginx runs without touching /etc, /var or /run.
 */
function mainConfig(dir: string, includePath: string): string {
  // As root, workers would otherwise drop to `nobody` and could not enter the private 0700 directory.
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  return `${user}daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 256; }
http {
    client_body_temp_path ${join(dir, 'tmp', 'client_body')};
    proxy_temp_path ${join(dir, 'tmp', 'proxy')};
    fastcgi_temp_path ${join(dir, 'tmp', 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'tmp', 'uwsgi')};
    scgi_temp_path ${join(dir, 'tmp', 'scgi')};
    include ${includePath};
}
`;
}

export interface NginxServer {
  /** Lines nginx wrote to stdout so far: the shipped config sends its access log there. */
  accessLog(): string[];
  /**
   * The access log once a line matches: nginx writes a request's line in its log phase, after the answer has left,
   * so a client that reads the log right after its answer can be ahead of it. Fails after `timeoutMs`.
   */
  accessLogWith(match: (line: string) => boolean, timeoutMs?: number): Promise<string[]>;
  errorLog(): string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, errorLogPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`nginx exited with code ${child.exitCode}:\n${safeRead(errorLogPath)}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms:\n${safeRead(errorLogPath)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '(no error log)';
  }
}

/**
 * Writes `config` (the rendered conf.d file) into `dir`, checks it with `nginx -t`, and runs nginx in the
 * foreground (`daemon off`) until stop().
 */
export async function startNginx(options: { nginx: string; dir: string; config: string; httpsPort: number }): Promise<NginxServer> {
  const { nginx, dir } = options;
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const includePath = join(dir, 'wcs-hls.conf');
  const mainPath = join(dir, 'nginx.conf');
  const errorLogPath = join(dir, 'error.log');
  writeFileSync(includePath, options.config);
  writeFileSync(mainPath, mainConfig(dir, includePath));
  const accessLogPath = join(dir, 'stdout.log');
  const args = ['-p', `${dir}/`, '-c', mainPath, '-e', errorLogPath];

  // stdout and stderr are files, not Node's default pipes: libuv's pipes are sockets, and nginx cannot open
  // /dev/stdout or /dev/stderr on a socket (ENXIO). In the nginx image they are the container log, where it works.
  const stderrPath = join(dir, 'stderr.log');
  const stdout = openSync(accessLogPath, 'a');
  const stderr = openSync(stderrPath, 'a');
  const check = spawnSync(nginx, [...args, '-t'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', stdout, stderr] });
  if (check.status !== 0) {
    closeSync(stdout);
    closeSync(stderr);
    throw new Error(`nginx -t rejected the rendered config:\n${safeRead(stderrPath)}${safeRead(errorLogPath)}`);
  }
  // What `nginx -t` printed is not an error of the running server.
  writeFileSync(stderrPath, '');
  const child = spawn(nginx, args, { stdio: ['ignore', stdout, stderr] });
  closeSync(stdout);
  closeSync(stderr);
  // If the test process dies without its after() hooks, nginx must not outlive it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(options.httpsPort, child, errorLogPath, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    accessLog: () => safeRead(accessLogPath).split('\n').filter(Boolean),
    accessLogWith: async (match, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = safeRead(accessLogPath).split('\n').filter(Boolean);
        if (lines.some(match)) return lines;
        if (Date.now() > deadline) throw new Error(`no access log line matched within ${timeoutMs} ms:\n${lines.slice(-5).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    // nginx's own error log (-e) and what the shipped config's error_log (NGINX_ERROR_LOG=/dev/stderr) wrote.
    errorLog: () => safeRead(errorLogPath) + safeRead(stderrPath).replace(/^\(no error log\)$/, ''),
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM is nginx's fast shutdown: the master stops its workers before it exits.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
