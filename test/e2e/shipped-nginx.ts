import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { CERT_SCRIPT, renderShippedConfig, startNginx, type NginxServer } from './nginx-server.js';

export interface ShippedNginx {
  server: NginxServer;
  port: number;
  url: string;
}

/**
 * The shipped template rendered with only addresses, ports, paths and the documented mode switches changed, run
 * by real nginx in `<dir>/<name>` (TLS with the test certificate in `<dir>/tls`, caches in `<dir>/cache-<name>`).
 */
export async function startShippedNginx(
  nginx: string,
  dir: string,
  name: string,
  overrides: Readonly<Record<string, string>>,
): Promise<ShippedNginx> {
  const port = await freePort();
  const server = await startNginx({
    nginx,
    dir: join(dir, name),
    httpsPort: port,
    config: renderShippedConfig({
      NGINX_HTTPS_LISTEN: `127.0.0.1:${port}`,
      NGINX_TLS_CERT: join(dir, 'tls', 'cert.pem'),
      NGINX_TLS_KEY: join(dir, 'tls', 'key.pem'),
      NGINX_CACHE_DIR: join(dir, name),
      WCS_HLS_SCHEME: 'http',
      ...overrides,
    }),
  });
  return { server, port, url: `https://127.0.0.1:${port}` };
}

/** A self-signed certificate for localhost in `<dir>/tls` (by the shipped script), as startShippedNginx expects; returns it. */
export function writeTestCert(dir: string): string {
  execFileSync('bash', [CERT_SCRIPT, join(dir, 'tls'), 'localhost'], { stdio: 'ignore' });
  return readFileSync(join(dir, 'tls', 'cert.pem'), 'utf8');
}
