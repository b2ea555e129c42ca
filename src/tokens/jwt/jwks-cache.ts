import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { algorithmsForKey, isJwtAlgorithm, keyWeakness, type JwtAlgorithm } from './jwt-algorithms.js';
import type { JwtKey } from './jwt-key.js';

export interface JwksOptions {
  url: string;
  /** Operator allow-list (JWT_JWKS_ALGORITHMS), intersected with what each key's type allows. */
  algorithms: readonly JwtAlgorithm[];
  refreshIntervalSeconds: number;
  /** At most one fetch per this many seconds is caused by unknown `kid`s (JWT_JWKS_MIN_REFETCH_INTERVAL_SECONDS). */
  minRefetchIntervalSeconds: number;
  fetchTimeoutMs: number;
}

export type JwksFetchTrigger = 'start' | 'refresh' | 'unknown_kid';
export type JwksFetchResult = 'ok' | 'error';

export interface JwksDeps {
  clock: Clock;
  logger: Logger;
  onFetch?(trigger: JwksFetchTrigger, result: JwksFetchResult, keyCount: number): void;
}

/** A key set larger than this is not a key set. */
const MAX_JWKS_BYTES = 512 * 1024;

class JwksFetchError extends Error {}

/** Turns one JWK into a verification key, or says why it is skipped (no key material is ever in the reason). */
export function keyFromJwk(jwk: Record<string, unknown>, allowed: readonly JwtAlgorithm[]): JwtKey | string {
  if (typeof jwk.kid !== 'string' && jwk.kid !== undefined) return 'kid is not a string';
  if (jwk.use !== undefined && jwk.use !== 'sig') return `use is "${String(jwk.use)}", not sig`;
  // A published private key is an incident at the provider; do not use it as if nothing happened.
  if (jwk.d !== undefined) return 'contains private key material';
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return `kty "${String(jwk.kty)}" is not RSA, EC or OKP`;
  let key;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return 'not a valid public key';
  }
  const fits = algorithmsForKey(key).filter((alg) => allowed.includes(alg));
  let algorithms: JwtAlgorithm[];
  if (jwk.alg === undefined) {
    algorithms = fits;
  } else {
    if (!isJwtAlgorithm(jwk.alg) || !fits.includes(jwk.alg)) return `alg "${String(jwk.alg)}" is not allowed for this key`;
    algorithms = [jwk.alg];
  }
  if (algorithms.length === 0) return 'no allowed algorithm fits this key';
  const weakness = keyWeakness(key, algorithms);
  if (weakness) return weakness;
  return { kid: jwk.kid as string | undefined, algorithms, key };
}

/**
 * Keys from an identity provider's JWKS URL: fetched at start, refreshed in the background, re-fetched when a token
 * names an unknown `kid` (a provider rotating its keys), and served from the last good copy while the provider is
 * down or answers garbage. Unknown-kid fetches are rate-limited so that tokens with random kids cannot make this
 * service hammer the provider; concurrent callers share one fetch.
 */
export class JwksCache {
  private byKid = new Map<string, JwtKey>();
  private keys: JwtKey[] = [];
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastGoodAt: number | undefined;
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: JwksOptions,
    private readonly deps: JwksDeps,
  ) {}

  /** First fetch and the background refresh. Never rejects: a provider that is down at start is retried later. */
  async start(): Promise<void> {
    await this.fetchKeys('start');
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.fetchKeys('refresh'), this.options.refreshIntervalSeconds * 1000).unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  find(kid: string): JwtKey | undefined {
    return this.byKid.get(kid);
  }

  keysFor(alg: JwtAlgorithm): JwtKey[] {
    return this.keys.filter((key) => key.algorithms.includes(alg));
  }

  /** When the last fetch that succeeded happened (clock ms), if any. */
  get lastSuccessAt(): number | undefined {
    return this.lastGoodAt;
  }

  /**
   * Called when a token names a kid we do not know. Joins a fetch in progress, or starts one unless the last fetch
   * began less than the minimum interval ago. Resolves whether a fetch succeeded; never rejects.
   */
  refetchForUnknownKid(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (this.deps.clock.now() - this.lastAttemptAt < this.options.minRefetchIntervalSeconds * 1000) return Promise.resolve(false);
    return this.fetchKeys('unknown_kid');
  }

  private fetchKeys(trigger: JwksFetchTrigger): Promise<boolean> {
    this.inFlight ??= this.fetchAndSwap(trigger).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchAndSwap(trigger: JwksFetchTrigger): Promise<boolean> {
    this.lastAttemptAt = this.deps.clock.now();
    const origin = new URL(this.options.url).origin;
    try {
      const document = await this.download();
      const keys: JwtKey[] = [];
      const skipped: string[] = [];
      for (const [index, jwk] of document.entries()) {
        const built = typeof jwk === 'object' && jwk !== null ? keyFromJwk(jwk as Record<string, unknown>, this.options.algorithms) : 'not an object';
        if (typeof built === 'string') skipped.push(`key ${index + 1}: ${built}`);
        else keys.push(built);
      }
      this.keys = keys;
      this.byKid = new Map(keys.flatMap((key) => (key.kid === undefined ? [] : [[key.kid, key] as const])));
      this.lastGoodAt = this.deps.clock.now();
      if (skipped.length > 0) this.deps.logger.warn({ event: 'jwks_keys_skipped', origin, skipped }, 'some JWKS keys were skipped');
      this.deps.logger.info({ event: 'jwks_fetched', origin, trigger, kids: [...this.byKid.keys()] }, 'JWKS fetched');
      this.deps.onFetch?.(trigger, 'ok', keys.length);
      return true;
    } catch (error) {
      // The previous keys stay in use: a provider outage must not lock out viewers whose tokens are still valid.
      this.deps.logger.warn(
        { event: 'jwks_fetch_failed', origin, trigger, problem: (error as Error).message, servingLastGoodCopy: this.lastGoodAt !== undefined },
        'JWKS fetch failed',
      );
      this.deps.onFetch?.(trigger, 'error', this.keys.length);
      return false;
    }
  }

  private async download(): Promise<unknown[]> {
    const response = await fetch(this.options.url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new JwksFetchError(`status ${response.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > MAX_JWKS_BYTES) throw new JwksFetchError(`larger than ${MAX_JWKS_BYTES} bytes`);
      chunks.push(chunk);
    }
    let document: unknown;
    try {
      document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new JwksFetchError('not JSON');
    }
    const keys = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new JwksFetchError('no "keys" array');
    return keys;
  }
}
