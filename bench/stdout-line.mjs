// CPU per decision line (recordDecision: the line and its two metric cells) through the service's own stdout
// destination (LOG_BATCH=true, the default), PER_TURN lines per event-loop turn (default 40, what the hook's
// service writes per turn at 50 connections), for one build: `node bench/stdout-line.mjs <dist dir> > /dev/null`
// prints `<dist dir> <µs per line>` on stderr. stdout must go to /dev/null, as in the bench's service. Run two builds
// in turns (A B A B …), one process each, and compare medians (bench/README.md, "Ninth pass").
const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const imp = (p) => import(`${dist}/${p}`);
const { createLogger, stdoutDestination } = await imp('observability/logger.js');
const { createMetrics } = await imp('observability/metrics.js');
const { recordDecision } = await imp('observability/decision-log.js');

const perTurn = Number(process.env.PER_TURN ?? 40);
const logger = createLogger('info', stdoutDestination({ async: false }));
const metrics = createMetrics();
const decision = { allow: true, reason: 'valid', kind: 'opaque', tokenId: 'tok_0123456789abcdef', viewerId: undefined };
const contexts = Array.from({ length: 64 }, (_, k) => ({
  method: 'playHLS',
  stream: 'bench-stream',
  appKey: 'defaultApp',
  clientIp: `192.0.2.${k}`,
  viewerSessionId: `60709c5b-6950-40c3-8a3d-${String(k).padStart(12, '0')}-HLS`,
  requestId: crypto.randomUUID(),
}));
const lines = async (count) => {
  for (let i = 0; i < count; i++) {
    recordDecision({ logger, metrics }, decision, contexts[i % 64], 0.0001);
    if (i % perTurn === perTurn - 1) await new Promise((resolve) => setImmediate(resolve));
  }
};
await lines(20_000);
const count = 200_000;
const start = process.cpuUsage();
await lines(count);
const used = process.cpuUsage(start);
process.stderr.write(`${dist} ${((used.user + used.system) / count).toFixed(3)}\n`);
