// `npm run bench:memory`: what tokens cost in memory (issue 15). Issues N opaque tokens into the memory store
// through the store API, in-process, in batches (RSS and V8 heap after a full GC), then M tokens into a private
// redis-server through RedisTokenStore (per-token `MEMORY USAGE` of each key and the `INFO memory` delta). Both
// with the service's defaults: one stream, no metadata, no policies, default retention. Needs node --expose-gc.
// `--skip-memory` or `--skip-redis` measures one store only.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { systemClock } from '../src/shared/clock.js';
import { BATCH_MAX_TOKENS, issueTokens, type IssueTokenInput } from '../src/tokens/issue-token.js';
import { hashToken } from '../src/tokens/opaque-token.js';
import { MemoryTokenStore } from '../src/tokens/memory-token-store.js';
import { hashFromMap } from '../src/tokens/redis-token-keys.js';
import { RedisTokenStore } from '../src/tokens/redis-token-store.js';
import { startBenchRedis } from './bench-redis.js';

const MIB = 1024 * 1024;
const RETENTION_MS = 86_400_000; // TOKEN_RETENTION_SECONDS' default
const DEFAULTS = { defaultTtlSeconds: 3600, maxTtlSeconds: 30 * 86_400 };
/** One stream, as a viewer's token for one live stream is issued; the name is as long as a typical one. */
const INPUT: IssueTokenInput = { streams: ['live-event-2026-channel-01'], ttlSeconds: 86_400 };
const say = (line: string) => process.stdout.write(`${line}\n`);

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:memory does)');
  for (let i = 0; i < 3; i++) gc();
}

function usage() {
  collect();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external: external + arrayBuffers };
}

/** Issues in batches of the admin API's maximum, as a batch issuer would; the secrets are dropped at once. */
async function issueAll(store: MemoryTokenStore | RedisTokenStore, total: number, onBatch?: (done: number) => void): Promise<string> {
  let lastToken = '';
  for (let done = 0; done < total; ) {
    const size = Math.min(BATCH_MAX_TOKENS, total - done);
    const issued = await issueTokens(Array.from({ length: size }, () => INPUT), { store, now: systemClock.now(), ...DEFAULTS });
    lastToken = issued[issued.length - 1]?.token ?? lastToken;
    done += size;
    onBatch?.(done);
  }
  return lastToken;
}

async function memoryStore(tokens: number) {
  const store = new MemoryTokenStore(systemClock, RETENTION_MS);
  const before = usage();
  const started = Date.now();
  const last = await issueAll(store, tokens, (done) => {
    if (done % 200_000 === 0) say(`  memory store: ${done} tokens, RSS ${(process.memoryUsage().rss / MIB).toFixed(0)} MiB`);
  });
  const seconds = (Date.now() - started) / 1000;
  // The store must really hold them: the last one issued is found by its secret's hash.
  if (!(await store.findByHash(hashToken(last)))) throw new Error('memory store: the last token issued is not found');
  const after = usage();
  await store.close();
  return { tokens, seconds, before, after };
}

async function keyBytes(redis: Redis, key: string): Promise<number> {
  return Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
}

