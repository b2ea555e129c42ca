// CPU of the Node process per Redis-store decision, in process (no HTTP):
// `node bench/redis-decision-parts.mjs [<dist dir> …]` (default: this checkout's dist, `npm run build` first).
// Parts: `opaque` (OpaqueTokenVerifier.verify: hash, session check, the store's one script) and `jti`
// (RedisJtiStore.check with a session part, as a JWT decision with a jti), `authorize` (authorizePlayback as the
// hook runs it with TOKEN_STORE=redis: guess throttle, instrumented store, composite verifier), 50 decisions at
// once, in rounds.
// With two dist dirs (say main's and a branch's) both run in this process against the same Redis, in short turns
// that alternate (REPS turns of ROUNDS/REPS rounds each), so both see the same machine load; it prints each
// build's median µs per decision and the median of the paired differences (second minus first).
// REDIS_PORT: a redis-server to use (on loopback; keys under a random prefix), else one is started on a free port
// and stopped at the end. PARTS=opaque,jti,authorize picks parts; ROUNDS (default 1000), REPS (default 10).
import { randomBytes } from 'node:crypto';
import { benchRedisPort, measure, median } from './paired-parts.mjs';

const dists = process.argv.length > 2 ? process.argv.slice(2) : [new URL('../dist', import.meta.url).pathname];

const port = await benchRedisPort();
let refused = 0;
const reasons = new Set();

/** The parts of one build, on a store of its own (own client, own key prefix). */
async function setup(dist) {
  const imp = (p) => import(`${dist}/${p}`);
  const { RedisTokenStore } = await imp('tokens/redis-token-store.js');
  const { RedisJtiStore } = await imp('tokens/jwt/redis-jti-store.js');
  const { OpaqueTokenVerifier } = await imp('tokens/opaque-token-verifier.js');
  const { issueToken } = await imp('tokens/issue-token.js');
  const { liveSessionCheck } = await imp('tokens/sessions/live-session-check.js');
  const { sessionIdFor } = await imp('tokens/sessions/session-registry.js');
  const { systemClock } = await imp('shared/clock.js');
  const keyPrefix = `bench:${randomBytes(4).toString('hex')}:`;
  const sessions = { windowMs: 30_000, defaultMaxViewerSessions: 0, limitMode: 'refuse', events: [] };
  const store = new RedisTokenStore({ url: `redis://127.0.0.1:${port}`, keyPrefix, commandTimeoutMs: 1000, retentionMs: 60_000, clock: systemClock, sessions });
  const jtis = new RedisJtiStore({ redis: store.redis, keyPrefix, sessions: store.sessions });
  const verifier = new OpaqueTokenVerifier({ store, clock: systemClock, sessions: { viewerWindowMs: 30_000, recordedSessionsMax: 100 } });
  const tokens = [];
  for (let i = 0; i < 64; i++) {
    const issued = await issueToken({ streams: ['live'], ttlSeconds: 3600 }, { store, now: Date.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86400 });
    tokens.push(issued.token);
  }
  const requestOf = (k) => ({ stream: 'live', appKey: 'defaultApp', action: 'play', clientIp: `192.0.2.${k}`, viewerSessionId: `session-${k}`, consume: true, peerAddress: '127.0.0.1', method: 'playHLS' });
  const requests = Array.from({ length: 64 }, (_, k) => requestOf(k));
  /** A JWT decision's jti step as checkJwtState builds it (one-time token, its owner coming back). */
  const jtiUse = (k) => {
    const request = requests[k];
    const now = Date.now();
    const tokenId = `jwt_${k}`;
    const check = liveSessionCheck(sessionIdFor(`jwt\n${tokenId}`, request.viewerSessionId), request.clientIp, request);
    const token = { id: tokenId, viewerId: `viewer-${k}`, maxViewerSessions: undefined, expiresAt: now + 3_600_000 };
    return { once: true, consume: true, sessionId: request.viewerSessionId, keepUntil: now + 3_600_000, now, writeDeadline: now + 1000, session: { check, token } };
  };
  const hook = await hookOf(imp, keyPrefix, requests);
  const parts = {
    authorize: hook.authorize,
    opaque: async (i) => {
      const verdicts = await Promise.all(Array.from({ length: 50 }, (_, j) => verifier.verify(tokens[(i + j) % 64], { ...requests[(i + j) % 64], writeDeadline: Date.now() + 1000 })));
      for (const verdict of verdicts) if (!verdict.valid) refused += 1;
    },
    jti: async (i) => {
      const states = await Promise.all(Array.from({ length: 50 }, (_, j) => jtis.check(`jti-${(i + j) % 64}`, jtiUse((i + j) % 64))));
      for (const state of states) if (state !== 'ok') refused += 1;
    },
  };
  const close = async () => {
    const keys = await store.redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await store.redis.del(...keys);
    await store.close();
    await hook.close();
  };
  return { parts, close };
}

