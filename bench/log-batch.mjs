// CPU per decision of `recordDecision` (line + metrics) through the real stdout destination, in process:
// `node bench/log-batch.mjs [<dist dir>] > /dev/null`: `batch` (LOG_BATCH=true, the default) and `line`
// (LOG_BATCH=false: one write(2) per line, the destination before LOG_BATCH), each with PER_TURN decisions per
// event-loop turn (default 50), measured in alternating blocks in one process (ROUNDS pairs, default 7). Prints
// the median and range of each mode's CPU µs per decision on stderr. stdout must go to /dev/null, as in the
// bench's service. The machine is shared and noisy: run it a few times. MODES=batch measures one mode only: to
// compare two builds' batched line, run `MODES=batch node bench/log-batch.mjs <dist>` for each in turns, one
// process each, and compare the medians (bench/README.md, "Ninth pass").
const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const imp = (p) => import(`${dist}/${p}`);
const { createLogger, stdoutDestination } = await imp('observability/logger.js');
const { createMetrics } = await imp('observability/metrics.js');
const { recordDecision } = await imp('observability/decision-log.js');

const perTurn = Number(process.env.PER_TURN ?? 50);
const pairs = Number(process.env.ROUNDS ?? 7);
const metrics = createMetrics();
const modes = (process.env.MODES ?? 'line,batch').split(',');
const loggers = Object.fromEntries(modes.map((mode) => [mode, createLogger('info', stdoutDestination({ async: false, batch: mode === 'batch' }))]));
const decision = { allow: true, reason: 'valid', kind: 'opaque', tokenId: 'tok_0123456789abcdef', viewerId: undefined };
const contexts = Array.from({ length: 64 }, (_, k) => ({
  method: 'playHLS',
  stream: 'live',
  appKey: 'defaultApp',
  clientIp: `192.0.2.${k}`,
  viewerSessionId: `session-${k}`,
  requestId: `0f8fad5b-d9cb-469f-a165-70867728${String(1000 + k)}`,
}));
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

/** One turn: `perTurn` decisions, then the end of the turn (where the batch is written). */
async function turn(logger, i) {
  for (let j = 0; j < perTurn; j++) recordDecision({ logger, metrics }, decision, contexts[(i + j) % 64], 0.000123);
  await endOfTurn();
}

/** CPU µs per decision over `decisions` decisions. */
async function block(logger, decisions) {
  const rounds = Math.ceil(decisions / perTurn);
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await turn(logger, i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (rounds * perTurn);
}

const results = Object.fromEntries(modes.map((mode) => [mode, []]));
for (const mode of modes) await block(loggers[mode], 20_000);
for (let r = 0; r < pairs; r++) {
  // Alternating which goes first, so that neither always follows the other.
  const order = r % 2 === 0 ? modes : [...modes].reverse();
  for (const mode of order) results[mode].push(await block(loggers[mode], 20_000));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const mode of modes) {
  const xs = results[mode];
  process.stderr.write(`${mode} perTurn=${perTurn} median ${median(xs).toFixed(2)} µs (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})\n`);
}
