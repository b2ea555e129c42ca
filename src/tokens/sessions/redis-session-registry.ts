import type { RedisClient } from '../../shared/redis-client.js';
import { defineScripts, withKeys } from '../../shared/redis-commands.js';
import { wellFormedJson } from '../../shared/unicode.js';
import { deadlineArg } from '../redis-script-args.js';
import { PAST_DEADLINE } from '../redis-scripts.js';
import { PastDeadlineError } from '../token-store.js';
import {
  QUEUE_CLAIM_SCRIPT,
  QUEUE_SETTLE_SCRIPT,
  SESSION_DECISION_SCRIPT,
  SESSION_END_SCRIPT,
  SESSION_REVOKE_SCRIPT,
  SESSION_ENQUEUE_SCRIPT,
  SESSION_SWEEP_SCRIPT,
} from './session-scripts.js';
import { listLiveSessions, streamCounts, type ListingKeys } from './redis-session-listing.js';
import {
  parseSessionOutcome,
  type QueuedEvent,
  type SessionCheck,
  type SessionEndCause,
  type SessionOutcome,
  type SessionPart,
  type SessionRegistry,
  type SessionSettings,
  type SessionToken,
  type WebhookEventType,
} from './session-registry.js';

/** The JSON object the session scripts read from their last argument (see session-scripts.ts). */
function sessionScriptArgs(
  prefix: string,
  settings: SessionSettings,
  now: number,
  extra: Record<string, unknown> = {},
): string {
  // A setting at its default is left out (the scripts read absent as it: session-scripts.ts): every member is one
  // more cjson.decode step on every decision, ~1k Redis instructions each and more for the nested `ev` (issue 15).
  return JSON.stringify({
    p: prefix,
    now,
    win: settings.windowMs,
    ...(settings.defaultMaxViewerSessions !== 0 && { dmvs: settings.defaultMaxViewerSessions }),
    ...(settings.limitMode !== 'refuse' && { mode: settings.limitMode }),
    ...(settings.events.length > 0 && { ev: Object.fromEntries(settings.events.map((type) => [type, true])) }),
    ...extra,
  });
}

/** `,"name":<JSON>` for a defined value; nothing for undefined, as JSON.stringify leaves such a property out. */
function member(name: string, value: string | number | undefined): string {
  if (value === undefined) return '';
  // Well-formed first: the script's cjson.decode refuses an escaped lone surrogate.
  return `,"${name}":${typeof value === 'string' ? wellFormedJson(value) : JSON.stringify(value)}`;
}

/**
 * The same JSON text as sessionScriptArgs(prefix, settings, now, { ...decisionArgs(check, consume), <tail> }), built
 * on every decision without the intermediate objects: `head` is the settings' part, which never changes
 * (sessionScriptArgs without its closing brace; the script decodes the object, so member order is free), `tail`
 * the token's members for a JWT. No hash or other per-decision work but the quoting (issue 15: wellFormedJson
 * quotes the usual plain-ASCII values as they are).
 */
function decisionJson(head: string, check: SessionCheck, consume: boolean, now: number, tail = ''): string {
  return `${head}${member('now', now)}${member('id', check.id)},"c":${consume ? 1 : 0}${member('st', check.stream)}${member('ak', check.appKey)}${member('ip', check.clientIp)}${member('m', check.method)}${tail}}`;
}

/** Sessions one revoke script ends at most: each call is short, so decisions on the registry's slot wait little. */
const REVOKE_BATCH = 200;

/** The session scripts' argument when the registry is not part of a token's or jti's script. */
export const SESSIONS_OFF = JSON.stringify({ off: 1, p: '', now: 0, win: 0 });

/** The registry in Redis: every key under `<prefix>{sess}:` (one slot; see session-scripts.ts for the layout). */
export class RedisSessionRegistry implements SessionRegistry {
  readonly kind = 'redis';
  onOutcome?: ((outcome: SessionOutcome) => void) | undefined;
  onEventLost?: ((type: WebhookEventType, tokenId: string, error: unknown) => void) | undefined;
  private readonly key: (name: string) => string;
  private readonly scripts: SessionScripts;
  private readonly listing: ListingKeys;
  /** The settings' part of every decision's JSON (see decisionJson). */
  private readonly decisionHead: string;