async function redisStore(tokens: number, sample: number) {
  const server = await startBenchRedis(null);
  const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const store = new RedisTokenStore({ url: server.url, keyPrefix: 'wta:', commandTimeoutMs: 10_000, retentionMs: RETENTION_MS, clock: systemClock });
  try {
    await store.redis.ping();
    // One token first, so the index keys and the scripts exist before the measured delta starts.
    await issueAll(store, 1);
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    const before = await usedMemory();
    const started = Date.now();
    await issueAll(store, tokens);
    const seconds = (Date.now() - started) / 1000;
    const after = await usedMemory();
    // Sampled through the id map (id → hash); every token's record is a key of its own.
    const pairs = (await admin.call('HRANDFIELD', store.idsKey(), String(sample), 'WITHVALUES')) as string[];
    let record = 0;
    let count = 0;
    for (let i = 1; i < pairs.length; i += 2) {
      record += await keyBytes(admin, store.recordKey(hashFromMap(pairs[i] ?? '') ?? ''));
      count += 1;
    }
    const sampleKey = store.recordKey(hashFromMap(pairs[1] ?? '') ?? '');
    return {
      tokens,
      seconds,
      keys: await admin.dbsize(),
      usedMemoryDeltaPerToken: (after - before) / tokens,
      recordKeyBytes: record / Math.max(1, count),
      recordEncoding: String(await admin.object('ENCODING', sampleKey)),
      idMapBytesPerToken: (await keyBytes(admin, store.idsKey())) / (tokens + 1),
      indexBytesPerToken: (await keyBytes(admin, store.indexKey())) / (tokens + 1),
    };
  } finally {
    await store.close();
    admin.disconnect();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tokens: { type: 'string', default: '1000000' },
      'redis-tokens': { type: 'string', default: '50000' },
      sample: { type: 'string', default: '200' },
      'skip-redis': { type: 'boolean', default: false },
      'skip-memory': { type: 'boolean', default: false },
    },
  });
  const tokens = Number(values.tokens);
  const redisTokens = Number(values['redis-tokens']);
  if (!Number.isInteger(tokens) || tokens < 1 || !Number.isInteger(redisTokens) || redisTokens < 1) {
    throw new Error('--tokens and --redis-tokens take whole numbers >= 1');
  }
  if (!values['skip-memory']) {
    say(`memory store: issuing ${tokens} tokens in batches of ${BATCH_MAX_TOKENS} (Node ${process.version})`);
    memoryReport(await memoryStore(tokens));
  }
  if (values['skip-redis']) return;
  say(`redis store: issuing ${redisTokens} tokens into a private redis-server`);
  const r = await redisStore(redisTokens, Number(values.sample));
  const keysPerToken = r.recordKeyBytes + r.idMapBytesPerToken + r.indexBytesPerToken;
  say(`  ${r.seconds.toFixed(1)} s, ${r.keys} keys; INFO used_memory delta ${r.usedMemoryDeltaPerToken.toFixed(0)} B/token`);
  say(`  MEMORY USAGE: record t:{hash} ${r.recordKeyBytes.toFixed(0)} B (${r.recordEncoding}) + id map {idx}:ids ${r.idMapBytesPerToken.toFixed(0)} B + ` +
      `index {idx}:tokens ${r.indexBytesPerToken.toFixed(0)} B = ${keysPerToken.toFixed(0)} B/token`);
  const worst = Math.max(keysPerToken, r.usedMemoryDeltaPerToken);
  say(`  goal: <= 600 B/token: ${worst <= 600 ? 'met' : 'NOT MET'} (${worst.toFixed(0)} B, the larger of the two)`);
}

function memoryReport(mem: Awaited<ReturnType<typeof memoryStore>>): void {
  const { tokens } = mem;
  const perToken = (a: number, b: number) => ((a - b) / tokens).toFixed(0);
  say(`  ${mem.seconds.toFixed(1)} s; after GC: RSS ${(mem.after.rss / MIB).toFixed(0)} MiB (process before: ${(mem.before.rss / MIB).toFixed(0)} MiB), ` +
      `heap ${(mem.after.heapUsed / MIB).toFixed(0)} MiB, external ${(mem.after.external / MIB).toFixed(0)} MiB`);
  say(`  per token: RSS ${perToken(mem.after.rss, mem.before.rss)} B, heap ${perToken(mem.after.heapUsed, mem.before.heapUsed)} B`);
  say(`  goal: 1M tokens < 1 GiB RSS: ${mem.after.rss < 1024 * MIB && tokens >= 1_000_000 ? 'met' : tokens < 1_000_000 ? 'not measured (fewer tokens)' : 'NOT MET'}`);
}

await main().catch((error: unknown) => {
  process.stderr.write(`bench:memory failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
