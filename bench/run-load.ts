import autocannon from 'autocannon';
import { runWrk } from './run-load-wrk.js';

/**
 * Which program sends the load. wrk (C) answers far faster than any server measured here, so it waits for every
 * server alike; autocannon (Node.js) is slower per answer than the bare echo, so the echo never leaves it idle while
 * the service does, and the service alone pays for waking it (wakeups.ts; issue 15, tenth pass in bench/README.md).
 */
export type LoadGenerator = 'wrk' | 'autocannon';

export interface BenchRequest {
  /** What the request stands for, e.g. `allow`, `unknown_token`. */
  kind: string;
  /** POST unless given (the nginx auth_request target is a GET without a body). */
  method?: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The status the target must answer. */
  expectStatus: number;
  /** Response headers the answer must carry (checked once before the load, not during it). */
  expectHeaders?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** CPU time (ms) of a load generator that runs as its own process (wrk); autocannon's is the bench process's. */
  generatorCpuMs?: number;
  /** Answers whose status is not the one expected for the request sent (allowed-vs-denied mix checked by count). */
  unexpected: number;
}

class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;
  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }
  summary(): LoadResult['latencyMs'] {
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0));
    let sum = 0;
    for (const value of sorted) sum += value;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: sorted.length ? sum / sorted.length : 0 };
  }
}

/**
 * Runs the load for a fixed time: autocannon unless `generator` says wrk (run-load-wrk.ts, whose connections share
 * one cycle through `requests`). With autocannon every connection cycles through `requests` in order; either way a
 * mix of allowed and denied requests keeps its proportions. autocannon's latencies are taken from its per-response
 * event, in fractional milliseconds: its own histogram keeps whole milliseconds, too coarse for a sub-millisecond hook.
 */
export async function runLoad(options: {
  baseUrl: string;
  requests: readonly BenchRequest[];
  connections: number;
  durationSeconds: number;
  generator?: LoadGenerator;
}): Promise<LoadResult> {
  if (options.generator === 'wrk') return runWrk(options, (statuses) => unexpectedAnswers(options.requests, statuses, options.connections));
  const latencies = new LatencyRecorder();
  const statuses: Record<string, number> = {};
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
        requests: options.requests.map((request) => ({
          method: request.method ?? 'POST',
          path: request.path,
          headers: request.headers,
          body: request.body,
        })),
      },
      (error, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.record(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    instance.on('reqError', () => {
      errors++;
    });
  });
  const answered = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    connections: options.connections,
    durationSeconds: result.duration,
    requests: answered,
    requestsPerSecond: answered / result.duration,
    latencyMs: latencies.summary(),
    statuses,
    errors: Math.max(errors, result.errors),
    timeouts: result.timeouts,
    unexpected: unexpectedAnswers(options.requests, statuses, options.connections),
  };
}

/**
 * How far the statuses received are from what the request mix should give. Each connection cycles through the
 * list from its start and may stop mid-round, so up to one round per connection of slack is allowed. (Each
 * request's own status is checked one by one before any load is sent; this catches a target going wrong under load.)
 */
function unexpectedAnswers(requests: readonly BenchRequest[], statuses: Record<string, number>, connections: number): number {
  const expectedShare = new Map<string, number>();
  for (const request of requests) {
    const key = String(request.expectStatus);
    expectedShare.set(key, (expectedShare.get(key) ?? 0) + 1 / requests.length);
  }
  const total = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  let unexpected = 0;
  for (const [status, count] of Object.entries(statuses)) {
    if (!expectedShare.has(status)) unexpected += count;
  }
  for (const [status, share] of expectedShare) {
    const missing = Math.round(share * total) - (statuses[status] ?? 0);
    if (missing > connections * requests.length) unexpected += missing;
  }
  return unexpected;
}
