import type { Clock } from '../../shared/clock.js';
import type { MemorySessionRegistry } from '../sessions/memory-session-registry.js';
import { ExpirySchedule } from '../../shared/expiry-schedule.js';
import { isPastDeadline, PastDeadlineError } from '../token-store.js';
import { JtiKeys, jtiKeyPart, type JtiState, type JtiStore, type JtiUse } from './jti-store.js';

interface JtiEntry {
  revokedAt: number | null;
  session: string | null;
  keepUntil: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/** The jti state of a single instance (TOKEN_STORE=memory): lost on restart and not shared, like its tokens. */
export class MemoryJtiStore implements JtiStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, JtiEntry>();
  /** Entries are keyed by the jti's SHA-256, as in Redis. */
  private readonly keys = new JtiKeys(jtiKeyPart);
  private readonly sweeper: NodeJS.Timeout;
  /** Keys by their `keepUntil`: the sweep visits only those whose time has come. */
  private readonly expiring = new ExpirySchedule<string>(SWEEP_INTERVAL_MS);

  constructor(
    private readonly clock: Clock,
    /** The memory store's live session registry, for decisions that carry a session part. */
    private readonly sessions?: MemorySessionRegistry,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  // Synchronous from reading to writing, so a one-time token has exactly one owner and the session part is one
  // step with the jti, as with the Redis script: checks first, then the claim and the session, or nothing.
  async check(jti: string, use: JtiUse): Promise<JtiState> {
    const registry = use.session && this.sessions;
    if (use.session && !registry) throw new Error('this jti store was built without the session registry');
    const key = this.keys.of(jti);
    const entry = this.live(key, use.now);
    if (entry?.revokedAt != null) return 'revoked';
    if (use.once && entry?.session != null && entry.session !== use.sessionId) return 'used';
    const claim = use.once && entry?.session == null && use.consume;
    const refusal = use.session && registry ? registry.check(use.session.check, use.session.token, use.consume, use.now) : null;
    if (refusal) return refusal;
    const records = registry !== undefined && use.consume;
    if ((claim || records) && isPastDeadline(use.writeDeadline)) throw new PastDeadlineError();
    if (claim) this.keep(key, { revokedAt: null, session: use.sessionId, keepUntil: Math.max(entry?.keepUntil ?? 0, use.keepUntil) });
    if (records && use.session) registry?.commit(use.session.token, use.now, 0, 0);
    return 'ok';
  }

  async revoke(jti: string, revokedAt: number, keepUntil: number): Promise<boolean> {
    const key = jtiKeyPart(jti);
    const entry = this.live(key, revokedAt);
    const fresh = entry?.revokedAt == null;
    this.keep(key, {
      revokedAt: entry?.revokedAt ?? revokedAt,
      session: entry?.session ?? null,
      keepUntil: Math.max(entry?.keepUntil ?? 0, keepUntil),
    });
    return fresh;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(key: string, now = this.clock.now()): JtiEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.keepUntil <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private keep(key: string, entry: JtiEntry): void {
    this.entries.set(key, entry);
    this.expiring.add(key, entry.keepUntil);
  }

  private sweep(): void {
    this.expiring.takeDue(this.clock.now(), (key) => this.live(key));
  }
}
