import type { Clock } from '../shared/clock.js';
import type { TokenRecord } from './token-record.js';
import type { TokenStore } from './token-store.js';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * In-process store: the embedded default, for trying the service and for single-instance setups that can lose
 * their tokens on restart. Records are copied in and out so callers cannot change stored state by accident.
 */
export class MemoryTokenStore implements TokenStore {
  readonly kind = 'memory';
  private readonly byHash = new Map<string, TokenRecord>();
  private readonly hashById = new Map<string, string>();
  private readonly sweeper: NodeJS.Timeout;

  /** @param retentionMs how long a record is kept after it expires, so decisions can still say `expired`. */
  constructor(
    private readonly clock: Clock,
    private readonly retentionMs = 0,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async create(tokenHash: string, record: TokenRecord): Promise<void> {
    if (this.byHash.has(tokenHash) || this.hashById.has(record.id)) throw new Error('token already exists');
    this.byHash.set(tokenHash, structuredClone(record));
    this.hashById.set(record.id, tokenHash);
  }

  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    const record = this.live(tokenHash);
    return record && structuredClone(record);
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const hash = this.hashById.get(id);
    const record = hash === undefined ? undefined : this.live(hash);
    return record && structuredClone(record);
  }

  async revoke(id: string, revokedAt: number): Promise<TokenRecord | undefined> {
    const hash = this.hashById.get(id);
    const record = hash === undefined ? undefined : this.live(hash);
    if (!record) return undefined;
    record.revokedAt ??= revokedAt;
    return structuredClone(record);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Mirrors Redis key expiry: a record past `expiresAt` + retention is gone. */
  private live(hash: string): TokenRecord | undefined {
    const record = this.byHash.get(hash);
    if (record && record.expiresAt + this.retentionMs <= this.clock.now()) {
      this.byHash.delete(hash);
      this.hashById.delete(record.id);
      return undefined;
    }
    return record;
  }

  private sweep(): void {
    for (const hash of this.byHash.keys()) this.live(hash);
  }
}
