import type { Logger } from 'pino';
import type { Decision } from '../playback/decision.js';
import type { Metrics } from './metrics.js';

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
  deps: { logger: Logger; metrics: Metrics },
  decision: Decision,
  context: DecisionContext,
  durationSeconds: number,
): void {
  const result = decision.allow ? 'allow' : 'deny';
  deps.metrics.decisions.inc({ method: context.method, result, reason: decision.reason, token_kind: decision.kind ?? 'none' });
  deps.metrics.decisionDuration.observe({ method: context.method, result }, durationSeconds);
  deps.logger.info(
    {
      event: 'decision',
      allow: decision.allow,
      reason: decision.reason,
      method: context.method,
      stream: context.stream ?? null,
      appKey: context.appKey ?? null,
      tokenId: decision.tokenId,
      tokenKind: decision.kind,
      clientIp: context.clientIp ?? null,
      viewerSessionId: context.viewerSessionId ?? null,
      resource: context.resource ?? null,
      requestId: context.requestId,
      durationMs: Math.round(durationSeconds * 1e6) / 1e3,
    },
    'decision',
  );
}
