import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { freePort } from '../test/helpers/free-port.js';
import { startBenchProcess, type BenchProcess } from './bench-process.js';
import type { BenchRedis } from './bench-redis.js';
import type { CpuLayout } from './cpu-layout.js';
import type { BenchRequest } from './run-load.js';
import { BENCH_STREAM, nginxAuthRequest, playHlsRequest, strangerToken } from './wcs-requests.js';

/** How many tokens each allow configuration cycles through: lookups hit different records, as in production. */
const TOKENS_PER_TARGET = 64;
const MIXED_ROUNDS = 8;
const SERVICE_ENTRY = 'dist/main.js';

export interface TargetContext {
  layout: CpuLayout;
  logLevel: string;
  /** Extra node options for the server under test (e.g. --cpu-prof when profiling). */
  nodeArgs?: string[];
  /** Started on first use. */
  redis(): Promise<BenchRedis>;
  /** Prefix of the baselines' Redis keys (default `bench:`): the tests pass their own random one. */
  redisKeyPrefix?: string;
}

export interface RunningTarget {
  baseUrl: string;
  requests: BenchRequest[];
  process: BenchProcess;
  /**
   * Decisions the service made so far by `result/reason` (from its /metrics, summed over workers); undefined for
   * the baselines.
   */
  decisions?: () => Promise<Record<string, number>>;
  /** Secrets that the JSON report must not contain. */
  env: Record<string, string>;
}

export interface TargetSpec {
  name: string;
  description: string;
  /** Baselines are what ratios are taken against; `main` and `scaling` targets are compared separately. */
  group: 'baseline' | 'main' | 'scaling';
  usesRedis: boolean;
  start(context: TargetContext): Promise<RunningTarget>;
  /** The same configuration run from another build of the service (`--compare`), for before/after figures. */
  atBuild?(entry: string, label: string): TargetSpec;
}

/** The same bodies as the allow configurations, with tokens nobody checks: the echo servers see identical bytes. */
function echoRequests(): BenchRequest[] {
  return Array.from({ length: TOKENS_PER_TARGET }, (_, index) =>
    playHlsRequest({ kind: 'echo', token: strangerToken(), index, expectStatus: 200 }),
  );
}

function baseline(name: string, script: string, description: string, options: { redis?: boolean } = {}): TargetSpec {
  return {
    name,
    description,
    group: 'baseline',
    usesRedis: options.redis ?? false,
    start: async (context) => {
      const { layout, nodeArgs } = context;
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const requests = echoRequests();
      const first = requests[0];
      const process = await startBenchProcess({
        name,
        command: globalThis.process.execPath,
        args: [...(nodeArgs ?? []), script],
        env: { PORT: String(port), ...(options.redis ? { REDIS_URL: (await context.redis()).url, REDIS_KEY_PREFIX: `${context.redisKeyPrefix ?? 'bench:'}${name}:` } : {}) },
        cpus: layout.server,
        ready: async () =>
          (await fetch(`${baseUrl}${first?.path}`, { method: 'POST', headers: first?.headers, body: first?.body })).ok,
      });
      return { baseUrl, requests, process, env: {} };
    },
  };
}

interface ServiceSetup {
  baseUrl: string;
  adminKey: string;
  /** `extra`: more issue fields (e.g. viewerId). */
  issue(streams?: string[], extra?: Record<string, unknown>): Promise<{ token: string; id: string }>;
  revoke(id: string): Promise<void>;
}

/**
 * A service configuration: the env it runs with, and the requests it is measured with (built once the service runs,
 * since they carry tokens it issued). Adding a configuration (e.g. a JWT verifier) is one more entry below.
 */
interface ServiceOptions {
  name: string;
  description: string;
  group?: 'main' | 'scaling';
  store: 'memory' | 'redis';
  workers?: number;
  env?: Record<string, string>;
  /** The compiled service to run; dist/main.js unless comparing builds. */
  entry?: string;
  requests(setup: ServiceSetup): Promise<BenchRequest[]>;
}