/** authorizePlayback over the services a TOKEN_STORE=redis hook has (its own key prefix within the build's). */
async function hookOf(imp, keyPrefix, requests) {
  const { loadConfig } = await imp('config/load-config.js');
  const { createServices } = await imp('create-services.js');
  const { createLogger } = await imp('observability/logger.js');
  const { createMetrics } = await imp('observability/metrics.js');
  const { systemClock } = await imp('shared/clock.js');
  const { issueToken } = await imp('tokens/issue-token.js');
  const { authorizePlayback } = await imp('playback/authorize-playback.js');
  const { destination } = await import('pino');
  const env = { TOKEN_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: `${keyPrefix}h:`, ADMIN_API_KEYS: 'bench=bench-admin-key-0123456789abcdef0123', HOST: '127.0.0.1' };
  const config = loadConfig(env);
  const logger = createLogger('info', destination({ dest: '/dev/null', sync: true }));
  const services = createServices(config, { clock: systemClock, logger, metrics: createMetrics() });
  const tokens = [];
  for (let i = 0; i < 64; i++) {
    const issued = await issueToken({ streams: ['live'], ttlSeconds: 3600 }, { store: services.store, now: Date.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86400 });
    tokens.push(issued.token);
  }
  const deps = { verifier: services.verifier, storeTimeoutMs: config.storeTimeoutMs, storeFailurePolicy: config.storeFailurePolicy, onStoreFailure: () => {}, guessThrottle: services.guessThrottle, onThrottleError: () => {} };
  const authorize = async (i) => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, j) => authorizePlayback(tokens[(i + j) % 64], { ...requests[(i + j) % 64] }, deps)));
    for (const answer of answers) {
      if (answer.allow) continue;
      refused += 1;
      reasons.add(answer.reason);
    }
  };
  return { authorize, close: () => services.close() };
}

const builds = [];
for (const dist of dists) builds.push(await setup(dist));
const rounds = Number(process.env.ROUNDS ?? 1000);
const reps = Number(process.env.REPS ?? 10);
const only = process.env.PARTS?.split(',');
const out = [];
for (const name of ['opaque', 'jti', 'authorize']) {
  if (only && !only.includes(name)) continue;
  for (const build of builds) for (let i = 0; i < 200; i++) await build.parts[name](i);
  const runs = builds.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    // Alternating order: neither build always runs right after the other's garbage.
    const order = builds.map((_, b) => (rep % 2 === 0 ? b : builds.length - 1 - b));
    for (const b of order) runs[b].push(await measure(builds[b].parts[name], Math.ceil(rounds / reps)));
  }
  const medians = runs.map((r) => median(r).toFixed(2));
  const paired = builds.length === 2 ? ` diff=${median(runs[1].map((v, k) => v - runs[0][k])).toFixed(2)}` : '';
  out.push(`${name}=${medians.join('/')}${paired}`);
}
for (const build of builds) await build.close();
if (refused > 0) throw new Error(`${refused} decisions refused (${[...reasons].join(', ')}): the measurement is not of the allow path`);
console.log(out.join(' '));
