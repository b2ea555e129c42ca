// What the in-process paired scripts share (redis-decision-parts.mjs, jwt-decision-parts.mjs): a private
// redis-server, the CPU a batch of 50 decisions costs, and the median.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The port of the redis-server to use: REDIS_PORT's (on loopback; callers keep their keys under a random prefix),
 * else one started here on a free port, without persistence, and stopped when this process exits (also when a
 * part throws: it must not outlive the run).
 */
export async function benchRedisPort() {
  const given = Number(process.env.REDIS_PORT);
  if (given) return given;
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  process.on('exit', () => server.kill('SIGTERM'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return port;
}

/** µs of CPU per decision of `batch` (50 decisions) over `rounds` batches. */
export async function measure(batch, rounds) {
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await batch(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (rounds * 50);
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
