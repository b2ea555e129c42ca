import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BUILD_INFO } from '../shared/version.js';
import { createResilienceMetrics } from './resilience-metrics.js';
import { createSessionMetrics } from './session-metrics.js';
import { StoreAnswerSignal } from './store-answers.js';

/** Sub-millisecond to one second: a decision from memory takes microseconds, a stalled store up to its timeout. */
const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * The WCS methods we name in labels. Methods come from the URL, so anything else is counted as `other`:
 * a caller must not be able to create label values at will.
 */
export const KNOWN_WCS_METHODS = new Set([
  'connect',
  'playHLS',
  'playStream',
  'publishStream',
  'stopStream',
  'StreamStatusEvent',
  'ConnectionStatusEvent',
  'RegistrationStatusEvent',
  'CallStatusEvent',
  'TransferStatusEvent',
  'RecordingStatusEvent',
  'OnDataEvent',
  'sendData',
  'call',
  'answer',
  'hangup',
  'subscribeStreamStatus',
]);

export function wcsMethodLabel(method: string): string {
  return KNOWN_WCS_METHODS.has(method) ? method : 'other';
}

/**
 * The app's own registry: no prom-client global state, so two apps in one process (tests) do not collide.
 * Label values are bounded: method names, result, reason codes, token kind, route templates — never stream
 * names, token ids or raw URLs.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  dropMisnamedDefaultGauges(registry);
  return {
    registry,
    /** Not a Prometheus metric: the signal that a store operation was answered (see store-answers.ts). */
    storeAnswers: new StoreAnswerSignal(),
    buildInfo: new Gauge({
      name: 'wcs_auth_build_info',
      help: 'Always 1; the labels say which build runs (service version from package.json, Node.js version).',
      labelNames: ['version', 'node_version'] as const,
      registers: [registry],
      // With WORKERS > 1 every worker runs the same build: one series, not the sum.
      aggregator: 'max',
      collect() {
        this.set({ version: BUILD_INFO.version, node_version: BUILD_INFO.nodeVersion }, 1);
      },
    }),
    decisions: new Counter({
      name: 'wcs_auth_decisions_total',
      help: 'Authorization decisions by WCS method (or nginx), result and reason code.',
      labelNames: ['method', 'result', 'reason', 'token_kind'] as const,
      registers: [registry],
    }),
    decisionDuration: new Histogram({
      name: 'wcs_auth_decision_duration_seconds',
      help: 'Time to decide, from a parsed request to the decision, including the store lookup.',
      labelNames: ['method', 'result'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    storeDuration: new Histogram({
      name: 'wcs_auth_store_operation_duration_seconds',
      help: 'Token store operation latency.',
      labelNames: ['store', 'operation'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'wcs_auth_store_errors_total',
      help: 'Token store failures by kind (timeout, connection, other).',
      labelNames: ['store', 'operation', 'kind'] as const,
      registers: [registry],
    }),
    storeUp: new Gauge({
      name: 'wcs_auth_store_up',
      help: '1 when the last readiness check reached the token store, 0 when it did not.',
      labelNames: ['store'] as const,
      registers: [registry],
      // With WORKERS > 1, /metrics aggregates the workers: the store is up only if every worker reached it.
      aggregator: 'min',
    }),
    workers: new Gauge({
      name: 'wcs_auth_workers',
      help: 'Processes serving requests: 1, or the live workers when WORKERS > 1 (summed over workers).',
      registers: [registry],
      aggregator: 'sum',
      collect() {
        this.set(1);
      },
    }),
    adminTokens: new Counter({
      name: 'wcs_auth_admin_token_operations_total',
      help: 'Admin API changes to tokens by operation (issue, revoke, update).',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    adminAuthFailures: new Counter({
      name: 'wcs_auth_admin_auth_failures_total',
      help: 'Admin API requests refused for authentication (missing, invalid), scope (forbidden) or too many failures (throttled).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'wcs_auth_http_requests_total',
      help: 'HTTP requests by route template, method and status code.',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'wcs_auth_http_request_duration_seconds',
      help: 'HTTP request duration by route template.',
      labelNames: ['route', 'method'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    ...createResilienceMetrics(registry),
    ...createSessionMetrics(registry),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * prom-client's default metrics include three gauges named `*_total` (a known upstream naming issue), which
 * `promtool check metrics` rejects: the suffix is for counters. Each is the sum of a gauge it also exports by type (`sum(nodejs_active_handles)` gives the same number), so they are dropped rather than renamed.
 */
const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

function dropMisnamedDefaultGauges(registry: Registry): void {
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
}
