// Baseline: what a minimal hand-written hook on a fast framework reaches. Fastify parses the JSON body (as any real
// hook must, to find the token), does one Redis GET through ioredis (auto-pipelining on, like the service's
// client) and answers 200 with the body it received, byte for byte. No validation, no logging, no metrics.
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT ?? 0);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true, lazyConnect: false });
const key = `${process.env.REDIS_KEY_PREFIX ?? 'bench:floor:'}record`;
await redis.set(key, 'x'.repeat(200));
const app = Fastify({ logger: false, bodyLimit: 64 * 1024, keepAliveTimeout: 65_000 });
// The raw body is kept beside the parsed one, so the echo is byte-for-byte what WCS sent (pretty-printed JSON).
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
  try {
    done(null, { raw: body, json: JSON.parse(body) });
  } catch (error) {
    error.statusCode = 400;
    done(error, undefined);
  }
});
app.post('/wcs/:method', async (req, reply) => {
  await redis.get(key);
  reply.code(200).type('application/json');
  return req.body.raw;
});
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ listening: app.server.address().port })}\n`);
process.on('SIGTERM', () => app.close().then(() => redis.quit()).finally(() => process.exit(0)));
