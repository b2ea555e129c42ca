import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../shared/clock.js';
import { PeriodicTask } from '../shared/periodic-task.js';
import type { QueuedEvent, SessionRegistry } from '../tokens/sessions/session-registry.js';
import type { WebhooksConfig } from '../tokens/sessions/sessions-config.js';

const CLAIM_BATCH = 20;
const MAX_BACKOFF_MS = 3_600_000;

export interface DeliveryReport {
  result: 'delivered' | 'failed' | 'dropped';
  seconds: number;
}

export interface WebhookDispatcherDeps {
  registry: Pick<SessionRegistry, 'claim' | 'settle'>;
  config: WebhooksConfig;
  clock: Clock;
  logger: Logger;
  /** How often the queue is polled (real time). */
  pollMs: number;
  onDelivery?(report: DeliveryReport): void;
}

/**
 * Delivers queued session events to WEBHOOK_URL, signed per the Standard Webhooks specification (the
 * `standardwebhooks` reference library signs). At least once: an event leaves the queue only when every URL
 * answered 2xx; a failed URL is tried again after WEBHOOK_RETRY_INITIAL_MS, doubling each time (at most an hour),
 * until the event is older than WEBHOOK_RETENTION_SECONDS. Events are leased while being delivered, so an
 * instance that stops mid-delivery only delays them: another instance (or this one after a restart) takes them
 * over when the lease runs out. Runs on its own timer, never inside a decision.
 */
export class WebhookDispatcher extends PeriodicTask {
  private readonly signer: Webhook;
  /** While the store fails, the queue is polled every pollMs: warn once per outage, not once per poll. */
  private queueFailing = false;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    super(deps.pollMs);
    this.signer = new Webhook(deps.config.secret);
  }

  protected roundFailed(error: unknown): void {
    if (!this.queueFailing) this.deps.logger.warn({ event: 'webhook_queue_failed', err: error }, 'could not read the webhook queue; retrying');
    this.queueFailing = true;
  }

  private get leaseMs(): number {
    return this.deps.config.timeoutMs * this.deps.config.urls.length + 5000;
  }

  /** One round: claim what is due and deliver it. */
  protected async round(): Promise<void> {
    const events = await this.deps.registry.claim(this.deps.clock.now(), CLAIM_BATCH, this.leaseMs);
    await Promise.all(events.map((event) => this.deliver(event)));
    this.queueFailing = false;
  }

  private async deliver(event: QueuedEvent): Promise<void> {
    const { config, clock } = this.deps;
    const now = clock.now();
    if (now - event.at > config.retentionSeconds * 1000) {
      this.deps.onDelivery?.({ result: 'dropped', seconds: 0 });
      this.deps.logger.warn({ event: 'webhook_dropped', eventId: event.id, type: event.type }, 'webhook event dropped: not delivered within WEBHOOK_RETENTION_SECONDS');
      return this.deps.registry.settle(event.id, undefined, now);
    }
    // The body is the same on every attempt; only the timestamp (and so the signature) is new.
    const body = JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data });
    const done = new Set(Array.isArray(event.done) ? event.done : []);
    const pending = config.urls.map((url, index) => ({ url, index })).filter(({ index }) => !done.has(index));
    const results = await Promise.all(pending.map(({ url }) => this.post(url, event.id, body)));
    pending.forEach(({ index }, i) => {
      if (results[i]) done.add(index);
    });
    if (done.size >= config.urls.length) return this.deps.registry.settle(event.id, undefined, now);
    const attempt = event.attempt + 1;
    const delay = Math.min(config.retryInitialMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    await this.deps.registry.settle(event.id, { ...event, attempt, done: [...done] }, clock.now() + delay);
  }

  private async post(url: string, id: string, body: string): Promise<boolean> {
    const started = performance.now();
    const timestamp = new Date(this.deps.clock.now());
    let status: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'wcs-token-auth-webhooks',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': this.signer.sign(id, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.deps.config.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = undefined;
    }
    const ok = status !== undefined && status >= 200 && status < 300;
    this.deps.onDelivery?.({ result: ok ? 'delivered' : 'failed', seconds: (performance.now() - started) / 1000 });
    if (!ok) {
      // The origin only: a receiver URL may carry a credential in its path or query.
      this.deps.logger.warn({ event: 'webhook_failed', eventId: id, receiver: new URL(url).origin, status: status ?? null }, 'webhook delivery failed; it will be retried');
    }
    return ok;
  }
}
