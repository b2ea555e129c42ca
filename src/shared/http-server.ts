import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * The HTTP server the service listens with, in production and in tests alike. WCS keeps connections to its REST
 * backend alive: ours stay open a little longer than typical client pools (undici, Java), so the client is the one
 * that closes an idle connection. With node's 5 s default a client could send on a connection the server was closing
 * at that very moment and see ECONNRESET (seen on a loaded machine, where both timers fire late).
 */
export function createServiceServer(app: RequestListener): Server {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  return server;
}
