// CPU of the Node process per Redis-store decision, in process (no HTTP), for one build:
// `node bench/redis-decision-parts.mjs [<dist dir>]` (default: this checkout's dist, `npm run build` first) prints
// one line of `part=µs` figures: `opaque` (OpaqueTokenVerifier.verify: hash, session check, the store's one script)
// and `jti` (RedisJtiStore.check with a session part, as a JWT decision with a jti), 50 decisions at once, in
// rounds. REDIS_PORT: a redis-server to use (on loopback; keys under a random prefix), else one is started on a
// free port and stopped at the end. PARTS=opaque,jti picks parts; ROUNDS sets the rounds (default 1000). Run two
// builds in turns, several times, and compare medians (issue 15, the Redis decision's client side).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const imp = (p) => import(`${dist}/${p}`);
const { RedisTokenStore } = await imp('tokens/redis-token-store.js');
const { RedisJtiStore } = await imp('tokens/jwt/redis-jti-store.js');
const { OpaqueTokenVerifier } = await imp('tokens/opaque-token-verifier.js');
const { issueToken } = await imp('tokens/issue-token.js');
const { liveSessionCheck } = await imp('tokens/sessions/live-session-check.js');
const { systemClock } = await imp('shared/clock.js');

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let server;
let port = Number(process.env.REDIS_PORT);
if (!port) {
  port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
}
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
let refused = 0;

/** A JWT decision's jti step as checkJwtState builds it (one-time token, its owner coming back). */
function jtiUse(k) {
  const request = requests[k];
  const now = Date.now();
  const tokenId = `jwt_${k}`;
  const check = liveSessionCheck(`jwt\n${tokenId}`, request.viewerSessionId, request.clientIp, request);
  return {
    once: true,
    consume: true,
    sessionId: request.viewerSessionId,
    keepUntil: now + 3_600_000,
    now,
    writeDeadline: now + 1000,
    session: { check, token: { id: tokenId, viewerId: `viewer-${k}`, maxViewerSessions: undefined, expiresAt: now + 3_600_000 } },
  };
}

const parts = {
  opaque: async (i) => {
    const verdicts = await Promise.all(Array.from({ length: 50 }, (_, j) => verifier.verify(tokens[(i + j) % 64], { ...requests[(i + j) % 64], writeDeadline: Date.now() + 1000 })));
    for (const verdict of verdicts) if (!verdict.valid) refused += 1;
  },
  jti: async (i) => {
    const states = await Promise.all(Array.from({ length: 50 }, (_, j) => jtis.check(`jti-${(i + j) % 64}`, jtiUse((i + j) % 64))));
    for (const state of states) if (state !== 'ok') refused += 1;
  },
};

/** µs of CPU per decision of `batch` (50 decisions), over `rounds` batches after a warm-up. */
async function measure(batch, rounds) {
  for (let i = 0; i < 200; i++) await batch(i);
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await batch(i);
  const used = process.cpuUsage(start);
  if (process.env.SPLIT) console.error(`user=${(used.user / (rounds * 50)).toFixed(2)} sys=${(used.system / (rounds * 50)).toFixed(2)}`);
  return (used.user + used.system) / (rounds * 50);
}

const rounds = Number(process.env.ROUNDS ?? 1000);
const only = process.env.PARTS?.split(',');
const out = [];
for (const [name, batch] of Object.entries(parts)) if (!only || only.includes(name)) out.push(`${name}=${(await measure(batch, rounds)).toFixed(2)}`);
const keys = await store.redis.keys(`${keyPrefix}*`);
if (keys.length > 0) await store.redis.del(...keys);
await store.close();
server?.kill('SIGTERM');
if (refused > 0) throw new Error(`${refused} decisions refused: the measurement is not of the allow path`);
console.log(out.join(' '));
