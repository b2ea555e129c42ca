import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A JWKS endpoint on loopback that the test controls: what it serves, how it answers, how slowly, and whether it
 * is up at all. Counts the fetches it receives.
 */
export class JwksServer {
  hits = 0;
  body = JSON.stringify({ keys: [] });
  status = 200;
  delayMs = 0;
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }

  setKeys(keys: unknown[]): void {
    this.body = JSON.stringify({ keys });
  }

  async start(port = 0): Promise<void> {
    const server = createServer((_req, res) => {
      this.hits++;
      const answer = () => {
        res.writeHead(this.status, { 'content-type': 'application/json' });
        res.end(this.body);
      };
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Down: the port refuses connections until start(port) again. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Waits for `condition`, checking every 25 ms, at most `attempts` times (a bound by count, not a timed assertion). */
export async function eventually(condition: () => boolean, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached');
}
