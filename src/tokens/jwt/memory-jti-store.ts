import type { Clock } from '../../shared/clock.js';
import { PastDeadlineError } from '../token-store.js';
import { jtiKeyPart, type JtiState, type JtiStore, type JtiUse } from './jti-store.js';

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
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  // Synchronous between reading and writing, so a one-time token has exactly one owner, as with the Redis script.
  async check(jti: string, use: JtiUse): Promise<JtiState> {
    const key = jtiKeyPart(jti);
    const entry = this.live(key, use.now);
    if (entry?.revokedAt != null) return 'revoked';
    if (!use.once) return 'ok';
    if (entry?.session != null) return entry.session === use.sessionId ? 'ok' : 'used';
    if (use.consume) {
      if (use.writeDeadline !== undefined && Date.now() >= use.writeDeadline) throw new PastDeadlineError();
      this.entries.set(key, { revokedAt: null, session: use.sessionId, keepUntil: Math.max(entry?.keepUntil ?? 0, use.keepUntil) });
    }
    return 'ok';
  }

  async revoke(jti: string, revokedAt: number, keepUntil: number): Promise<boolean> {
    const key = jtiKeyPart(jti);
    const entry = this.live(key, revokedAt);
    const fresh = entry?.revokedAt == null;
    this.entries.set(key, {
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

  private sweep(): void {
    for (const key of this.entries.keys()) this.live(key);
  }
}
