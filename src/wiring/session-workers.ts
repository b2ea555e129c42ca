import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import { storeErrorKind } from '../observability/timed-store-operation.js';
import type { Clock } from '../shared/clock.js';
import type { SessionRegistry } from '../tokens/sessions/session-registry.js';
import { SessionSweeper } from '../webhooks/session-sweeper.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';

/** How often each instance looks for due webhook events (a cheap sorted-set range when there are none). */
const WEBHOOK_POLL_MS = 250;

/** The background work on live sessions: the idle sweep (and session gauges), and webhook delivery when configured. */
export interface SessionWorkers {
  start(): void;
  close(): Promise<void>;
}

/** Also feeds the registry's outcomes (sessions started, replaced, idle) to the metrics. */
export function buildSessionWorkers(
  config: Config,
  sessions: SessionRegistry,
  deps: { clock: Clock; logger: Logger; metrics: Metrics },
): SessionWorkers {
  const { clock, logger, metrics } = deps;
  sessions.onOutcome = (outcome) => {
    if (outcome.started) metrics.sessionsStarted.inc();
    if (outcome.replaced > 0) metrics.sessionsEnded.inc({ cause: 'replaced' }, outcome.replaced);
    if (outcome.idle > 0) metrics.sessionsEnded.inc({ cause: 'idle' }, outcome.idle);
  };
  sessions.onEventLost = (type, tokenId, error) => {
    metrics.webhookEventsLost.inc({ type });
    logger.warn({ event: 'webhook_event_lost', type, tokenId, kind: storeErrorKind(error) }, 'could not queue a webhook event');
  };
  const sweeper = new SessionSweeper({
    registry: sessions,
    clock,
    logger,
    intervalMs: config.sessions.sweepIntervalSeconds * 1000,
    onIdleEnded: (count) => metrics.sessionsEnded.inc({ cause: 'idle' }, count),
    onGauges: ({ activeSessions, queueDepth }) => {
      metrics.activeSessions.set(activeSessions);
      metrics.webhookQueueDepth.set(queueDepth);
    },
  });
  const webhooks = config.sessions.webhooks;
  const dispatcher =
    webhooks &&
    new WebhookDispatcher({
      registry: sessions,
      config: webhooks,
      clock,
      logger,
      pollMs: WEBHOOK_POLL_MS,
      onDelivery: ({ result, seconds }) => {
        metrics.webhookDeliveries.inc({ result });
        if (result !== 'dropped') metrics.webhookDuration.observe(seconds);
      },
    });
  return {
    start: () => {
      sweeper.start();
      dispatcher?.start();
    },
    close: async () => {
      await sweeper.close();
      await dispatcher?.close();
    },
  };
}
