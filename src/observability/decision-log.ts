import type { Logger } from 'pino';
import { REDACT_CENSOR, REDACT_PATHS } from './logger.js';
import type { Metrics } from './metrics.js';

/**
 * The decision line is a flat object built field by field, so only the top-level redaction paths can ever match
 * it. The wildcard paths of the main logger (`*.token`) make pino pass every field of every line through the
 * redactor, which was the largest single cost of a decision in the profile (bench/README.md); the decision
 * lines go through a child that keeps the top-level paths only.
 */
const TOP_LEVEL_REDACT_PATHS = REDACT_PATHS.filter((path) => !path.includes('.'));
const decisionLoggers = new WeakMap<Logger, Logger>();

/**
 * The child is made once per logger. `event` is one of its bindings, serialized once with the child: pino writes
 * bindings right before the line's own fields, so the line is the same as when `event` was its first field.
 */
function decisionLogger(logger: Logger): Logger {
  let child = decisionLoggers.get(logger);
  if (child === undefined) {
    child = logger.child({ event: 'decision' }, { redact: { paths: TOP_LEVEL_REDACT_PATHS, censor: REDACT_CENSOR } });
    decisionLoggers.set(logger, child);
  }
  return child;
}

/**
 * Stream, appKey and session id come from the caller (a hook body may hold 60 KB names): a decision line stays
 * bounded whatever they send. 256 is nginx's cap on a stream name, so a real one is never cut.
 */
export const MAX_LOGGED_FIELD_LENGTH = 256;

/** `value` cut to MAX_LOGGED_FIELD_LENGTH characters, marked with `…`, never between the halves of a surrogate pair. */
export function capLoggedField(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.length <= MAX_LOGGED_FIELD_LENGTH) return value;
  let end = MAX_LOGGED_FIELD_LENGTH;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/**
 * What the line and the metrics read of a decision (playback's `Decision` has this shape): declared here so that
 * observability depends on nothing above `shared`.
 */
export interface DecisionOutcome {
  allow: boolean;
  reason: string;
  kind: string | null;
  tokenId: string | null;
  viewerId?: string | undefined;
}

export interface DecisionContext {
  /** WCS method name, or `nginx` for auth_request. Already bounded by the caller for metrics. */
  method: string;
  stream: string | undefined;
  appKey: string | undefined;
  clientIp: string | undefined;
  viewerSessionId: string | undefined;
  requestId: string;
  /** nginx auth_request: what the original request fetched (a playlist starts a viewer session, a segment does not). */
  resource?: 'playlist' | 'segment' | undefined;
}

/** One log line and one metric sample per decision, with the same fields every time. Never the token. */
export function recordDecision(
  deps: { logger: Logger; metrics: Pick<Metrics, 'decisions' | 'decisionDuration'> },
  decision: DecisionOutcome,
  context: DecisionContext,
  durationSeconds: number,
): void {
  const result = decision.allow ? 'allow' : 'deny';
  deps.metrics.decisions.at(context.method, result, decision.reason, decision.kind ?? 'none').inc();
  deps.metrics.decisionDuration.at(context.method, result).observe(durationSeconds);
  decisionLogger(deps.logger).info(
    {
      allow: decision.allow,
      reason: decision.reason,
      method: context.method,
      stream: capLoggedField(context.stream),
      appKey: capLoggedField(context.appKey),
      tokenId: decision.tokenId,
      tokenKind: decision.kind,
      // The operator's own subscriber id (not a secret), as is.
      viewerId: decision.viewerId ?? null,
      clientIp: capLoggedField(context.clientIp),
      viewerSessionId: capLoggedField(context.viewerSessionId),
      resource: context.resource ?? null,
      requestId: context.requestId,
      durationMs: Math.round(durationSeconds * 1e6) / 1e3,
    },
    'decision',
  );
}
