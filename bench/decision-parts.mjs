// CPU per call of a memory-store decision and of the parts issue 15's fifth pass changed, in process (no HTTP),
// for one build: `node bench/decision-parts.mjs [<dist dir>]` (default: this checkout's dist, `npm run build`
// first) prints one line of `part=µs` figures; PARTS=line,throttle picks parts. Run two builds in turns, several
// times, and compare medians: see bench/README.md, "Fifth pass".
import { destination } from 'pino';

const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const imp = (p) => import(`${dist}/${p}`);
const { loadConfig } = await imp('config/load-config.js');
const { createServices } = await imp('create-services.js');
const { createLogger } = await imp('observability/logger.js');
const { createMetrics } = await imp('observability/metrics.js');
const { systemClock } = await imp('shared/clock.js');
const { issueToken } = await imp('tokens/issue-token.js');
const { recordDecision } = await imp('observability/decision-log.js');
const { authorizePlayback } = await imp('playback/authorize-playback.js');
const { withTimeout, withSharedTimeout } = await imp('shared/with-timeout.js');

const config = loadConfig({ TOKEN_STORE: 'memory', ADMIN_API_KEYS: 'bench=bench-admin-key-0123456789abcdef0123', HOST: '127.0.0.1' });
const logger = createLogger('info', destination({ dest: '/dev/null', sync: true }));
const metrics = createMetrics();
const services = createServices(config, { clock: systemClock, logger, metrics });
const tokens = [];
for (let i = 0; i < 64; i++) {
  const issued = await issueToken({ streams: ['live'], ttlSeconds: 3600 }, { store: services.store, now: Date.now(), defaultTtlSeconds: 3600, maxTtlSeconds: 86400 });
  tokens.push(issued.token);
}
const requestOf = (k) => ({ stream: 'live', appKey: 'defaultApp', action: 'play', clientIp: `192.0.2.${k}`, viewerSessionId: `session-${k}`, consume: true, peerAddress: '127.0.0.1', method: 'playHLS' });
const requests = Array.from({ length: 64 }, (_, k) => requestOf(k));

/** µs of CPU per call of `batch` (which makes 50 calls), over `rounds` batches after a warm-up. */
async function measure(batch, rounds = 2000) {
  for (let i = 0; i < 200; i++) await batch(i);
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await batch(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (rounds * 50);
}

const decision = { allow: true, reason: 'valid', kind: 'opaque', tokenId: 'tok_0123456789abcdef', viewerId: undefined };
const deps = {
  verifier: services.verifier,
  storeTimeoutMs: config.storeTimeoutMs,
  storeFailurePolicy: config.storeFailurePolicy,
  onStoreFailure: () => {},
  guessThrottle: services.guessThrottle,
  onThrottleError: () => {},
  logger,
  metrics,
};
let refused = 0;
async function decideOnce(index, requestId) {
  const k = index % 64;
  const started = performance.now();
  // A request object per decision, as the handlers build one (authorizePlayback writes its deadline into it).
  const request = requestOf(k);
  const answer = await authorizePlayback(tokens[k], request, deps);
  if (!answer.allow) refused += 1;
  const context = { method: 'playHLS', stream: request.stream, appKey: request.appKey, clientIp: request.clientIp, viewerSessionId: request.viewerSessionId, requestId };
  recordDecision(deps, answer, context, (performance.now() - started) / 1e3);
}

/** decideOnce for a caller that awaits only a promise: authorizePlayback may answer at once (a memory decision). */
function decideNow(index, requestId) {
  const k = index % 64;
  const started = performance.now();
  const request = requestOf(k);
  const answer = authorizePlayback(tokens[k], request, deps);
  if (answer instanceof Promise) return answer.then((settled) => recordNow(settled, request, requestId, started));
  recordNow(answer, request, requestId, started);
  return undefined;
}

function recordNow(answer, request, requestId, started) {
  if (!answer.allow) refused += 1;
  const context = { method: 'playHLS', stream: request.stream, appKey: request.appKey, clientIp: request.clientIp, viewerSessionId: request.viewerSessionId, requestId };
  recordDecision(deps, answer, context, (performance.now() - started) / 1e3);
}

const parts = {
  // The whole decision as the hook handler runs it after parsing: authorizePlayback, then the line (one write(2)
  // each, see `line`) and metrics.
  decision: async (i) => {
    await Promise.all(Array.from({ length: 50 }, (_, j) => decideOnce(i + j, `req-${i}-${j}`)));
  },
  // The same, by a caller that awaits only when the answer is a promise (a build whose decisions are all promises
  // awaits each).
  decisionNow: async (i) => {
    const pending = [];
    for (let j = 0; j < 50; j++) {
      const later = decideNow(i + j, `req-${i}-${j}`);
      if (later !== undefined) pending.push(later);
    }
    await Promise.all(pending);
  },
  // authorizePlayback alone (no decision line), awaited only when it answers with a promise.
  authorize: async (i) => {
    const pending = [];
    for (let j = 0; j < 50; j++) {
      const k = (i + j) % 64;
      const answer = authorizePlayback(tokens[k], requestOf(k), deps);
      if (answer instanceof Promise) pending.push(answer);
    }
    await Promise.all(pending);
  },
  // The decision line and its two metric cells, written to /dev/null with one write(2) per line (LOG_BATCH=false).
  // The service by default writes a turn's lines with one write(2): that cost is log-batch.mjs's (bench/README.md).
  line: (i) => {
    for (let j = 0; j < 50; j++) {
      const r = requests[(i + j) % 64];
      recordDecision({ logger, metrics }, decision, { method: 'playHLS', stream: r.stream, appKey: r.appKey, clientIp: r.clientIp, viewerSessionId: r.viewerSessionId, requestId: `req-${i}-${j}` }, 0.000123);
    }
  },
  // The guess throttle's admission and finish (memory limiter): keys, gate, counters.
  throttle: async (i) => {
    const tickets = await Promise.all(Array.from({ length: 50 }, (_, j) => services.guessThrottle.admit(requests[(i + j) % 64])));
    await Promise.all(tickets.map((t) => t.finish(false)));
  },
  // The verifier with the store under it (opaque token: hash, address, session check, store decision, timing).
  verify: async (i) => {
    await Promise.all(Array.from({ length: 50 }, (_, j) => services.verifier.verify(tokens[(i + j) % 64], requests[(i + j) % 64])));
  },
  // The decision's timeout around an answer that is already there.
  timeout: async () => {
    const bound = withSharedTimeout ?? withTimeout;
    await Promise.all(Array.from({ length: 50 }, () => bound(Promise.resolve(1), config.storeTimeoutMs)));
  },
};
const out = [];
const only = process.env.PARTS?.split(",");
for (const [name, batch] of Object.entries(parts)) if (!only || only.includes(name)) out.push(`${name}=${(await measure(batch)).toFixed(3)}`);
if (refused > 0) throw new Error(`${refused} decisions refused: the measurement is not of the allow path`);
console.log(out.join(' '));
process.exit(0);
