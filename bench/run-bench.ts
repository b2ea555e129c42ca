import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseBenchOptions, type BenchOptions } from './bench-options.js';
import { startBenchRedis, redisActivity, type BenchRedis } from './bench-redis.js';
import { formatChecks, formatSummary } from './bench-report.js';
import { checkTargets, summarize, type Measurement } from './bench-summary.js';
import { selectTargets, type RunningTarget, type TargetSpec } from './bench-targets.js';
import { pinSelf, planCpuLayout } from './cpu-layout.js';
import { processTreeCpuMs } from './process-cpu.js';
import { runLoad } from './run-load.js';
import { wrkAvailable } from './run-load-wrk.js';
import { verifyRequests } from './wcs-requests.js';
import { wakeupInterrupts } from './wakeups.js';

interface Started {
  spec: TargetSpec;
  running: RunningTarget;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The concurrency of the priming load (see main): high enough to reach thousands of decisions a second. */
const PRIME_CONNECTIONS = 50;

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) if (value - (before[key] ?? 0) > 0) delta[key] = value - (before[key] ?? 0);
  return delta;
}

/** Every target once per round, in an order rotated each round, so no target always runs right after another. */
function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function measure(target: Started, redis: BenchRedis | undefined, options: BenchOptions, connections: number, repetition: number) {
  const { running, spec } = target;
  const loadAverage = loadavg()[0] ?? 0;
  const decisionsBefore = running.decisions ? await running.decisions() : null;
  const redisBefore = spec.usesRedis && redis ? await redis.snapshot() : null;
  const serverCpuBefore = processTreeCpuMs(running.process.pid);
  const redisCpuBefore = spec.usesRedis && redis ? processTreeCpuMs(redis.pid) : null;
  const wakeupsBefore = wakeupInterrupts();
  const ownCpuBefore = process.cpuUsage();
  const load = await runLoad({
    baseUrl: running.baseUrl,
    requests: running.requests,
    connections,
    durationSeconds: options.durationSeconds,
    generator: options.loadGenerator,
  });
  const ownCpu = process.cpuUsage(ownCpuBefore);
  // Before the pause below: the load has stopped, the wake-ups counted are those of the measured requests.
  const wakeupsAfter = wakeupInterrupts();
  // Requests cut off when the run stops may still be answered by the server: let them finish before counting.
  await sleep(150);
  const serverCpuAfter = processTreeCpuMs(running.process.pid);
  const redisCpuAfter = spec.usesRedis && redis ? processTreeCpuMs(redis.pid) : null;
  const redisAfter = redisBefore && redis ? await redis.snapshot() : null;
  const decisionsAfter = running.decisions ? await running.decisions() : null;
  const measurement: Measurement = {
    target: spec.name,
    group: spec.group,
    connections,
    repetition,
    load,
    decisions: decisionsBefore !== null && decisionsAfter !== null ? total(decisionsAfter) - total(decisionsBefore) : null,
    decisionsByReason: decisionsBefore !== null && decisionsAfter !== null ? difference(decisionsAfter, decisionsBefore) : null,
    redis: redisBefore && redisAfter ? redisActivity(redisBefore, redisAfter) : null,
    serverCpuMs: serverCpuBefore !== null && serverCpuAfter !== null ? serverCpuAfter - serverCpuBefore : null,
    redisCpuMs: redisCpuBefore !== null && redisCpuAfter !== null ? redisCpuAfter - redisCpuBefore : null,
    wakeups: wakeupsBefore !== null && wakeupsAfter !== null ? wakeupsAfter - wakeupsBefore : null,
    loadGeneratorCpuShare: ((ownCpu.user + ownCpu.system) / 1000 + (load.generatorCpuMs ?? 0)) / (load.durationSeconds * 1000),
    loadAverage,
  };
  const failed = load.errors + load.timeouts + load.unexpected;
  say(
    `  ${spec.name.padEnd(15)} c=${String(connections).padEnd(3)} #${repetition + 1}  ${load.requestsPerSecond.toFixed(0).padStart(6)} req/s` +
      (measurement.serverCpuMs === null ? '' : `  ${((measurement.serverCpuMs * 1000) / Math.max(1, load.requests)).toFixed(0).padStart(4)} µs CPU/req`) +
      `  p50 ${load.latencyMs.p50.toFixed(3)} ms  p99 ${load.latencyMs.p99.toFixed(3)} ms` +
      (measurement.wakeups === null ? '' : `  wake-ups/req ${(measurement.wakeups / Math.max(1, load.requests)).toFixed(2)}`) +
      `${failed ? `  ${failed} errors (statuses ${JSON.stringify(load.statuses)}, decisions ${JSON.stringify(measurement.decisionsByReason)})` : ''}`,
  );
  return measurement;
}