function service(options: ServiceOptions): TargetSpec {
  const workers = options.workers ?? 1;
  const group = options.group ?? 'main';
  const entry = options.entry ?? SERVICE_ENTRY;
  return {
    name: options.name,
    description: options.description,
    group,
    usesRedis: options.store === 'redis',
    atBuild: (otherEntry, label) =>
      service({ ...options, name: `${options.name}@${label}`, description: `${options.description} [${otherEntry}]`, entry: otherEntry }),
    start: async (context) => {
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (npm run bench does)`);
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
      const env: Record<string, string> = {
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: context.logLevel,
        ADMIN_API_KEYS: `bench=${adminKey}`,
        TOKEN_STORE: options.store,
        WORKERS: String(workers),
        ...options.env,
      };
      if (options.store === 'redis') {
        env.REDIS_URL = (await context.redis()).url;
        env.REDIS_KEY_PREFIX = `bench:${options.name.replace(/[^A-Za-z0-9_.-]/g, "-")}:`;
      }
      const process = await startBenchProcess({
        name: options.name,
        command: globalThis.process.execPath,
        args: [...(context.nodeArgs ?? []), entry],
        env,
        cpus: group === 'scaling' ? context.layout.wide : context.layout.server,
        ready: async () => (await fetch(`${baseUrl}/readyz`)).ok && (await workersServing(baseUrl)) === workers,
      });
      const admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
      const setup: ServiceSetup = {
        baseUrl,
        adminKey,
        issue: async (streams = [BENCH_STREAM], extra = {}) => {
          const response = await withRetries(`${options.name}: issuing a token`, () =>
            fetch(`${baseUrl}/v1/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ streams, ttlSeconds: 3600, ...extra }) }),
          );
          const issued = (await response.json()) as { token: string; record: { id: string } };
          return { token: issued.token, id: issued.record.id };
        },
        revoke: async (id) => {
          await withRetries(`${options.name}: revoking a token`, () => fetch(`${baseUrl}/v1/tokens/${id}`, { method: 'DELETE', headers: admin }));
        },
      };
      let requests: BenchRequest[];
      try {
        requests = await options.requests(setup);
      } catch (error) {
        await process.stop();
        throw error;
      }
      return { baseUrl, requests, process, decisions: () => decisionsMade(baseUrl), env };
    },
  };
}

/**
 * Setup calls go through the admin API, whose store calls have the service's STORE_TIMEOUT_MS: on a machine busy
 * enough to miss it once (503), trying again is the right thing for a setup step. Bounded by count.
 */
async function withRetries(what: string, call: () => Promise<Response>): Promise<Response> {
  let last = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const response = await call();
    if (response.ok) return response;
    last = response.status;
    if (response.status !== 503) break;
    await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
  }
  throw new Error(`${what} got ${last}`);
}

