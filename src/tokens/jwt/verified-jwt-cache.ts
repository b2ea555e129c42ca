import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../../shared/secrets.js';
import type { JwtAlgorithm } from './jwt-algorithms.js';
import type { JwtClaims } from './jwt-claims.js';
import type { JwtKey } from './jwt-key.js';

/** A token whose signature and claims were checked: what a later request with the same token can skip. */
export interface VerifiedJwt {
  /** The key that verified the signature: the entry counts only while the same key is still the one found. */
  key: JwtKey;
  kid: string | undefined;
  alg: JwtAlgorithm;
  claims: JwtClaims;
  tokenId: string;
}

/**
 * Signature checks of tokens that verified, keyed by the token's SHA-256 (never the token). A viewer's player
 * presents the same JWT on every playlist reload; an ES256 or RS256 check costs more than the rest of the decision,
 * so it is made once per token and key. What a hit still checks, every time: that the key which verified it is still
 * the one configured for its kid (a removed or rotated key ends every entry it verified), the time claims (nbf, exp,
 * iat), and everything after authentication (grant, IP, the jti state in the store). Refusals are never cached.
 * Bounded: past `maxEntries` the least recently stored entry goes (reads do not refresh an entry: `peek`).
 */
export class VerifiedJwtCache {
  /** undefined when the cache is off (`maxEntries` 0): LRUCache needs a positive bound. */
  private readonly entries: LRUCache<string, VerifiedJwt> | undefined;

  constructor(private readonly maxEntries: number) {
    this.entries = maxEntries > 0 ? new LRUCache({ max: maxEntries }) : undefined;
  }

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** The entry for this token, if any; pass the same fingerprint to `remember` or `forget`. */
  lookup(token: string): { fingerprint: string; entry: VerifiedJwt | undefined } {
    const id = sha256Hex(token);
    return { fingerprint: id, entry: this.entries?.peek(id) };
  }

  remember(fingerprintOfToken: string, entry: VerifiedJwt): void {
    this.entries?.set(fingerprintOfToken, entry);
  }

  forget(fingerprintOfToken: string): void {
    this.entries?.delete(fingerprintOfToken);
  }
}
