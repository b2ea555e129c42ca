// CPU of the Node process per JWT decision, in process (no HTTP): `node bench/jwt-decision-parts.mjs [<dist dir> …]`
// (default: this checkout's dist, `npm run build` first). Parts, each authorizePlayback as the hook runs it, over
// 64 JWTs minted with jsonwebtoken (each its own jti, `exp` an hour away), 50 decisions at once, in rounds:
//   hs, es        HS256 / ES256, TOKEN_STORE=redis: the jti and the viewer session in one Redis round trip
//   hs-memory     HS256, TOKEN_STORE=memory
//   opaque        opaque tokens, TOKEN_STORE=redis (for comparison)
//   hs-full, es-full   the same as hs-memory with JWT_VERIFIED_CACHE_SIZE=0: every decision checks the signature
// With two dist dirs (say main's and a branch's) both run in this process against the same Redis, in short turns
// that alternate (REPS turns of ROUNDS/REPS rounds each), so both see the same machine load; it prints each
// build's median µs per decision and the median of the paired differences (second minus first) with its quartiles.
// REDIS_PORT: a redis-server to use (on loopback; keys under a random prefix), else one is started on a free port
// and stopped at the end. PARTS=hs,es picks parts; ROUNDS (default 1000), REPS (default 10); PAIR=hs,opaque
// compares two parts of one build instead.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { benchRedisPort, measure, median } from './paired-parts.mjs';
import jwt from 'jsonwebtoken';
import { destination } from 'pino';

const dists = process.argv.length > 2 ? process.argv.slice(2) : [new URL('../dist', import.meta.url).pathname];

const port = await benchRedisPort();
let refused = 0;
const reasons = new Set();

const HS_SECRET = `bench-jwt-hs256-${randomBytes(32).toString('hex')}`;
const ES_KEYS = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const run = randomBytes(4).toString('hex');
const mint = (sign) => Array.from({ length: 64 }, (_, i) => sign({ streams: ['live'], jti: `bench-${run}-${i}` }));
const hsTokens = mint((claims) => jwt.sign(claims, HS_SECRET, { algorithm: 'HS256', keyid: 'bench-hs', expiresIn: 3600 }));
const esTokens = mint((claims) => jwt.sign(claims, ES_KEYS.privateKey, { algorithm: 'ES256', keyid: 'bench-es', expiresIn: 3600 }));
const HS_ENV = { JWT_KEYS: 'bench-hs:HS256=env:BENCH_HS', BENCH_HS: HS_SECRET };
const ES_ENV = { JWT_KEYS: 'bench-es:ES256=env:BENCH_ES', BENCH_ES: ES_KEYS.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
const PARTS = {
  hs: { store: 'redis', env: HS_ENV, tokens: hsTokens },
  es: { store: 'redis', env: ES_ENV, tokens: esTokens },
  'hs-memory': { store: 'memory', env: HS_ENV, tokens: hsTokens },
  opaque: { store: 'redis', env: {}, tokens: undefined },
  'hs-full': { store: 'memory', env: { ...HS_ENV, JWT_VERIFIED_CACHE_SIZE: '0' }, tokens: hsTokens },
  'es-full': { store: 'memory', env: { ...ES_ENV, JWT_VERIFIED_CACHE_SIZE: '0' }, tokens: esTokens },
};
const only = process.env.PARTS?.split(',');
const names = Object.keys(PARTS).filter((name) => !only || only.includes(name));

const requestOf = (k) => ({ stream: 'live', appKey: 'defaultApp', action: 'play', clientIp: `192.0.2.${k}`, viewerSessionId: `session-${k}`, consume: true, peerAddress: '127.0.0.1', method: 'playHLS' });

/** authorizePlayback over the services of one part's configuration (own key prefix per build and part). */
async function partOf(imp, { store, env, tokens }) {
  const { loadConfig } = await imp('config/load-config.js');
  const { createServices } = await imp('create-services.js');
  const { createLogger } = await imp('observability/logger.js');
  const { createMetrics } = await imp('observability/metrics.js');
  const { systemClock } = await imp('shared/clock.js');
  const { authorizePlayback } = await imp('playback/authorize-playback.js');
  // A long store timeout: on a loaded machine a round trip past the default 200 ms would measure the failure path.
  const base = { TOKEN_STORE: store, STORE_TIMEOUT_MS: '5000', ADMIN_API_KEYS: 'bench=bench-admin-key-0123456789abcdef0123', HOST: '127.0.0.1', ...env };
  if (store === 'redis') Object.assign(base, { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: `bench:${randomBytes(4).toString('hex')}:` });
  const config = loadConfig(base);
  const logger = createLogger('info', destination({ dest: '/dev/null', sync: true }));
  const services = createServices(config, { clock: systemClock, logger, metrics: createMetrics() });
  if (tokens === undefined) {
    // Opaque tokens in the same store, for comparison: the decision JWTs are measured against.
    const { issueToken } = await imp('tokens/issue-token.js');
    tokens = [];
    for (let i = 0; i < 64; i++) {
      const issued = await issueToken({ streams: ['live'], ttlSeconds: 3600 }, { store: services.store, now: Date.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86400 });
      tokens.push(issued.token);
    }
  }
  const deps = { verifier: services.verifier, storeTimeoutMs: config.storeTimeoutMs, storeFailurePolicy: config.storeFailurePolicy, onStoreFailure: () => {}, guessThrottle: services.guessThrottle, onThrottleError: () => {} };
  const batch = async (i) => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, j) => authorizePlayback(tokens[(i + j) % 64], requestOf((i + j) % 64), deps)));
    for (const answer of answers) {
      if (answer.allow) continue;
      refused += 1;
      reasons.add(answer.reason);
    }
  };
  const close = async () => {
    if (store === 'redis') {
      const keys = await services.redisStore.redis.keys(`${base.REDIS_KEY_PREFIX}*`);
      if (keys.length > 0) await services.redisStore.redis.del(...keys);
    }
    await services.close();
  };
  return { batch, close };
}