async function metricsText(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

function sumSamples(text: string, metric: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function decisionsMade(baseUrl: string): Promise<Record<string, number>> {
  const byReason: Record<string, number> = {};
  for (const line of (await metricsText(baseUrl)).split('\n')) {
    if (!line.startsWith('wcs_auth_decisions_total{')) continue;
    const result = /result="([^"]*)"/.exec(line)?.[1] ?? '?';
    const reason = /reason="([^"]*)"/.exec(line)?.[1] ?? '?';
    const key = `${result}/${reason}`;
    byReason[key] = (byReason[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return byReason;
}

/** Worker processes behind the port (1 for a single-process service). */
async function workersServing(baseUrl: string): Promise<number> {
  const text = await metricsText(baseUrl);
  // A build without the gauge is a single process (lets the bench measure older commits for before/after figures).
  return text.includes('wcs_auth_workers') ? sumSamples(text, 'wcs_auth_workers') : 1;
}

/** Two response headers per token, as an operator passing a viewer's tier and customer id to WCS would set. */
const TOKEN_HEADERS = { 'X-Viewer-Tier': 'gold', 'X-Customer-Id': 'customer-0042' };

async function allowRequests(setup: ServiceSetup, signingSecret?: string, viewers = 0, headers?: Record<string, string>): Promise<BenchRequest[]> {
  const requests: BenchRequest[] = [];
  // Eight at a time: quicker than one by one, gentle enough for a service that is still warming up. With
  // `viewers`, the tokens belong to that many viewer ids, with a per-viewer limit none of them reaches.
  const extra = (i: number) => ({
    ...(viewers > 0 ? { viewerId: `bench-viewer-${i % viewers}`, maxViewerSessions: TOKENS_PER_TARGET } : {}),
    ...(headers ? { headers } : {}),
  });
  for (let batch = 0; batch < TOKENS_PER_TARGET; batch += 8) {
    const issued = await Promise.all(Array.from({ length: 8 }, (_, i) => setup.issue(undefined, extra(batch + i))));
    issued.forEach(({ token }, i) =>
      requests.push(playHlsRequest({ kind: 'allow', token, index: batch + i, expectStatus: 200, signingSecret, expectHeaders: headers })),
    );
  }
  return requests;
}

async function nginxRequests(setup: ServiceSetup): Promise<BenchRequest[]> {
  const requests: BenchRequest[] = [];
  for (let batch = 0; batch < TOKENS_PER_TARGET; batch += 8) {
    const issued = await Promise.all(Array.from({ length: 8 }, () => setup.issue()));
    issued.forEach(({ token }, i) => requests.push(nginxAuthRequest({ token, index: batch + i, expectStatus: 204 })));
  }
  return requests;
}

/**
 * Half allowed, half refused, every refusal after a store lookup (the expensive kind): a token nobody issued, a
 * revoked one, and a valid one asking for another stream.
 */
async function mixedRequests(setup: ServiceSetup): Promise<BenchRequest[]> {
  const requests: BenchRequest[] = [];
  for (let round = 0; round < MIXED_ROUNDS; round++) {
    const base = round * 6;
    const allowed = await Promise.all([setup.issue(), setup.issue(), setup.issue()]);
    const revoked = await setup.issue();
    await setup.revoke(revoked.id);
    allowed.forEach(({ token }, i) => requests.push(playHlsRequest({ kind: 'allow', token, index: base + i, expectStatus: 200 })));
    requests.push(playHlsRequest({ kind: 'unknown_token', token: strangerToken(), index: base + 3, expectStatus: 403 }));
    requests.push(playHlsRequest({ kind: 'revoked', token: revoked.token, index: base + 4, expectStatus: 403 }));
    requests.push(
      playHlsRequest({ kind: 'stream_not_allowed', token: allowed[0]?.token, stream: 'other-stream', index: base + 5, expectStatus: 403 }),
    );
  }
  return requests;
}

const SIGNING_SECRET = `bench-signing-${randomBytes(12).toString('hex')}`;

/** JWT keys made for this run. The service gets them through JWT_KEYS=kid:ALG=env:VARIABLE. */
const JWT_HS256_SECRET = `bench-jwt-hs256-${randomBytes(32).toString('hex')}`;
const JWT_ES256_KEYS = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

/**
 * JWTs minted independently (jsonwebtoken), each with its own jti: the service checks the jti against revocations
 * in Redis, so a JWT decision costs the signature check plus one store round trip, like an opaque one.
 */
function jwtRequests(sign: (claims: object) => string): Promise<BenchRequest[]> {
  const run = randomBytes(4).toString('hex');
  return Promise.resolve(
    Array.from({ length: TOKENS_PER_TARGET }, (_, index) =>
      playHlsRequest({ kind: 'allow', token: sign({ streams: [BENCH_STREAM], jti: `bench-${run}-${index}` }), index, expectStatus: 200 }),
    ),
  );
}

export const TARGETS: readonly TargetSpec[] = [
  baseline('node-http', 'bench/baselines/node-http-echo.mjs', 'bare node:http echo (platform ceiling)'),
  baseline('node-http-redis', 'bench/baselines/node-http-redis-echo.mjs', 'node:http echo + one ioredis GET (floor of a Redis-backed decision)', {
    redis: true,
  }),
  baseline('fastify-redis', 'bench/baselines/fastify-redis-echo.mjs', 'Fastify + JSON parse + one ioredis GET (a minimal hand-written hook)', {
    redis: true,
  }),
  baseline('express', 'bench/baselines/express-echo.mjs', 'bare Express 5 echo (framework ceiling)'),
  baseline('express-redis', 'bench/baselines/express-redis-echo.mjs', 'bare Express 5 echo + one Redis GET (the same floor on Express)', {
    redis: true,
  }),
  service({
    name: 'memory',
    description: 'service, memory store, all allowed',
    store: 'memory',
    requests: (setup) => allowRequests(setup),
  }),
  service({
    name: 'memory-headers',
    description: 'service, memory store, all allowed, each token sets two response headers',
    store: 'memory',
    requests: (setup) => allowRequests(setup, undefined, 0, TOKEN_HEADERS),
  }),
  service({
    name: 'nginx-auth',
    description: 'service, memory store, GET /nginx/auth for a playlist, all allowed (204)',
    store: 'memory',
    requests: nginxRequests,
  }),
  service({
    name: 'redis',
    description: 'service, Redis store, all allowed',
    store: 'redis',
    requests: (setup) => allowRequests(setup),
  }),
  service({
    name: 'redis-viewer',
    description: 'service, Redis store, all allowed, tokens of 8 viewer ids under a per-viewer limit',
    store: 'redis',
    requests: (setup) => allowRequests(setup, undefined, 8),
  }),
  service({
    name: 'redis-hmac',
    description: 'service, Redis store, WCS HMAC signature checked, all allowed',
    store: 'redis',
    env: { WCS_SIGNING_SECRET: SIGNING_SECRET },
    requests: (setup) => allowRequests(setup, SIGNING_SECRET),
  }),
  service({
    name: 'mixed',
    description: 'service, Redis store, 1/2 allowed, 1/2 refused after a lookup',
    store: 'redis',
    requests: mixedRequests,
  }),
  service({
    name: 'jwt-hs256',
    description: 'service, JWT HS256 with a jti checked in Redis, all allowed',
    store: 'redis',
    env: { JWT_KEYS: 'bench-hs:HS256=env:BENCH_JWT_HS256_SECRET', BENCH_JWT_HS256_SECRET: JWT_HS256_SECRET },
    requests: () =>
      jwtRequests((claims) => jwt.sign(claims, JWT_HS256_SECRET, { algorithm: 'HS256', keyid: 'bench-hs', expiresIn: 3600 })),
  }),
  service({
    // The same JWTs with the jti checked in the process (TOKEN_STORE=memory): the JWT path without the Redis
    // round trip, so the two can be told apart (issue 15's JWT goals are measured on the Redis targets above).
    name: 'jwt-hs256-memory',
    description: 'service, JWT HS256 with a jti checked in memory, all allowed',
    store: 'memory',
    env: { JWT_KEYS: 'bench-hs:HS256=env:BENCH_JWT_HS256_SECRET', BENCH_JWT_HS256_SECRET: JWT_HS256_SECRET },
    requests: () =>
      jwtRequests((claims) => jwt.sign(claims, JWT_HS256_SECRET, { algorithm: 'HS256', keyid: 'bench-hs', expiresIn: 3600 })),
  }),
  service({
    name: 'jwt-es256',
    description: 'service, JWT ES256 with a jti checked in Redis, all allowed',
    store: 'redis',
    env: {
      JWT_KEYS: 'bench-es:ES256=env:BENCH_JWT_ES256_PUBLIC_KEY',
      BENCH_JWT_ES256_PUBLIC_KEY: JWT_ES256_KEYS.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    requests: () =>
      jwtRequests((claims) => jwt.sign(claims, JWT_ES256_KEYS.privateKey, { algorithm: 'ES256', keyid: 'bench-es', expiresIn: 3600 })),
  }),
  service({
    name: 'redis-w1',
    description: 'service, Redis store, WORKERS=1, on the scaling CPUs',
    group: 'scaling',
    store: 'redis',
    workers: 1,
    requests: (setup) => allowRequests(setup),
  }),
  service({
    name: 'redis-w2',
    description: 'service, Redis store, WORKERS=2, on the scaling CPUs',
    group: 'scaling',
    store: 'redis',
    workers: 2,
    requests: (setup) => allowRequests(setup),
  }),
];

/**
 * The baselines and the chosen service targets. With `compareEntry`, each chosen single-process service target
 * also runs from that other build, interleaved with this one (`memory@compare` next to `memory`).
 */
export function selectTargets(only: readonly string[], compareEntry?: string): TargetSpec[] {
  const unknown = only.filter((name) => !TARGETS.some((target) => target.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  }
  const chosen = TARGETS.filter((target) => target.group === 'baseline' || only.length === 0 || only.includes(target.name));
  if (compareEntry === undefined) return chosen;
  return chosen.flatMap((target) =>
    target.group === 'main' && target.atBuild ? [target, target.atBuild(compareEntry, 'compare')] : [target],
  );
}