  /**
   * @param sharesScripts whether the registry's keys may run in one script with a token's or a jti's keys: true
   * outside Redis Cluster, where SESSION_PRELUDE is composed into their scripts (a decision is one round trip).
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly settings: SessionSettings,
    readonly sharesScripts = true,
  ) {
    this.key = (name) => `${prefix}{sess}:${name}`;
    this.listing = { redis, key: this.key, windowMs: settings.windowMs };
    const { now: _now, ...constant } = JSON.parse(sessionScriptArgs(prefix, settings, 0)) as Record<string, unknown>;
    this.decisionHead = JSON.stringify(constant).slice(0, -1);
    this.scripts = defineScripts<SessionScripts>(redis, {
      ...withKeys(1, {
        wtaSessionDecide: SESSION_DECISION_SCRIPT,
        wtaSessionEnd: SESSION_END_SCRIPT,
        wtaSessionRevoke: SESSION_REVOKE_SCRIPT,
        wtaSessionSweep: SESSION_SWEEP_SCRIPT,
        wtaSessionEnqueue: SESSION_ENQUEUE_SCRIPT,
      }),
      ...withKeys(2, { wtaQueueClaim: QUEUE_CLAIM_SCRIPT, wtaQueueSettle: QUEUE_SETTLE_SCRIPT }),
    });
  }

  private args(now: number, extra: Record<string, unknown>): string {
    return sessionScriptArgs(this.prefix, this.settings, now, extra);
  }

  /** The scripts' JSON for one decision of a stored token (its part is read from the record inside the script). */
  recordDecisionArgs(check: SessionCheck, consume: boolean, now: number): string {
    return decisionJson(this.decisionHead, check, consume, now);
  }

  /**
   * The scripts' JSON for one decision of a token that is no stored record (a JWT); `dl` (the write deadline, see
   * deadlineArg) for SESSION_DECISION_SCRIPT.
   */
  tokenDecisionArgs({ check, token }: SessionPart, consume: boolean, now: number, extra?: { dl: string }): string {
    // No viewer id and no limit of its own are left out, as the settings' defaults (sessionScriptArgs).
    const tail = `${member('tid', token.id)}${member('vid', token.viewerId || undefined)}${member('mvs', token.maxViewerSessions || undefined)}${member('exp', token.expiresAt)}${member('dl', extra?.dl)}`;
    return decisionJson(this.decisionHead, check, consume, now, tail);
  }

  /** Tells onOutcome what a composed script's session part did ('' = nothing). */
  report(outcome: string): void {
    if (outcome !== '') this.onOutcome?.(parseSessionOutcome('', outcome));
  }

  async decide(check: SessionCheck, token: SessionToken, consume: boolean, now: number, writeDeadline?: number): Promise<SessionOutcome> {
    const args = this.tokenDecisionArgs({ check, token }, consume, now, { dl: deadlineArg(writeDeadline) });
    const reply = (await this.scripts.wtaSessionDecide(this.key('d'), args)) as [string, string];
    if (reply[0] === PAST_DEADLINE) throw new PastDeadlineError();
    const outcome = parseSessionOutcome(String(reply[0]), String(reply[1]));
    this.onOutcome?.(outcome);
    return outcome;
  }

  list(...args: Parameters<SessionRegistry['list']>): ReturnType<SessionRegistry['list']> {
    return listLiveSessions(this.listing, ...args);
  }

  streams(...args: Parameters<SessionRegistry['streams']>): ReturnType<SessionRegistry['streams']> {
    return streamCounts(this.listing, ...args);
  }

