import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpForwarder {
  port: number;
  stop(): Promise<void>;
}

/**
 * A second viewer address on one machine: accepts on 127.0.0.1 and connects onwards to 127.0.0.1:`targetPort`
 * from `localAddress` (another loopback address such as 127.0.0.2), byte for byte, TLS included. nginx then sees
 * `$remote_addr` = `localAddress`, as if the viewer sat elsewhere.
 */
export async function startTcpForwarder(targetPort: number, localAddress: string): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect({ host: '127.0.0.1', port: targetPort, localAddress });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('forwarder has no address');
  return {
    port: address.port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
