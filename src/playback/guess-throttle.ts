import type { FailureLimiter, LimitKey } from '../abuse/failure-limiter.js';
import { sha256Hex } from '../shared/secrets.js';
import type { AccessRequest, TokenDenyReason } from '../tokens/token-verifier.js';

/**
 * Refusals that look like guessing or forging: a token nobody issued, or a JWT whose signature does not verify
 * (or that names an algorithm its key does not allow). Known tokens refused for scope or time (expired, wrong
 * stream, revoked, wrong audience) are not counted: their holders are real viewers, often many behind one address.
 * Neither is `unknown_key`: during a key rotation real tokens name a kid this instance has not fetched yet.
 */
const GUESS_REASONS: ReadonlySet<TokenDenyReason> = new Set([
  'unknown_token',
  'malformed_token',
  'invalid_signature',
  'algorithm_not_allowed',
]);

export interface GuessThrottleLimits {
  /** Failed guesses allowed per client IP in a window; 0 = no per-IP limit. */
  maxPerIp: number;
  /** Failed guesses allowed per stream in a window, from any address; 0 = no per-stream limit. */
  maxPerStream: number;
}

/**
 * Brute-force throttling of token guesses. Once a client IP (or a stream) has had `max` unknown-token refusals in
 * the window, its requests are refused with reason `throttled` before any token lookup, whatever token they carry.
 * Keys hold SHA-256 prefixes of the IP and stream, never the values themselves.
 */
export class GuessThrottle {
  constructor(
    private readonly limiter: FailureLimiter,
    private readonly limits: GuessThrottleLimits,
  ) {}

  get enabled(): boolean {
    return this.limits.maxPerIp > 0 || this.limits.maxPerStream > 0;
  }

  isThrottled(request: AccessRequest): Promise<boolean> {
    const keys = this.keysFor(request);
    return keys.length === 0 ? Promise.resolve(false) : this.limiter.isLimited(keys);
  }

  countsAsGuess(reason: TokenDenyReason): boolean {
    return GUESS_REASONS.has(reason);
  }

  recordGuess(request: AccessRequest): Promise<void> {
    const keys = this.keysFor(request);
    return keys.length === 0 ? Promise.resolve() : this.limiter.recordFailure(keys);
  }

  private keysFor(request: AccessRequest): LimitKey[] {
    const keys: LimitKey[] = [];
    if (this.limits.maxPerIp > 0 && request.clientIp !== undefined) {
      keys.push({ key: `g:ip:${sha256Hex(request.clientIp).slice(0, 32)}`, max: this.limits.maxPerIp });
    }
    if (this.limits.maxPerStream > 0 && request.stream !== undefined) {
      keys.push({ key: `g:s:${sha256Hex(request.stream).slice(0, 32)}`, max: this.limits.maxPerStream });
    }
    return keys;
  }
}
