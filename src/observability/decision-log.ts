import type { Logger } from 'pino';
import { fixedLineWriter, jsonField, type FixedLineWriter } from './fixed-line-writer.js';
import { REDACT_CENSOR, REDACT_PATHS } from './logger.js';
import type { Metrics } from './metrics.js';

/**
 * The decision line is a flat object built field by field, so only the top-level redaction paths can ever match
 * it. The wildcard paths of the main logger (`*.token`) make pino pass every field of every line through the
 * redactor, which was the largest single cost of a decision in the profile (bench/README.md); the decision
 * lines go through a child that keeps the top-level paths only.
 */
const TOP_LEVEL_REDACT_PATHS = REDACT_PATHS.filter((path) => !path.includes('.'));

/** The decision child of a logger, and the writer of its lines when pino's own path need not run (see below). */
interface DecisionLogger {
  child: Logger;
  writer: FixedLineWriter | undefined;
}

const decisionLoggers = new WeakMap<Logger, DecisionLogger>();

/**
 * The child is made once per logger. `event` is one of its bindings, serialized once with the child: pino writes
 * bindings right before the line's own fields, so the line is the same as when `event` was its first field.
 * The line's fields are serialized here, straight into the text pino would write (fixed-line-writer.ts): none of
 * them is redacted or has a serializer, so pino's walk over a fields object per line does nothing but build the
 * same text (bench/README.md, "Fifth pass"). A logger with a feature the writer does not reproduce keeps pino's path.
 */
function decisionLogger(logger: Logger): DecisionLogger {
  let found = decisionLoggers.get(logger);
  if (found === undefined) {
    const child = logger.child({ event: 'decision' }, { redact: { paths: TOP_LEVEL_REDACT_PATHS, censor: REDACT_CENSOR } });
    found = { child, writer: fixedLineWriter(child, 'info', 'decision') };
    decisionLoggers.set(logger, found);
  }
  return found;
}

/**
 * Stream, appKey and session id come from the caller (a hook body may hold 60 KB names): a decision line stays
 * bounded whatever they send. 256 is nginx's cap on a stream name, so a real one is never cut.
 */
const MAX_LOGGED_FIELD_LENGTH = 256;

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
  const { child, writer } = decisionLogger(deps.logger);
  if (writer === undefined) {
    child.info(decisionFields(decision, context, durationSeconds), 'decision');
  } else if (writer.enabled()) {
    writer.write(decisionLineFields(decision, context, durationSeconds));
  }
}

/** The line's fields, in their order. decisionLineFields writes the same, as text: change both together. */
function decisionFields(decision: DecisionOutcome, context: DecisionContext, durationSeconds: number): Record<string, unknown> {
  return {
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
    durationMs: durationMsOf(durationSeconds),
  };
}

function durationMsOf(durationSeconds: number): number {
  return Math.round(durationSeconds * 1e6) / 1e3;
}

/** decisionFields as the text pino writes for it (`,"allow":true,"reason":"valid",…`). */
function decisionLineFields(decision: DecisionOutcome, context: DecisionContext, durationSeconds: number): string {
  return (
    jsonField(',"allow":', decision.allow) +
    jsonField(',"reason":', decision.reason) +
    jsonField(',"method":', context.method) +
    jsonField(',"stream":', capLoggedField(context.stream)) +
    jsonField(',"appKey":', capLoggedField(context.appKey)) +
    jsonField(',"tokenId":', decision.tokenId) +
    jsonField(',"tokenKind":', decision.kind) +
    jsonField(',"viewerId":', decision.viewerId ?? null) +
    jsonField(',"clientIp":', capLoggedField(context.clientIp)) +
    jsonField(',"viewerSessionId":', capLoggedField(context.viewerSessionId)) +
    jsonField(',"resource":', context.resource ?? null) +
    jsonField(',"requestId":', context.requestId) +
    jsonField(',"durationMs":', durationMsOf(durationSeconds))
  );
}
