// Baseline: the floor of any Redis-backed decision on node:http. The bare node:http echo of node-http-echo.mjs plus
// one Redis round trip per request (a GET of one key through ioredis, auto-pipelining on like the service's client),
// and nothing else. Issue 15 compares the Redis-backed decision's latency at 1 connection with this.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT ?? 0);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true, lazyConnect: false });
const key = `${process.env.REDIS_KEY_PREFIX ?? 'bench:floor:'}record`;
await redis.set(key, 'x'.repeat(200));
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    redis.get(key).then(
      () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
        res.end(body);
      },
      () => {
        res.writeHead(503).end();
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => redis.quit().finally(() => process.exit(0))).closeAllConnections());
