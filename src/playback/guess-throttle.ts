import { FailureGate, type GateTicket } from '../abuse/failure-gate.js';
import type { FailureLimiter, LimitKey } from '../abuse/failure-limiter.js';
import { canonicalIp } from '../shared/ip-address.js';
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

/** What the throttle keys a request by: the access request, plus the TCP peer for a hook body without an address. */
export type ThrottledRequest = Pick<AccessRequest, 'clientIp' | 'stream'> & {
  /**
   * The caller's TCP peer, in any spelling (node's `req.socket.remoteAddress`). Used when the request names no
   * viewer address (a hook body without `sessionId`): such guesses are counted per peer, so leaving the address
   * out does not escape the limit.
   */
  peerAddress?: string | undefined;
};

/** How many hashed keys a throttle keeps (the last ones seen); past it the cache starts again from empty. */
const KEY_CACHE_MAX = 4096;

/**
 * Brute-force throttling of token guesses. Once a client IP (or a stream) has had `max` unknown-token refusals in
 * the window, its requests are refused with reason `throttled` before any token lookup, whatever token they carry.
 * Lookups go through a FailureGate, so parallel guesses cannot outrun the count: at most `max` of them get a
 * lookup. Addresses are keyed in their canonical form (canonicalIp), so every spelling of one address is one
 * client. Keys hold SHA-256 prefixes of the IP and stream, never the values themselves.
 */
export class GuessThrottle {
  private readonly gate: FailureGate;
  /**
   * kind → value → its frozen LimitKey. A key is two SHA-256 hashes per decision otherwise, for the same few
   * addresses and streams again and again (a viewer's playlist reloads); the cache holds nothing the keys do
   * not (addresses and stream names are no secrets), and a caller rotating values only makes it start again.
   */
  private readonly keyCache = { peer: new Map<string, LimitKey>(), ip: new Map<string, LimitKey>(), s: new Map<string, LimitKey>() };

  constructor(
    limiter: FailureLimiter,
    private readonly limits: GuessThrottleLimits,
  ) {
    this.gate = new FailureGate(limiter);
  }

  get enabled(): boolean {
    return this.limits.maxPerIp > 0 || this.limits.maxPerStream > 0;
  }

  /**
   * Room for one lookup, or 'throttled'. The ticket must be finished with whether the lookup was a guess
   * (countsAsGuess); finishing with true records it.
   */
  async admit(request: ThrottledRequest): Promise<GateTicket | 'throttled'> {
    const ticket = await this.gate.admit(this.keysFor(request));
    return ticket === 'limited' ? 'throttled' : ticket;
  }

  /**
   * `admit` answered without yielding, or undefined when it cannot be (FailureGate.admitNow): the ticket must be
   * finished before the caller yields.
   */
  admitNow(request: ThrottledRequest): GateTicket | 'throttled' | undefined {
    const ticket = this.gate.admitNow(this.keysFor(request));
    return ticket === 'limited' ? 'throttled' : ticket;
  }

  /**
   * `admit` answered without yielding when the gate can (FailureGate.admitHeld), else undefined (then `admit`): the
   * ticket holds its place in flight until finished, so the lookup may wait for the store.
   */
  admitHeld(request: ThrottledRequest): GateTicket | 'throttled' | undefined {
    const ticket = this.gate.admitHeld(this.keysFor(request));
    return ticket === 'limited' ? 'throttled' : ticket;
  }

  countsAsGuess(reason: TokenDenyReason): boolean {
    return GUESS_REASONS.has(reason);
  }

  private keysFor(request: ThrottledRequest): LimitKey[] {
    const keys: LimitKey[] = [];
    // The viewer address is canonical already (clientIpFromSessionId, proxiedClientIp): only the raw TCP peer,
    // used when there is none, is put in canonical form here, so a decision parses its address once.
    const viewer = request.clientIp;
    const address = viewer === undefined ? canonicalIp(request.peerAddress) : viewer;
    if (this.limits.maxPerIp > 0 && address !== undefined) {
      // A peer is keyed apart from viewer addresses: WCS's own address must not share a budget with a viewer's.
      keys.push(this.limitKey(viewer === undefined ? 'peer' : 'ip', address, this.limits.maxPerIp));
    }
    if (this.limits.maxPerStream > 0 && request.stream !== undefined) {
      keys.push(this.limitKey('s', request.stream, this.limits.maxPerStream));
    }
    return keys;
  }

  /** `{ key: g:<kind>:<first 32 hex digits of SHA-256(value)>, max }`, from the cache when it was made before. */
  private limitKey(kind: 'peer' | 'ip' | 's', value: string, max: number): LimitKey {
    const cache = this.keyCache[kind];
    let found = cache.get(value);
    if (found === undefined) {
      const { peer, ip, s } = this.keyCache;
      // One map per kind (no `kind:value` string per lookup); the bound is on the three together.
      if (peer.size + ip.size + s.size >= KEY_CACHE_MAX) {
        peer.clear();
        ip.clear();
        s.clear();
      }
      found = Object.freeze({ key: `g:${kind}:${sha256Hex(value).slice(0, 32)}`, max });
      cache.set(value, found);
    }
    return found;
  }
}
