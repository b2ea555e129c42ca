import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { SessionsConfig } from '../tokens/sessions/sessions-config.js';
import { VIEWER_LIMIT_MODES, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../tokens/sessions/session-registry.js';
import { integerString, secret, splitList, type EnvOf, type ReportProblem } from './env-values.js';

const webhookUrls = z.string().transform((value, ctx) => {
  const urls = splitList(value);
  for (const url of urls) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) {
      ctx.addIssue({ code: 'custom', message: 'must be comma-separated http:// or https:// URLs without credentials' });
      return z.NEVER;
    }
  }
  if (urls.length === 0 || urls.length > 10) {
    ctx.addIssue({ code: 'custom', message: 'must name 1-10 URLs' });
    return z.NEVER;
  }
  return urls;
});

const webhookEvents = z.string().transform((value, ctx) => {
  const events = [...new Set(splitList(value))];
  const unknown = events.filter((event) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event));
  if (events.length === 0 || unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(', ')}` });
    return z.NEVER;
  }
  return events as WebhookEventType[];
});

/** Live viewer sessions across tokens, the per-viewer limit, and the webhooks that report them. */
export const sessionsEnv = {
  VIEWER_MAX_SESSIONS: integerString(0, 10_000).default(0),
  VIEWER_SESSION_LIMIT_MODE: z.enum(VIEWER_LIMIT_MODES, { message: 'must be refuse or replace' }).default('refuse'),
  SESSION_SWEEP_INTERVAL_SECONDS: integerString(1, 3600).default(15),
  WEBHOOK_URL: webhookUrls.optional(),
  WEBHOOK_SECRET: secret(z.string().optional(), 'value'),
  WEBHOOK_EVENTS: webhookEvents.default([...WEBHOOK_EVENT_TYPES]),
  WEBHOOK_TIMEOUT_MS: integerString(100, 60_000).default(5000),
  WEBHOOK_RETRY_INITIAL_MS: integerString(10, 3_600_000).default(5000),
  WEBHOOK_RETENTION_SECONDS: integerString(60, 30 * 86_400).default(86_400),
};

/** Live sessions across tokens, the per-viewer limit and webhooks (VIEWER_MAX_SESSIONS, WEBHOOK_*, …). */
export function sessionsSettings(e: EnvOf<typeof sessionsEnv>, report: ReportProblem): { sessions: SessionsConfig } {
  const base = { maxViewerSessions: e.VIEWER_MAX_SESSIONS, limitMode: e.VIEWER_SESSION_LIMIT_MODE, sweepIntervalSeconds: e.SESSION_SWEEP_INTERVAL_SECONDS };
  if (e.WEBHOOK_URL === undefined) {
    if (e.WEBHOOK_SECRET !== undefined) report('WEBHOOK_SECRET', 'set WEBHOOK_URL too, or unset it');
    return { sessions: { ...base, webhooks: undefined } };
  }
  if (e.WEBHOOK_SECRET === undefined) report('WEBHOOK_SECRET', 'required with WEBHOOK_URL (whsec_ followed by base64, 24-64 bytes)');
  else if (!isWebhookSecret(e.WEBHOOK_SECRET)) report('WEBHOOK_SECRET', 'must be whsec_ followed by the base64 of 24-64 random bytes');
  if (e.WEBHOOK_TIMEOUT_MS * 2 >= e.WEBHOOK_RETENTION_SECONDS * 1000) report('WEBHOOK_TIMEOUT_MS', 'must be well below WEBHOOK_RETENTION_SECONDS');
  // With a problem reported the whole parse fails, so the empty secret below is never used.
  const webhooks = {
    urls: e.WEBHOOK_URL,
    secret: e.WEBHOOK_SECRET ?? '',
    events: e.WEBHOOK_EVENTS,
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    retryInitialMs: e.WEBHOOK_RETRY_INITIAL_MS,
    retentionSeconds: e.WEBHOOK_RETENTION_SECONDS,
  };
  return { sessions: { ...base, webhooks } };
}

function isWebhookSecret(value: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match?.[1]) return false;
  const bytes = Buffer.from(match[1], 'base64');
  if (bytes.length < 24 || bytes.length > 64 || bytes.toString('base64') !== match[1]) return false;
  try {
    new Webhook(value);
    return true;
  } catch {
    return false;
  }
}
