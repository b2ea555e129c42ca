import { connectionScaling, type SummaryRow, type TargetCheck } from './bench-summary.js';

const num = (value: number | null, digits: number) => (value === null || Number.isNaN(value) ? '–' : value.toFixed(digits));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Markdown tables, readable in a terminal and pasted as they are into bench/README.md. */
export function formatSummary(summary: readonly SummaryRow[]): string {
  const main = summary.filter((r) => r.group !== 'scaling');
  const scaling = summary.filter((r) => r.group === 'scaling');
  const parts = [
    table(
      ['target', 'conns', 'req/s', 'CPU µs/req', '× node', 'CPU × node', '× express', 'p50 ms', 'p99 ms', 'p50 × node', 'p99 × node', 'errors', 'redis cmd/dec', 'redis reads/dec', 'redis µs/dec', 'wake-ups/req'],
      main.map((r) => [
        r.target,
        String(r.connections),
        num(r.requestsPerSecond, 0),
        num(r.cpuUsPerRequest, 0),
        num(r.rpsRatio, 2),
        num(r.cpuRatio, 2),
        num(r.rpsVsExpress, 2),
        num(r.p50Ms, 3),
        num(r.p99Ms, 3),
        num(r.p50Ratio, 2),
        num(r.p99Ratio, 2),
        String(r.errors),
        num(r.redisCommandsPerDecision, 2),
        num(r.redisReadsPerDecision, 2),
        num(r.redisCpuUsPerDecision, 1),
        num(r.wakeupsPerRequest, 2),
      ]),
    ),
  ];
  const floored = main.filter((r) => r.vsRedisFloor !== null);
  if (floored.length > 0) {
    parts.push(
      table(
        ['vs node-http-redis', 'conns', 'req/s × floor', 'p50 × floor', 'p99 × floor', 'req/s × fastify-redis'],
        floored.map((r) => [
          r.target,
          String(r.connections),
          num(r.vsRedisFloor?.rps ?? null, 2),
          num(r.vsRedisFloor?.p50 ?? null, 2),
          num(r.vsRedisFloor?.p99 ?? null, 2),
          num(r.vsRedisFloor?.rpsVsFastify ?? null, 2),
        ]),
      ),
    );
  }
  const byConnections = connectionScaling(summary);
  if (byConnections.length > 0) {
    parts.push(
      table(
        ['200 vs 50 connections', 'conns', 'req/s ÷ at 50', 'CPU µs/req ÷ at 50'],
        byConnections.map((r) => [r.target, '200', num(r.ratio, 2), num(r.cpuRatio, 2)]),
      ),
    );
  }
  if (scaling.length > 0) {
    parts.push(
      table(
        ['scaling', 'conns', 'req/s', '× 1 worker', 'p50 ms', 'p99 ms', 'CPU µs/req', 'errors', 'redis cmd/dec'],
        scaling.map((r) => [
          r.target,
          String(r.connections),
          num(r.requestsPerSecond, 0),
          num(r.rpsRatio, 2),
          num(r.p50Ms, 3),
          num(r.p99Ms, 3),
          num(r.cpuUsPerRequest, 0),
          String(r.errors),
          num(r.redisCommandsPerDecision, 2),
        ]),
      ),
    );
  }
  return parts.join('\n\n');
}

export function formatChecks(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.pass ? 'met    ' : 'NOT MET'}  ${c.goal}: ${c.measured}`).join('\n');
}
