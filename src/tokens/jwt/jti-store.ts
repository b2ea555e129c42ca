import { sha256Hex } from '../../shared/secrets.js';
import type { SessionPart, SessionRefusal } from '../sessions/session-registry.js';

/** What the denylist (and, when asked, the viewer session registry) says about one jti for one request. */
export type JtiState = 'ok' | 'revoked' | 'used' | SessionRefusal;

export interface JtiUse {
  /** The token is one-time (`once` claim): the first viewer session to use it owns it. */
  once: boolean;
  /** Whether this request may claim a one-time token (false for dry runs and validity-only checks). */
  consume: boolean;
  /** The viewer session asking; the owner of a one-time token may come back (WCS retries, playlist reloads). */
  sessionId: string;
  /** When the state may be forgotten (ms): the token's exp plus the clock skew, after which it is refused anyway. */
  keepUntil: number;
  /** The service's clock (ms): state whose keepUntil is at or before it is gone, in every store alike. */
  now: number;
  /**
   * Wall-clock ms from which a one-time token may no longer be claimed (see AccessRequest.writeDeadline): a claim
   * at or after it writes nothing and rejects with PastDeadlineError. Absent: no deadline.
   */
  writeDeadline?: number | undefined;
  /**
   * The live session registry's part of the decision, decided with the jti in the same atomic step (one round trip
   * with Redis outside Cluster): a request refused for its session claims nothing, and one refused for its jti
   * records no session. Absent: the registry is not involved. Only for a store built with the registry.
   */
  session?: SessionPart | undefined;
}

/**
 * State kept per JWT id: revocations (a denylist) and the owner of one-time tokens. Both forget a jti once its
 * token has expired. Every implementation answers check() in one round trip (outside Redis Cluster).
 */
export interface JtiStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Revoked? Else, for a one-time token, claims it for `sessionId` (when allowed to) or says it is used; with
   * `use.session`, also the session's refusal, or its start or continuation when everything allows it.
   */
  check(jti: string, use: JtiUse): Promise<JtiState>;
  /** Puts a jti on the denylist until `keepUntil` (ms). Resolves true when it was not revoked before. */
  revoke(jti: string, revokedAt: number, keepUntil: number): Promise<boolean>;
  close(): Promise<void>;
}

/** jti values come from token issuers: hashed, they make keys of a fixed, harmless shape. */
export function jtiKeyPart(jti: string): string {
  return sha256Hex(jti);
}

/** How many jtis' keys a JtiKeys keeps, and the longest jti kept. */
const JTI_KEYS_KEPT = 4096;
const JTI_KEPT_MAX_LENGTH = 128;

/**
 * The keys of the jtis seen lately (`keyOf(jti)`, built on jtiKeyPart): a JWT is checked on every request of its
 * session (segments, reloads), and each key costs a SHA-256 (issue 15). Bounded: emptied when full, and only short
 * jtis are kept.
 */
export class JtiKeys {
  private readonly keys = new Map<string, string>();

  constructor(private readonly keyOf: (jti: string) => string) {}

  of(jti: string): string {
    let key = this.keys.get(jti);
    if (key === undefined) {
      key = this.keyOf(jti);
      if (jti.length <= JTI_KEPT_MAX_LENGTH) {
        if (this.keys.size >= JTI_KEYS_KEPT) this.keys.clear();
        this.keys.set(jti, key);
      }
    }
    return key;
  }
}