  async end(id: string, cause: SessionEndCause, now: number): Promise<string | undefined> {
    const tokenId = await this.scripts.wtaSessionEnd(this.key('d'), this.args(now, { end: { id, cause } }));
    return typeof tokenId === 'string' && tokenId !== '' ? tokenId : undefined;
  }

  /**
   * token.exhausted, for a decision that took a token's last use outside a script of the registry's (Redis Cluster;
   * elsewhere the decision script queues it). Never rejects: the use is taken whatever happens here, so a failure
   * goes to onEventLost and the decision stands.
   */
  async tokenExhausted(tokenId: string, maxUses: number, now: number): Promise<void> {
    // sessEnqueue would drop it too; not configured, it costs no round trip.
    if (!this.settings.events.includes('token.exhausted')) return;
    try {
      await this.enqueue(`evt_${tokenId}_exhausted`, 'token.exhausted', { tokenId, maxUses, at: now }, now);
    } catch (error) {
      this.onEventLost?.('token.exhausted', tokenId, error);
    }
  }

  /** Queues one event unless an event with its id is queued already (sessEnqueue, which also applies WEBHOOK_EVENTS). */
  private async enqueue(id: string, type: WebhookEventType, data: Record<string, unknown>, now: number): Promise<void> {
    await this.scripts.wtaSessionEnqueue(this.key('q'), this.args(now, { event: { id, type, data } }));
  }

  async tokenRevoked(tokenId: string, now: number): Promise<number> {
    // Not configured, the event costs no round trip (sessEnqueue would drop it), and a failure loses nothing.
    if (this.settings.events.includes('token.revoked')) {
      try {
        await this.enqueue(`evt_${tokenId}_revoked`, 'token.revoked', { tokenId, revokedAt: now }, now);
      } catch (error) {
        // The revocation itself is stored already; the caller reports that the sessions were not ended.
        this.onEventLost?.('token.revoked', tokenId, error);
        throw error;
      }
    }
    // The token's own set of live sessions (kept by the scripts that start and end them), in batches: a revocation
    // costs what the token's sessions cost, not a read of every session in the registry.
    let ended = 0;
    for (;;) {
      const [count, taken] = (await this.scripts.wtaSessionRevoke(this.key('d'), this.args(now, { tid: tokenId, n: REVOKE_BATCH }))) as [number, number];
      ended += count;
      if (taken < REVOKE_BATCH) return ended;
    }
  }

  async sweep(now: number, max: number): Promise<number> {
    return Number(await this.scripts.wtaSessionSweep(this.key('seen'), this.args(now, { n: max })));
  }

  async activeCount(now: number): Promise<number> {
    return this.redis.zcount(this.key('seen'), `(${now - this.settings.windowMs}`, '+inf');
  }

  async queueDepth(): Promise<number> {
    return this.redis.zcard(this.key('q'));
  }

  async claim(now: number, max: number, leaseMs: number): Promise<QueuedEvent[]> {
    const reply = (await this.scripts.wtaQueueClaim(this.key('q'), this.key('qd'), String(now), String(max), String(leaseMs))) as string[];
    return reply.map((text) => JSON.parse(text) as QueuedEvent);
  }

  async settle(id: string, next: QueuedEvent | undefined, dueAt: number): Promise<void> {
    await this.scripts.wtaQueueSettle(this.key('q'), this.key('qd'), id, next === undefined ? '' : JSON.stringify(next), String(dueAt));
  }
}

type SessionScripts = {
  wtaSessionDecide(key: string, args: string): Promise<unknown>;
  wtaSessionEnd(key: string, args: string): Promise<unknown>;
  wtaSessionRevoke(key: string, args: string): Promise<unknown>;
  wtaSessionSweep(key: string, args: string): Promise<unknown>;
  wtaSessionEnqueue(key: string, args: string): Promise<unknown>;
  wtaQueueClaim(queue: string, data: string, now: string, max: string, leaseMs: string): Promise<unknown>;
  wtaQueueSettle(queue: string, data: string, id: string, next: string, dueAt: string): Promise<unknown>;
};
