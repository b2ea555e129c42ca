// Baseline (a'): the floor of any Redis-backed decision on Express. The bare Express echo of express-echo.mjs plus
// one Redis round trip per request (a GET of one key through ioredis, as the service's client is configured:
// auto-pipelining on), and nothing else. The service's Redis-backed configurations can approach this, not the echo:
// the difference between this and the echo is what one loopback round trip to Redis costs on this machine.
import express from 'express';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT ?? 0);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true, lazyConnect: false });
const key = `${process.env.REDIS_KEY_PREFIX ?? 'bench:floor:'}record`;
await redis.set(key, 'x'.repeat(200));
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/wcs/:method', express.raw({ type: 'application/json', limit: 64 * 1024 }), async (req, res) => {
  await redis.get(key);
  res.status(200).type('application/json').send(req.body);
});
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => redis.quit().finally(() => process.exit(0))).closeAllConnections());
