import type { Clock } from '../shared/clock.js';
import { ExpirySchedule } from '../shared/expiry-schedule.js';
import type { IdempotencyClaim, IdempotencyStore } from './idempotency-store.js';

interface Entry {
  fingerprint: string;
  owner: string | null;
  sealed: string | null;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;
/** Sealed answers kept at most (a batch of 1000 is about 1 MB); past it the oldest go first. */
const MEMORY_IDEMPOTENCY_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The idempotency entries of a single instance (TOKEN_STORE=memory): lost on restart and not shared, like its
 * tokens. Bounded in bytes: when full, the oldest answers are forgotten first (a retry of one of those issues again).
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly sweeper: NodeJS.Timeout;
  /** Ids by their `expiresAt`: the sweep visits only those whose time has come. */
  private readonly expiring = new ExpirySchedule<string>(SWEEP_INTERVAL_MS);

  constructor(
    private readonly clock: Clock,
    private readonly maxBytes = MEMORY_IDEMPOTENCY_MAX_BYTES,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  // Synchronous between reading and writing, so two claims never both win, as with the Redis script.
  async claim(id: string, fingerprint: string, owner: string, pendingMs: number): Promise<IdempotencyClaim> {
    const entry = this.live(id);
    if (entry?.sealed != null) return { kind: 'done', fingerprint: entry.fingerprint, sealed: entry.sealed };
    if (entry) return { kind: 'pending', fingerprint: entry.fingerprint };
    this.keep(id, { fingerprint, owner, sealed: null, expiresAt: this.clock.now() + pendingMs });
    return { kind: 'claimed' };
  }

  async complete(id: string, owner: string, sealed: string, keepMs: number): Promise<boolean> {
    const entry = this.live(id);
    if (!entry || entry.owner !== owner) return false;
    // Re-inserted so that the Map's order stays the order answers were stored in (oldest first for eviction).
    this.entries.delete(id);
    this.keep(id, { fingerprint: entry.fingerprint, owner: null, sealed, expiresAt: this.clock.now() + keepMs });
    this.bytes += sealed.length;
    this.evict();
    return true;
  }

  async release(id: string, owner: string): Promise<void> {
    if (this.live(id)?.owner === owner) this.entries.delete(id);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.remove(id, entry);
      return undefined;
    }
    return entry;
  }

  private remove(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.bytes -= entry.sealed?.length ?? 0;
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      if (entry.sealed !== null) this.remove(id, entry);
    }
  }

  private keep(id: string, entry: Entry): void {
    this.entries.set(id, entry);
    this.expiring.add(id, entry.expiresAt);
  }

  private sweep(): void {
    this.expiring.takeDue(this.clock.now(), (id) => this.live(id));
  }
}
