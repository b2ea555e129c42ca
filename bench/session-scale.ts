/**
 * How the session registries' per-decision and per-revocation costs grow with the number of live sessions: a
 * continuing check of a viewer-bound token (the per-viewer limit's work), and a revocation of a token with ten
 * sessions, in registries of 1,000 / 10,000 / 100,000 live sessions (each of its own viewer-bound token). The
 * memory registry is measured in process; the Redis one on a private redis-server, from one client.
 *
 *   npx tsx bench/session-scale.ts [--sizes=1000,10000,100000]
 *
 * Both should stay flat as the registry grows: a viewer's limit reads only that viewer's sessions, a revocation
 * only the token's (see bench/README.md, "Viewer sessions").
 */
import { Redis } from 'ioredis';
import { startBenchRedis } from './bench-redis.js';
import { MemorySessionRegistry } from '../src/tokens/sessions/memory-session-registry.js';
import { RedisSessionRegistry } from '../src/tokens/sessions/redis-session-registry.js';
import type { SessionCheck, SessionRegistry, SessionSettings, SessionToken } from '../src/tokens/sessions/session-registry.js';

const sizesArg = process.argv.find((arg) => arg.startsWith('--sizes='));
const sizes = (sizesArg ? sizesArg.slice(8) : '1000,10000,100000').split(',').map(Number);
const settings: SessionSettings = { windowMs: 3_600_000, defaultMaxViewerSessions: 0, limitMode: 'refuse', events: ['session.ended', 'token.revoked'] };
const CHECKS = 2000;
const say = (line: string) => process.stdout.write(`${line}\n`);
const check = (id: string): SessionCheck => ({ id, stream: 'live', appKey: 'app', clientIp: '192.0.2.1', method: 'playHLS' });
const viewerToken = (i: number, now: number): SessionToken => ({ id: `tok_${i}`, viewerId: `viewer-${i}`, maxViewerSessions: 3, expiresAt: now + 7_200_000 });

/** Grows the registry to `size` live sessions, in batches of concurrent decisions. */
async function fill(registry: SessionRegistry, from: number, size: number, now: number): Promise<void> {
  for (let i = from; i < size; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(size, i + 1000); j++) batch.push(registry.decide(check(`ses_${j}`), viewerToken(j, now), true, now));
    await Promise.all(batch);
  }
}

/** µs per continuing check of one viewer-bound token, and ms for revoking a token with ten sessions. */
async function measure(registry: SessionRegistry, size: number, now: number): Promise<{ checkUs: number; revokeMs: number }> {
  const token: SessionToken = { id: `tok_probe_${size}`, viewerId: `probe-${size}`, maxViewerSessions: 3, expiresAt: now + 7_200_000 };
  await registry.decide(check(`probe_${size}`), token, true, now);
  const started = performance.now();
  for (let k = 1; k <= CHECKS; k++) await registry.decide(check(`probe_${size}`), token, true, now + k);
  const checkUs = ((performance.now() - started) * 1000) / CHECKS;
  const revoked: SessionToken = { id: `tok_revoked_${size}`, expiresAt: now + 7_200_000 };
  for (let k = 0; k < 10; k++) await registry.decide(check(`revoked_${size}_${k}`), revoked, true, now);
  const revokeStarted = performance.now();
  const ended = await registry.tokenRevoked(revoked.id, now + CHECKS + 1);
  if (ended !== 10) throw new Error(`revoking ended ${ended} sessions, not 10`);
  return { checkUs, revokeMs: performance.now() - revokeStarted };
}

async function run(name: string, registry: SessionRegistry): Promise<void> {
  const now = Date.now();
  let filled = 0;
  for (const size of sizes) {
    await fill(registry, filled, size, now);
    filled = size;
    const { checkUs, revokeMs } = await measure(registry, size, now);
    say(`| ${name} | ${size} | ${checkUs.toFixed(1)} | ${revokeMs.toFixed(2)} |`);
  }
}

say('| registry | live sessions | µs per continuing check (viewer-bound) | ms to revoke a token with 10 sessions |');
say('| --- | ---: | ---: | ---: |');
await run('memory', new MemorySessionRegistry(settings));
const redis = await startBenchRedis(null);
const client = new Redis(redis.url);
try {
  await run('redis', new RedisSessionRegistry(client, 'bench:', settings, false));
} finally {
  client.disconnect();
  await redis.stop();
}
