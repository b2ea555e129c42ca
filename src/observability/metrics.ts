import { collectDefaultMetrics, Registry } from 'prom-client';
import { BUILD_INFO } from '../shared/version.js';
import { metricsOn } from './define-metric.js';
import { CellCounter, CellHistogram, LatchedGauge } from './metric-cells.js';
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
 * names, token ids or raw URLs. The groups register in this order, which is the order of the exposition.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  dropMisnamedDefaultGauges(registry);
  return {
    registry,
    /** Not a Prometheus metric: the signal that a store operation was answered (see store-answers.ts). */
    storeAnswers: new StoreAnswerSignal(),
    ...buildMetrics(registry),
    ...decisionMetrics(registry),
    ...storeMetrics(registry),
    ...workerMetrics(registry),
    ...adminMetrics(registry),
    ...httpMetrics(registry),
    ...createResilienceMetrics(registry),
    ...createSessionMetrics(registry),
  };
}

function buildMetrics(registry: Registry) {
  const { gauge } = metricsOn(registry);
  return {
    buildInfo: gauge(
      'wcs_auth_build_info',
      'Always 1; the labels say which build runs (service version from package.json, Node.js version).',
      ['version', 'node_version'],
      {
        // With WORKERS > 1 every worker runs the same build: one series, not the sum.
        aggregator: 'max',
        collect() {
          this.set({ version: BUILD_INFO.version, node_version: BUILD_INFO.nodeVersion }, 1);
        },
      },
    ),
  };
}

/** Counted once per decision: bound cells (metric-cells.ts), not prom-client's per-call label lookup. */
function decisionMetrics(registry: Registry) {
  return {
    decisions: new CellCounter(
      registry,
      'wcs_auth_decisions_total',
      'Authorization decisions by WCS method (or nginx), result and reason code.',
      ['method', 'result', 'reason', 'token_kind'],
    ),
    decisionDuration: new CellHistogram(
      registry,
      'wcs_auth_decision_duration_seconds',
      'Time to decide, from a parsed request to the decision, including the store lookup.',
      ['method', 'result'],
      LATENCY_BUCKETS_SECONDS,
    ),
  };
}

function storeMetrics(registry: Registry) {
  const { counter, gauge } = metricsOn(registry);
  return {
    storeDuration: new CellHistogram(
      registry,
      'wcs_auth_store_operation_duration_seconds',
      'Token store operation latency.',
      ['store', 'operation'],
      LATENCY_BUCKETS_SECONDS,
    ),
    storeErrors: counter('wcs_auth_store_errors_total', 'Token store failures by kind (timeout, connection, other).', ['store', 'operation', 'kind']),
    // Set after every store answer (store-outage-monitor.ts): unchanged values are not written again.
    storeUp: new LatchedGauge(
      gauge('wcs_auth_store_up', '1 when the last readiness check reached the token store, 0 when it did not.', ['store'], {
        // With WORKERS > 1, /metrics aggregates the workers: the store is up only if every worker reached it.
        aggregator: 'min',
      }),
      'store',
    ),
  };
}

function workerMetrics(registry: Registry) {
  const { gauge } = metricsOn(registry);
  return {
    workers: gauge('wcs_auth_workers', 'Processes serving requests: 1, or the live workers when WORKERS > 1 (summed over workers).', [], {
      aggregator: 'sum',
      collect() {
        this.set(1);
      },
    }),
  };
}

function adminMetrics(registry: Registry) {
  const { counter } = metricsOn(registry);
  return {
    adminTokens: counter('wcs_auth_admin_token_operations_total', 'Admin API changes to tokens by operation (issue, revoke, update).', [
      'operation',
    ]),
    adminAuthFailures: counter(
      'wcs_auth_admin_auth_failures_total',
      'Admin API requests refused for authentication (missing, invalid), scope (forbidden) or too many failures (throttled).',
      ['reason'],
    ),
  };
}

/** Counted once per request (http-metrics.ts), the decision routes included: bound cells, like the decisions. */
function httpMetrics(registry: Registry) {
  return {
    httpRequests: new CellCounter(registry, 'wcs_auth_http_requests_total', 'HTTP requests by route template, method and status code.', [
      'route',
      'method',
      'status',
    ]),
    httpDuration: new CellHistogram(
      registry,
      'wcs_auth_http_request_duration_seconds',
      'HTTP request duration by route template.',
      ['route', 'method'],
      LATENCY_BUCKETS_SECONDS,
    ),
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
