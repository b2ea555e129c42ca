import { LRUCache } from 'lru-cache';
import type { Clock } from '../shared/clock.js';
import { sha256Hex } from '../shared/secrets.js';
import type { AccessRequest, TokenKind } from '../tokens/token-verifier.js';
import { viewerSessionKey } from '../tokens/viewer-session.js';

export interface CachedAllow {
  tokenId: string;
  kind: TokenKind;
  headers: Readonly<Record<string, string>>;
}

interface Entry extends CachedAllow {
  expiresAt: number;
}

export interface DecisionCacheOptions {
  ttlMs: number;
  maxEntries: number;
  clock: Clock;
  /** Told the number of entries after each change (for the entries gauge). */
  onSizeChange?: (size: number) => void;
}

/**
 * Recent allow decisions, for STORE_FAILURE_POLICY=cached: while the store is down, a viewer who was allowed a
 * moment ago for the same stream and application is allowed again; everybody else is refused. It is consulted only
 * when the store fails, so it never overrides what the store says.
 *
 * Keys are a SHA-256 over (SHA-256 of the token, stream, appKey, action, viewer session): neither the token nor
 * unbounded stream names are kept. Bounded in size (least recently stored goes first) and in time (the shorter of the TTL and the token's own
 * expiry). A revocation removes every entry of the token (see revocation-channel.ts for other instances).
 */
export class DecisionCache {
  /** Least recently stored first (reads `peek`). Every removal, eviction included, leaves the token index. */
  private readonly entries: LRUCache<string, Entry>;
  private readonly keysByToken = new Map<string, Set<string>>();

  constructor(private readonly options: DecisionCacheOptions) {
    this.entries = new LRUCache<string, Entry>({
      max: options.maxEntries,
      dispose: (entry, key) => this.unindex(entry.tokenId, key),
    });
  }

  get size(): number {
    return this.entries.size;
  }

  remember(token: string, request: AccessRequest, allow: CachedAllow & { validUntil?: number | undefined }): void {
    const key = cacheKey(token, request);
    const expiresAt = Math.min(this.options.clock.now() + this.options.ttlMs, allow.validUntil ?? Number.POSITIVE_INFINITY);
    // Storing again makes the entry the newest; the replaced one leaves its token's index (dispose) first.
    this.entries.set(key, { tokenId: allow.tokenId, kind: allow.kind, headers: allow.headers, expiresAt });
    let keys = this.keysByToken.get(allow.tokenId);
    if (!keys) this.keysByToken.set(allow.tokenId, (keys = new Set()));
    keys.add(key);
    this.options.onSizeChange?.(this.entries.size);
  }

  recall(token: string, request: AccessRequest): CachedAllow | undefined {
    const key = cacheKey(token, request);
    const entry = this.entries.peek(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.options.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { tokenId: entry.tokenId, kind: entry.kind, headers: entry.headers };
  }

  /** The store refused this token for this request: it must not be allowed from the cache later. */
  forget(token: string, request: AccessRequest): void {
    this.entries.delete(cacheKey(token, request));
  }

  /** Removes every entry of a token (revoked, disabled, changed). Returns how many there were. */
  invalidateToken(tokenId: string): number {
    const keys = this.keysByToken.get(tokenId);
    if (!keys) return 0;
    const count = keys.size;
    for (const key of [...keys]) this.entries.delete(key);
    this.options.onSizeChange?.(this.entries.size);
    return count;
  }

  /** Drops everything; returns how many entries there were. */
  clear(): number {
    const count = this.entries.size;
    this.entries.clear();
    this.keysByToken.clear();
    this.options.onSizeChange?.(0);
    return count;
  }

  private unindex(tokenId: string, key: string): void {
    const keys = this.keysByToken.get(tokenId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByToken.delete(tokenId);
  }
}

/**
 * The viewer session (as the store counts it: mediaSessionId, else client IP + stream) is part of the key: a
 * one-time or use-limited token is valid again only for a session that already used it, and the cache must not
 * answer more generously than the store would. For other tokens this only means that a viewer who starts a new
 * session during an outage is refused.
 */
function cacheKey(token: string, request: AccessRequest): string {
  return sha256Hex(JSON.stringify([sha256Hex(token), request.stream ?? null, request.appKey ?? null, request.action, viewerSessionKey(request)]));
}