const rounds = Number(process.env.ROUNDS ?? 1000);
const reps = Number(process.env.REPS ?? 10);
const out = [];
/**
 * The two arms of a comparison: two builds on one part, or (PAIR=a,b) two parts of the first build. Each arm runs as
 * two instances set up in the order A B B A, and an arm's turn is the mean of its two: a build set up second was
 * measured slower than the same build set up first (by ~1.5 µs on the Redis parts), and this layout cancels that.
 */
const pair = process.env.PAIR?.split(',');
const comparisons = pair
  ? [{ name: pair.join('-vs-'), arms: pair.map((part) => ({ dist: dists[0], part: PARTS[part] })) }]
  : names.map((name) => ({ name, arms: dists.map((dist) => ({ dist, part: PARTS[name] })) }));
for (const { name, arms } of comparisons) {
  const layout = arms.length === 2 ? [0, 1, 1, 0] : arms.map((_, a) => a);
  const instances = [];
  for (const a of layout) instances.push({ arm: a, ...(await partOf((p) => import(`${arms[a].dist}/${p}`), arms[a].part)) });
  for (const instance of instances) for (let i = 0; i < 200; i++) await instance.batch(i);
  const runs = arms.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    // Alternating order: no instance always runs right after another's garbage.
    const order = instances.map((_, k) => (rep % 2 === 0 ? k : instances.length - 1 - k));
    const sums = arms.map(() => 0);
    for (const k of order) sums[instances[k].arm] += await measure(instances[k].batch, Math.ceil(rounds / reps));
    sums.forEach((sum, a) => runs[a].push(sum / layout.filter((x) => x === a).length));
  }
  for (const instance of instances) await instance.close();
  const medians = runs.map((r) => median(r).toFixed(2));
  const diffs = arms.length === 2 ? runs[1].map((v, k) => v - runs[0][k]).sort((a, b) => a - b) : [];
  const quartile = (q) => diffs[Math.floor((diffs.length - 1) * q)].toFixed(2);
  const paired = arms.length === 2 ? ` diff=${median(diffs).toFixed(2)} [${quartile(0.25)}, ${quartile(0.75)}]` : '';
  out.push(`${name}=${medians.join('/')}${paired}`);
}
if (refused > 0) throw new Error(`${refused} decisions refused (${[...reasons].join(', ')}): the measurement is not of the allow path`);
console.log(out.join(' '));
