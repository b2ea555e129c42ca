import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  /** Delay added to every chunk in each direction from now on (0 = transparent). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of a real Redis that holds every chunk for a set time: a slow network or an
 * overloaded Redis that still answers, as opposed to one that is stopped. Order is kept per direction.
 */
export async function startLatencyProxy(targetPort: number): Promise<LatencyProxy> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) => {
    // Each chunk leaves no earlier than the one before it, so changing the delay never reorders bytes.
    let lastDue = 0;
    from.on('data', (chunk) => {
      const due = Math.max(Date.now() + delayMs, lastDue);
      lastDue = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, due - Date.now());
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    forward(client, upstream);
    forward(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy did not listen');
  return {
    port: address.port,
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
