import type { Registry } from 'prom-client';
import { metricsOn } from './define-metric.js';

/** The webhook events queued in a write of their own after their state change, which can therefore be lost. */
const QUEUED_AFTER_THE_CHANGE = ['token.exhausted', 'token.revoked'] as const;

const WEBHOOK_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Live sessions and webhooks (issue 16). Gauges read the shared store: every instance shows the same value. */
export function createSessionMetrics(registry: Registry) {
  const { counter, gauge, histogram } = metricsOn(registry);
  const webhookEventsLost = counter(
    'wcs_auth_webhook_events_lost_total',
    'Webhook events this instance could not queue because the store failed the write (token.exhausted in Redis Cluster, token.revoked), by type: never delivered.',
    ['type'],
  );
  // At 0 from the start: a rare event's first loss is then an increase that rate() and increase() see.
  for (const type of QUEUED_AFTER_THE_CHANGE) webhookEventsLost.inc({ type }, 0);
  return {
    activeSessions: gauge(
      'wcs_auth_active_sessions',
      'Live viewer sessions (checked within VIEWER_SESSION_WINDOW_SECONDS) in the store, all instances together; refreshed every sweep.',
      [],
      { aggregator: 'max' },
    ),
    sessionsStarted: counter('wcs_auth_sessions_started_total', 'Live viewer sessions this instance started.'),
    sessionsEnded: counter(
      'wcs_auth_sessions_ended_total',
      'Live viewer sessions this instance ended, by cause (idle, replaced, kicked, token_revoked).',
      ['cause'],
    ),
    webhookDeliveries: counter(
      'wcs_auth_webhook_deliveries_total',
      'Webhook delivery attempts per URL by result: delivered, failed (retried later), dropped (past WEBHOOK_RETENTION_SECONDS).',
      ['result'],
    ),
    webhookDuration: histogram(
      'wcs_auth_webhook_delivery_duration_seconds',
      'Time of one webhook delivery attempt, until the receiver answered or the attempt failed.',
      [],
      WEBHOOK_BUCKETS_SECONDS,
    ),
    webhookEventsLost,
    webhookQueueDepth: gauge(
      'wcs_auth_webhook_queue_depth',
      'Webhook events waiting for delivery (all instances together); refreshed every sweep.',
      [],
      { aggregator: 'max' },
    ),
  };
}
