import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Live sessions and webhooks (issue 16). Gauges read the shared store: every instance shows the same value. */
export function createSessionMetrics(registry: Registry) {
  return {
    activeSessions: new Gauge({
      name: 'wcs_auth_active_sessions',
      help: 'Live viewer sessions (checked within VIEWER_SESSION_WINDOW_SECONDS) in the store, all instances together; refreshed every sweep.',
      registers: [registry],
      aggregator: 'max',
    }),
    sessionsStarted: new Counter({
      name: 'wcs_auth_sessions_started_total',
      help: 'Live viewer sessions this instance started.',
      registers: [registry],
    }),
    sessionsEnded: new Counter({
      name: 'wcs_auth_sessions_ended_total',
      help: 'Live viewer sessions this instance ended, by cause (idle, replaced, kicked, token_revoked).',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'wcs_auth_webhook_deliveries_total',
      help: 'Webhook delivery attempts per URL by result: delivered, failed (retried later), dropped (past WEBHOOK_RETENTION_SECONDS).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'wcs_auth_webhook_delivery_duration_seconds',
      help: 'Time of one webhook delivery attempt, until the receiver answered or the attempt failed.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    webhookQueueDepth: new Gauge({
      name: 'wcs_auth_webhook_queue_depth',
      help: 'Webhook events waiting for delivery (all instances together); refreshed every sweep.',
      registers: [registry],
      aggregator: 'max',
    }),
  };
}
