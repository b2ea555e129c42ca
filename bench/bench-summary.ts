import type { RedisActivity } from './bench-redis.js';
import type { TargetSpec } from './bench-targets.js';
import type { LoadResult } from './run-load.js';

export interface Measurement {
  target: string;
  group: TargetSpec['group'];
  connections: number;
  repetition: number;
  load: LoadResult;
  /** Decisions the service counted during the run (null for the baselines). */
  decisions: number | null;
  /** The same by `result/reason`, e.g. `deny/store_unavailable`: what an unexpected status was. */
  decisionsByReason: Record<string, number> | null;
  redis: RedisActivity | null;
  /** CPU time the server (all its processes) used during the run; null where /proc is missing. */
  serverCpuMs: number | null;
  /** CPU time redis-server used during the run. */
  redisCpuMs: number | null;
  /** Cross-CPU wake-ups on the whole machine during the run (wakeups.ts); null where /proc/interrupts is missing. */
  wakeups: number | null;
  /** Share of one core the load generator (the bench process, plus wrk when it sends the load) used: near 1, it limits the run. */
  loadGeneratorCpuShare: number;
  /** 1-minute load average when the run started: how busy the machine was. */
  loadAverage: number;
}

export interface SummaryRow {
  target: string;
  group: TargetSpec['group'];
  connections: number;
  repetitions: number;
  requestsPerSecond: number;
  requestsPerSecondRange: [number, number];
  p50Ms: number;
  p99Ms: number;
  /** Connection errors + timeouts + answers with a status the request should not get. */
  errors: number;
  /**
   * Paired ratios: each repetition's figure over the reference measured in the same round of the same
   * concurrency (close in time, so slow drifts in machine load cancel), then the median over repetitions.
   * Reference: the node:http echo (the headline) for main targets and the other baselines, WORKERS=1 for the
   * scaling targets.
   */
  rpsRatio: number | null;
  /** Paired throughput ratio to the Express echo (the issue-8 reference, kept for comparison with older runs). */
  rpsVsExpress: number | null;
  p50Ratio: number | null;
  p99Ratio: number | null;
  /** Server CPU time per answered request, microseconds. */
  cpuUsPerRequest: number | null;
  /** Paired ratio of CPU time per request to the reference's: the cost ratio, robust to a busy machine. */
  cpuRatio: number | null;
  reference: string | null;
  /** redis-server CPU time per decision, microseconds: what one Redis core can take is 1e6 / this. */
  redisCpuUsPerDecision: number | null;
  /**
   * Median over repetitions of the machine's cross-CPU wake-ups per request (wakeups.ts): near 0, the load generator
   * never waited for this server; near 1, it waited and was woken for almost every answer, at the server's cost.
   */
  wakeupsPerRequest: number | null;
  /** Largest share of a core the load generator used in these runs. */
  loadGeneratorCpuShare: number;
  /**
   * Paired ratios to the `node-http-redis` baseline (the node:http echo plus one ioredis GET) for main targets that
   * use Redis: how far the decision is from the floor that any Redis-backed handler has on this machine.
   */
  vsRedisFloor: { rps: number | null; p50: number | null; p99: number | null; rpsVsFastify: number | null } | null;
  redisCommandsPerDecision: number | null;
  redisReadsPerDecision: number | null;
  redisCommands: Record<string, number> | null;
}

export interface TargetCheck {
  goal: string;
  measured: string;
  pass: boolean;
}

export const SCALING_REFERENCE = 'redis-w1';
export const HEADLINE_REFERENCE = 'node-http';
export const REDIS_FLOOR = 'node-http-redis';
export const FASTIFY_REDIS = 'fastify-redis';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function pairedRatio(
  rows: readonly Measurement[],
  references: readonly Measurement[],
  pick: (m: Measurement) => number,
): number | null {
  const ratios: number[] = [];
  for (const row of rows) {
    const reference = references.find((r) => r.repetition === row.repetition);
    if (reference && pick(reference) > 0) ratios.push(pick(row) / pick(reference));
  }
  return ratios.length === 0 ? null : median(ratios);
}

