import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { VIEWER_LIMIT_MODES, WEBHOOK_EVENT_TYPES, type ViewerLimitMode, type WebhookEventType } from './session-registry.js';

const integerString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const webhookUrls = z.string().transform((value, ctx) => {
  const urls = value.split(',').map((item) => item.trim()).filter(Boolean);
  for (const url of urls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
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
  const events = [...new Set(value.split(',').map((item) => item.trim()).filter(Boolean))];
  const unknown = events.filter((event) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event));
  if (events.length === 0 || unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(', ')}` });
    return z.NEVER;
  }
  return events as WebhookEventType[];
});

/** The environment variables of live sessions and webhooks (part of config.ts's envSchema). */
export const sessionsEnvFields = {
  VIEWER_MAX_SESSIONS: integerString(0, 10_000).default(0),
  VIEWER_SESSION_LIMIT_MODE: z.enum(VIEWER_LIMIT_MODES, { message: 'must be refuse or replace' }).default('refuse'),
  SESSION_SWEEP_INTERVAL_SECONDS: integerString(1, 3600).default(15),
  WEBHOOK_URL: webhookUrls.optional(),
  WEBHOOK_SECRET: z.string().optional(),
  WEBHOOK_EVENTS: webhookEvents.default([...WEBHOOK_EVENT_TYPES]),
  WEBHOOK_TIMEOUT_MS: integerString(100, 60_000).default(5000),
  WEBHOOK_RETRY_INITIAL_MS: integerString(10, 3_600_000).default(5000),
  WEBHOOK_RETENTION_SECONDS: integerString(60, 30 * 86_400).default(86_400),
};

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

type SessionsEnv = z.output<z.ZodObject<typeof sessionsEnvFields>>;

export class SessionsConfigError extends Error {}

/** The checks across variables; throws SessionsConfigError naming the variable. */
export function sessionsConfig(e: SessionsEnv): SessionsConfig {
  const base = { maxViewerSessions: e.VIEWER_MAX_SESSIONS, limitMode: e.VIEWER_SESSION_LIMIT_MODE, sweepIntervalSeconds: e.SESSION_SWEEP_INTERVAL_SECONDS };
  if (e.WEBHOOK_URL === undefined) {
    if (e.WEBHOOK_SECRET !== undefined) throw new SessionsConfigError('WEBHOOK_SECRET: set WEBHOOK_URL too, or unset it');
    return { ...base, webhooks: undefined };
  }
  if (e.WEBHOOK_SECRET === undefined) throw new SessionsConfigError('WEBHOOK_SECRET: required with WEBHOOK_URL (whsec_ followed by base64, 24-64 bytes)');
  if (!isWebhookSecret(e.WEBHOOK_SECRET)) {
    throw new SessionsConfigError('WEBHOOK_SECRET: must be whsec_ followed by the base64 of 24-64 random bytes');
  }
  if (e.WEBHOOK_TIMEOUT_MS * 2 >= e.WEBHOOK_RETENTION_SECONDS * 1000) {
    throw new SessionsConfigError('WEBHOOK_TIMEOUT_MS: must be well below WEBHOOK_RETENTION_SECONDS');
  }
  return {
    ...base,
    webhooks: {
      urls: e.WEBHOOK_URL,
      secret: e.WEBHOOK_SECRET,
      events: e.WEBHOOK_EVENTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryInitialMs: e.WEBHOOK_RETRY_INITIAL_MS,
      retentionSeconds: e.WEBHOOK_RETENTION_SECONDS,
    },
  };
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