async function main(): Promise<number> {
  const parsed = parseBenchOptions(process.argv.slice(2));
  if ('help' in parsed) {
    say(parsed.help);
    return 0;
  }
  const options = parsed;
  const specs = selectTargets(options.only, options.compare);
  const layout = planCpuLayout(options.pin);
  pinSelf(layout.loadGenerator);
  const startedAt = new Date();
  const loadAtStart = loadavg();
  say(`wcs-token-auth bench: ${layout.cores} cores; ${layout.notes.join('; ')}`);
  say(
    `  ${options.durationSeconds} s per run, ${options.repetitions} interleaved repetition(s), priming ${options.primeSeconds} s, warm-up ${options.warmupSeconds} s, ` +
      `connections ${options.connections.join('/')}, service LOG_LEVEL=${options.logLevel}, load from ${options.loadGenerator}`,
  );
  if (options.loadGenerator === 'autocannon' && !wrkAvailable()) {
    say('  note: wrk is not installed (apt-get install -y wrk), so autocannon sends the load: the echo then runs without waking its client, and ratios to it come out higher (bench/README.md, "Load generator")');
  }
  if ((loadAtStart[0] ?? 0) > layout.cores * 0.5) {
    say(`  note: load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} on ${layout.cores} cores: other work is running, absolute figures are noisy (ratios less so)`);
  }

  let redis: BenchRedis | undefined;
  const context = {
    layout,
    logLevel: options.logLevel,
    redis: async () => (redis ??= await startBenchRedis(layout.redis)),
  };
  const started: Started[] = [];
  const measurements: Measurement[] = [];
  try {
    for (const spec of specs) {
      say(`starting ${spec.name}: ${spec.description}`);
      const running = await spec.start(context);
      started.push({ spec, running });
      await verifyRequests(spec.name, running.baseUrl, running.requests);
    }
    // A second of warm-up at 1 connection is a few hundred to a few thousand requests: too few for V8 to optimize
    // a service's decision path, so the first measured concurrency timed partly unoptimized code (issue 15: a Redis
    // decision's first 1-connection round took 5 x the CPU of its second). Every server first answers a short load
    // at PRIME_CONNECTIONS, as a long-running service has; the per-concurrency warm-up below still follows.
    say(`priming: ${options.primeSeconds} s at ${PRIME_CONNECTIONS} connections per server`);
    for (const { running } of started) {
      await runLoad({ baseUrl: running.baseUrl, requests: running.requests, connections: PRIME_CONNECTIONS, durationSeconds: options.primeSeconds, generator: options.loadGenerator });
    }
    const groups: { targets: Started[]; connections: number[] }[] = [
      { targets: started.filter((s) => s.spec.group !== 'scaling'), connections: options.connections },
      { targets: started.filter((s) => s.spec.group === 'scaling'), connections: options.scalingConnections },
    ];
    for (const group of groups) {
      if (group.targets.length === 0) continue;
      for (const connections of group.connections) {
        say(`${connections} connection(s): warming up`);
        for (const target of group.targets) {
          await runLoad({ baseUrl: target.running.baseUrl, requests: target.running.requests, connections, durationSeconds: options.warmupSeconds, generator: options.loadGenerator });
        }
        for (let repetition = 0; repetition < options.repetitions; repetition++) {
          for (const target of rotated(group.targets, repetition)) {
            measurements.push(await measure(target, redis, options, connections, repetition));
          }
        }
      }
    }
  } finally {
    for (const { running } of started) await running.process.stop();
    await redis?.stop();
  }

  const summary = summarize(measurements);
  const checks = checkTargets(summary);
  const loadAtEnd = loadavg();
  say('');
  say(formatSummary(summary));
  say('');
  say('Targets from issue 15 (ratios to the baselines of this run, headline: the node:http echo):');
  say(formatChecks(checks));
  say('');
  say(
    `load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')} ` +
      `(${layout.cores} cores)`,
  );

  mkdirSync(options.outDir, { recursive: true });
  const file = join(options.outDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const secrets = started.flatMap(({ running }) => Object.values(running.env).filter((v) => /bench-(admin|signing|jwt)-/.test(v)));
  let json = JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cores: layout.cores,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAtEnd,
      },
      options,
      layout,
      targets: started.map(({ spec, running }) => ({
        name: spec.name,
        description: spec.description,
        group: spec.group,
        env: Object.fromEntries(Object.entries(running.env).filter(([key]) => !/SECRET|ADMIN_API_KEYS|KEY$/.test(key))),
        requestKinds: [...new Set(running.requests.map((r) => r.kind))],
      })),
      summary,
      checks,
      measurements,
    },
    null,
    2,
  );
  for (const secret of secrets) json = json.split(secret).join('[redacted]');
  writeFileSync(file, `${json}\n`);
  say(`raw results: ${file}`);
  return 0;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
});