export function summarize(measurements: readonly Measurement[]): SummaryRow[] {
  const keys = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.target}\u0000${m.connections}`;
    keys.set(key, [...(keys.get(key) ?? []), m]);
  }
  const rowsOf = (target: string, connections: number) => keys.get(`${target}\u0000${connections}`) ?? [];
  const summary: SummaryRow[] = [];
  for (const rows of keys.values()) {
    const first = rows[0];
    if (!first) continue;
    const reference = first.group === 'scaling' ? SCALING_REFERENCE : HEADLINE_REFERENCE;
    const references = first.target === reference ? [] : rowsOf(reference, first.connections);
    const rps = rows.map((m) => m.load.requestsPerSecond);
    const decisions = rows.reduce((sum, m) => sum + (m.decisions ?? 0), 0);
    const withRedis = rows.filter((m) => m.redis !== null);
    const commands: Record<string, number> = {};
    let totalCommands = 0;
    let reads = 0;
    for (const m of withRedis) {
      for (const [name, calls] of Object.entries(m.redis?.commands ?? {})) commands[name] = (commands[name] ?? 0) + calls;
      totalCommands += m.redis?.totalCommands ?? 0;
      reads += m.redis?.reads ?? 0;
    }
    const perDecision = (n: number) => (withRedis.length > 0 && decisions > 0 ? n / decisions : null);
    const cpuPerRequest = (m: Measurement) => (m.serverCpuMs === null ? Number.NaN : (m.serverCpuMs * 1000) / Math.max(1, m.load.requests));
    const cpuKnown = rows.every((m) => m.serverCpuMs !== null);
    const requests = rows.reduce((sum, m) => sum + m.load.requests, 0);
    const serverCpuMs = rows.reduce((sum, m) => sum + (m.serverCpuMs ?? 0), 0);
    const redisCpuMs = withRedis.reduce((sum, m) => sum + (m.redisCpuMs ?? 0), 0);
    summary.push({
      target: first.target,
      group: first.group,
      connections: first.connections,
      repetitions: rows.length,
      requestsPerSecond: median(rps),
      requestsPerSecondRange: [Math.min(...rps), Math.max(...rps)],
      p50Ms: median(rows.map((m) => m.load.latencyMs.p50)),
      p99Ms: median(rows.map((m) => m.load.latencyMs.p99)),
      errors: rows.reduce((sum, m) => sum + m.load.errors + m.load.timeouts + m.load.unexpected, 0),
      rpsRatio: references.length ? pairedRatio(rows, references, (m) => m.load.requestsPerSecond) : null,
      rpsVsExpress:
        first.group === 'scaling' || first.target === 'express'
          ? null
          : pairedRatio(rows, rowsOf('express', first.connections), (m) => m.load.requestsPerSecond),
      p50Ratio: references.length ? pairedRatio(rows, references, (m) => m.load.latencyMs.p50) : null,
      p99Ratio: references.length ? pairedRatio(rows, references, (m) => m.load.latencyMs.p99) : null,
      cpuUsPerRequest: cpuKnown && requests > 0 ? (serverCpuMs * 1000) / requests : null,
      cpuRatio: cpuKnown && references.length ? pairedRatio(rows, references, cpuPerRequest) : null,
      redisCpuUsPerDecision: perDecision(redisCpuMs * 1000),
      wakeupsPerRequest: rows.every((m) => m.wakeups !== null) ? median(rows.map((m) => (m.wakeups ?? 0) / Math.max(1, m.load.requests))) : null,
      loadGeneratorCpuShare: Math.max(...rows.map((m) => m.loadGeneratorCpuShare)),
      reference: references.length ? reference : null,
      vsRedisFloor:
        first.group === 'main' && withRedis.length > 0 && rowsOf(REDIS_FLOOR, first.connections).length > 0
          ? {
              rps: pairedRatio(rows, rowsOf(REDIS_FLOOR, first.connections), (m) => m.load.requestsPerSecond),
              p50: pairedRatio(rows, rowsOf(REDIS_FLOOR, first.connections), (m) => m.load.latencyMs.p50),
              p99: pairedRatio(rows, rowsOf(REDIS_FLOOR, first.connections), (m) => m.load.latencyMs.p99),
              rpsVsFastify: pairedRatio(rows, rowsOf(FASTIFY_REDIS, first.connections), (m) => m.load.requestsPerSecond),
            }
          : null,
      redisCommandsPerDecision: perDecision(totalCommands),
      redisReadsPerDecision: perDecision(reads),
      redisCommands: withRedis.length > 0 ? commands : null,
    });
  }
  const order = (row: SummaryRow) => ['baseline', 'main', 'scaling'].indexOf(row.group);
  const targetOrder = [...new Set(measurements.map((m) => m.target))];
  return summary.sort(
    (a, b) => order(a) - order(b) || targetOrder.indexOf(a.target) - targetOrder.indexOf(b.target) || a.connections - b.connections,
  );
}

const fixed = (value: number | null, digits = 2) => (value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

/** Issue 15's goals for throughput (× node:http echo at 50 connections) and CPU per request (× the echo's). */
const MEMORY_TARGETS = new Set(['memory', 'memory-headers', 'nginx-auth']);
/** `memory@compare` (another build) is held to the goal of `memory`. */
const configurationOf = (target: string) => target.replace(/@.*$/, '');

function throughputGoal(target: string): number {
  return MEMORY_TARGETS.has(configurationOf(target)) ? 0.6 : 0.5;
}
function cpuGoal(target: string): number | null {
  const configuration = configurationOf(target);
  if (configuration === 'memory' || configuration === 'memory-headers') return 1.8;
  if (configuration === 'redis') return 2.2;
  return null;
}

/**
 * Throughput at `high` connections over `low`, for every target measured at both (baselines too: when the echo
 * itself drops at 200 connections, the machine does, not the service). Medians of separate phases, not paired.
 */
export function connectionScaling(summary: readonly SummaryRow[], low = 50, high = 200): { target: string; ratio: number; cpuRatio: number | null }[] {
  const rows: { target: string; ratio: number; cpuRatio: number | null }[] = [];
  for (const atLow of summary.filter((r) => r.connections === low && r.group !== 'scaling')) {
    const atHigh = summary.find((r) => r.target === atLow.target && r.connections === high);
    if (!atHigh || atLow.requestsPerSecond <= 0) continue;
    const cpuRatio = atLow.cpuUsPerRequest && atHigh.cpuUsPerRequest !== null ? atHigh.cpuUsPerRequest / atLow.cpuUsPerRequest : null;
    rows.push({ target: atLow.target, ratio: atHigh.requestsPerSecond / atLow.requestsPerSecond, cpuRatio });
  }
  return rows;
}

/** The targets, evaluated on this run. A goal whose measurement is missing is reported as not met. */
export function checkTargets(summary: readonly SummaryRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const row = (target: string, connections: number) => summary.find((r) => r.target === target && r.connections === connections);
  const main = summary.filter((r) => r.group === 'main');
  const targets = [...new Set(main.map((r) => r.target))];
  for (const target of targets) {
    const at50 = row(target, 50);
    const goal = throughputGoal(target);
    checks.push({
      goal: `${target}: throughput at 50 connections >= ${goal} x node:http echo`,
      measured: fixed(at50?.rpsRatio ?? null),
      pass: (at50?.rpsRatio ?? 0) >= goal,
    });
    const cpu = cpuGoal(target);
    if (cpu !== null) {
      checks.push({
        goal: `${target}: CPU per request at 50 connections <= ${cpu} x node:http echo's`,
        measured: fixed(at50?.cpuRatio ?? null),
        pass: at50?.cpuRatio !== null && at50?.cpuRatio !== undefined && at50.cpuRatio <= cpu,
      });
    }
  }
  const redisAt1 = row('redis', 1);
  if (redisAt1) {
    checks.push({
      goal: `redis: p50 at 1 connection <= 1.3 x ${REDIS_FLOOR} p50`,
      measured: fixed(redisAt1.vsRedisFloor?.p50 ?? null),
      pass: (redisAt1.vsRedisFloor?.p50 ?? Infinity) <= 1.3,
    });
  }
  for (const target of targets) {
    const at50 = row(target, 50);
    const at200 = row(target, 200);
    if (!at50 || !at200) continue;
    const ratio = at200.requestsPerSecond / at50.requestsPerSecond;
    checks.push({ goal: `${target}: throughput at 200 >= 0.9 x at 50 connections`, measured: fixed(ratio), pass: ratio >= 0.9 });
  }
  const errors = summary.reduce((sum, r) => sum + r.errors, 0);
  checks.push({ goal: 'zero errors in every run', measured: String(errors), pass: errors === 0 });
  for (const r of main.filter((r) => r.connections === 1 && r.redisReadsPerDecision !== null)) {
    checks.push({
      goal: `${r.target}: at most one Redis round trip per decision (reads/decision at 1 connection)`,
      measured: fixed(r.redisReadsPerDecision, 3),
      pass: (r.redisReadsPerDecision ?? Infinity) <= 1.02,
    });
  }
  return checks;
}
