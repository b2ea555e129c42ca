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
  /** Share of one core the bench process (autocannon) used: near 1, the load generator limits the run. */
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
   * Reference: the Express echo for main targets, WORKERS=1 for the scaling targets.
   */
  rpsRatio: number | null;
  rpsVsNodeHttp: number | null;
  p50Ratio: number | null;
  p99Ratio: number | null;
  /** Server CPU time per answered request, microseconds. */
  cpuUsPerRequest: number | null;
  /** Paired ratio of CPU time per request to the reference's: the cost ratio, robust to a busy machine. */
  cpuRatio: number | null;
  reference: string | null;
  /** redis-server CPU time per decision, microseconds: what one Redis core can take is 1e6 / this. */
  redisCpuUsPerDecision: number | null;
  /** Largest share of a core the load generator used in these runs. */
  loadGeneratorCpuShare: number;
  /**
   * Paired ratios to the `express-redis` baseline (the Express echo plus one Redis GET) for main targets that use
   * Redis: how far the decision is from the floor that any Redis-backed handler on Express has on this machine.
   */
  vsRedisFloor: { rps: number | null; p50: number | null; p99: number | null } | null;
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
export const REDIS_FLOOR = 'express-redis';

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
    const reference = first.group === 'scaling' ? SCALING_REFERENCE : 'express';
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
      rpsVsNodeHttp:
        first.group === 'scaling' || first.target === 'node-http'
          ? null
          : pairedRatio(rows, rowsOf('node-http', first.connections), (m) => m.load.requestsPerSecond),
      p50Ratio: references.length ? pairedRatio(rows, references, (m) => m.load.latencyMs.p50) : null,
      p99Ratio: references.length ? pairedRatio(rows, references, (m) => m.load.latencyMs.p99) : null,
      cpuUsPerRequest: cpuKnown && requests > 0 ? (serverCpuMs * 1000) / requests : null,
      cpuRatio: cpuKnown && references.length ? pairedRatio(rows, references, cpuPerRequest) : null,
      redisCpuUsPerDecision: perDecision(redisCpuMs * 1000),
      loadGeneratorCpuShare: Math.max(...rows.map((m) => m.loadGeneratorCpuShare)),
      reference: references.length ? reference : null,
      vsRedisFloor:
        first.group === 'main' && withRedis.length > 0 && rowsOf(REDIS_FLOOR, first.connections).length > 0
          ? {
              rps: pairedRatio(rows, rowsOf(REDIS_FLOOR, first.connections), (m) => m.load.requestsPerSecond),
              p50: pairedRatio(rows, rowsOf(REDIS_FLOOR, first.connections), (m) => m.load.latencyMs.p50),
              p99: pairedRatio(rows, rowsOf(REDIS_FLOOR, first.connections), (m) => m.load.latencyMs.p99),
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

/** The targets, evaluated on this run. A goal whose measurement is missing is reported as not met. */
export function checkTargets(summary: readonly SummaryRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const row = (target: string, connections: number) => summary.find((r) => r.target === target && r.connections === connections);
  const main = summary.filter((r) => r.group === 'main');
  const targets = [...new Set(main.map((r) => r.target))];
  const throughputGoal = (target: string) =>
    target === 'memory' ? 0.9 : target.startsWith('jwt') ? 0.75 : 0.8;

  for (const target of targets) {
    const at50 = row(target, 50);
    const goal = throughputGoal(target);
    checks.push({
      goal: `${target}: throughput at 50 connections >= ${goal} x Express echo`,
      measured: fixed(at50?.rpsRatio ?? null),
      pass: (at50?.rpsRatio ?? 0) >= goal,
    });
  }
  for (const r of main) {
    checks.push({
      goal: `${r.target}: p99 at ${r.connections} connection(s) <= 1.5 x Express echo's p99`,
      measured: fixed(r.p99Ratio),
      pass: r.p99Ratio !== null && r.p99Ratio <= 1.5,
    });
    if (r.connections === 1) {
      checks.push({
        goal: `${r.target}: p50 at 1 connection <= 2 x Express echo's p50`,
        measured: fixed(r.p50Ratio),
        pass: r.p50Ratio !== null && r.p50Ratio <= 2,
      });
    }
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
