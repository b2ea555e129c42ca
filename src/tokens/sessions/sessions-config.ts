import type { ViewerLimitMode, WebhookEventType } from './session-registry.js';

/** What the webhook dispatcher needs; config/sessions-settings.ts builds it from WEBHOOK_*. */
export interface WebhooksConfig {
  urls: string[];
  /** The Standard Webhooks secret (`whsec_<base64>`). */
  secret: string;
  events: WebhookEventType[];
  timeoutMs: number;
  retryInitialMs: number;
  retentionSeconds: number;
}

export interface SessionsConfig {
  maxViewerSessions: number;
  limitMode: ViewerLimitMode;
  sweepIntervalSeconds: number;
  /** undefined: no WEBHOOK_URL, no event is queued. */
  webhooks: WebhooksConfig | undefined;
}
