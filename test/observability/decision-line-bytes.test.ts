import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordDecision, type DecisionContext, type DecisionOutcome } from '../../src/observability/decision-log.js';
import { createLogger, REDACT_CENSOR, REDACT_PATHS } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { LogCapture } from '../helpers/log-capture.js';

/**
 * The decision line is written as text, without pino's walk over a fields object (decision-log.ts). These lines
 * are compared character for character, time masked, with what pino itself writes for the same fields through
 * the same kind of child: any difference in order, escaping or a null field fails here.
 */
const HOSTILE = [
  'plain',
  'quote " and backslash \\',
  'control \u0001 and newline \n',
  'lone surrogate \ud800 here',
  `long ${'x'.repeat(120)} with a lone \udc00`,
  `capped ${'y'.repeat(300)}`,
  '\u2028 line separator, emoji 🎥, accents éà',
  '',
];

function pinoLine(fields: Record<string, unknown>): string {
  const capture = new LogCapture();
  const child = createLogger('info', capture).child(
    { event: 'decision' },
    { redact: { paths: REDACT_PATHS.filter((path) => !path.includes('.')), censor: REDACT_CENSOR } },
  );
  child.info(fields, 'decision');
  return capture.raw[0] ?? '';
}

function cap(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.length <= 256 ? value : `${value.slice(0, 256)}…`;
}

const maskTime = (line: string) => line.replace(/"time":"[^"]*"/, '"time":"T"');

test('a decision line is the line pino writes for the same fields, for hostile and missing values', () => {
  const metrics = createMetrics();
  let checked = 0;
  for (const text of HOSTILE) {
    for (const variant of [0, 1]) {
      const decision: DecisionOutcome =
        variant === 0
          ? { allow: true, reason: 'valid', kind: 'opaque', tokenId: `id-${text}`, viewerId: text }
          : { allow: false, reason: 'unknown_token', kind: null, tokenId: null };
      const context: DecisionContext = {
        method: variant === 0 ? 'playHLS' : 'nginx',
        stream: text,
        appKey: variant === 0 ? text : undefined,
        clientIp: variant === 0 ? '192.0.2.1' : undefined,
        viewerSessionId: text,
        requestId: `req-${text}`,
        resource: variant === 0 ? undefined : 'playlist',
      };
      const seconds = variant === 0 ? 0.000123456 : 1.5;
      const capture = new LogCapture();
      recordDecision({ logger: createLogger('info', capture), metrics }, decision, context, seconds);
      const expected = pinoLine({
        allow: decision.allow,
        reason: decision.reason,
        method: context.method,
        stream: cap(context.stream),
        appKey: cap(context.appKey),
        tokenId: decision.tokenId,
        tokenKind: decision.kind,
        viewerId: decision.viewerId ?? null,
        clientIp: cap(context.clientIp),
        viewerSessionId: cap(context.viewerSessionId),
        resource: context.resource ?? null,
        requestId: context.requestId,
        durationMs: Math.round(seconds * 1e6) / 1e3,
      });
      assert.equal(capture.raw.length, 1);
      assert.equal(maskTime(capture.raw[0] ?? ''), maskTime(expected), JSON.stringify(text));
      checked += 1;
    }
  }
  assert.equal(checked, HOSTILE.length * 2);
});

test('no decision line when the logger is above info, one when it is below', () => {
  const capture = new LogCapture();
  const logger = createLogger('warn', capture);
  const metrics = createMetrics();
  const decision: DecisionOutcome = { allow: true, reason: 'valid', kind: 'opaque', tokenId: 'id' };
  const context: DecisionContext = { method: 'playHLS', stream: 's', appKey: 'a', clientIp: undefined, viewerSessionId: undefined, requestId: 'r' };
  recordDecision({ logger, metrics }, decision, context, 0.001);
  assert.equal(capture.raw.length, 0);
  const debugCapture = new LogCapture();
  recordDecision({ logger: createLogger('debug', debugCapture), metrics }, decision, context, 0.001);
  assert.equal(debugCapture.raw.length, 1);
});
