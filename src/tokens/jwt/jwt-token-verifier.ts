import jwt, { type Algorithm } from 'jsonwebtoken';
import type { Clock } from '../../shared/clock.js';
import { deepFreeze } from '../../shared/deep-freeze.js';
import { sha256Hex } from '../../shared/secrets.js';
import { checkGrant } from '../grant.js';
import type { AccessRequest, TokenDenyReason, TokenVerifier, Verdict } from '../token-verifier.js';
import { IpRangeList, normalizeIp } from '../../shared/ip-address.js';
import { decodePayload, parseCompactJws, verifyEdDsa, type CompactJws } from './compact-jws.js';
import type { JtiStore } from './jti-store.js';
import type { JwksCache } from './jwks-cache.js';
import { isJwtAlgorithm, type JwtAlgorithm } from './jwt-algorithms.js';
import { checkClaims, claimTimeReason, grantFromClaims, type ClaimPolicy, type JwtClaims } from './jwt-claims.js';
import type { JwtKey } from './jwt-key.js';
import type { KeyRing } from './key-ring.js';
import type { VerifiedJwtCache } from './verified-jwt-cache.js';
import { isSessionRefusal, type SessionRegistry } from '../sessions/session-registry.js';
import { checkJwtState } from './jwt-state-check.js';

export interface JwtVerifierOptions extends ClaimPolicy {
  /** How long a decision waits for a JWKS re-fetch caused by an unknown kid (below STORE_TIMEOUT_MS). */
  unknownKidWaitMs: number;
  /** Response header that carries the `vid` claim; null = not passed on. */
  viewerIdHeader: string | null;
}

export interface JwtVerifierDeps {
  keys: Pick<KeyRing, 'find' | 'keysFor'>;
  jwks: Pick<JwksCache, 'find' | 'keysFor' | 'refetchForUnknownKid'> | undefined;
  jtis: Pick<JtiStore, 'check'>;
  clock: Clock;
  options: JwtVerifierOptions;
  /** Tokens verified before, whose signature check can be skipped; absent = every request checks it. */
  verified?: VerifiedJwtCache;
  /**
   * Live sessions across tokens (per-viewer limit, kick); absent = not consulted. A token with a `jti` has its
   * session decided by `jtis` in the same step, so `jtis` must be built with the same registry.
   */
  sessions?: Pick<SessionRegistry, 'decide'> | undefined;
  /** Told, when the cache is on, whether each authentication found its token there. */
  onVerifiedCacheLookup?(hit: boolean): void;
}


type Authenticated = { ok: true; claims: JwtClaims; tokenId: string } | { ok: false; reason: TokenDenyReason; tokenId: string | null };

const refuse = (reason: TokenDenyReason, tokenId: string | null = null): Verdict => ({ valid: false, kind: 'jwt', tokenId, reason });

function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).then(() => clearTimeout(timer));
}

/**
 * Verifies a JWT and decides a request from its claims: parse the header → pick the key by kid (the JWKS is
 * re-fetched once for an unknown kid) → the key's algorithm list must contain the header's alg → signature
 * (jsonwebtoken; EdDSA by node:crypto) → claims, the time window first → the Grant checks shared with opaque
 * tokens → allowed IPs → the jti state and the viewer session, the only store round trip, made only for a token
 * that passed everything else (so a refused request consumes nothing).
 */
export class JwtTokenVerifier implements TokenVerifier {
  constructor(private readonly deps: JwtVerifierDeps) {}

  async verify(token: string, request: AccessRequest): Promise<Verdict> {
    const { options, clock } = this.deps;
    const now = clock.now();
    const authenticated = await this.authenticate(token, Math.floor(now / 1000));
    if (!authenticated.ok) return refuse(authenticated.reason, authenticated.tokenId);
    const { claims, tokenId } = authenticated;

    const clientIp = request.clientIp === undefined ? undefined : normalizeIp(request.clientIp);
    const reason = checkGrant(grantFromClaims(claims, options.clockSkewSeconds), request, now, clientIp);
    if (reason) return refuse(reason, tokenId);
    if (claims.allowedIps && (clientIp === undefined || !ipRulesOf(claims, claims.allowedIps).includes(clientIp))) {
      return refuse('ip_not_allowed', tokenId);
    }

    // May reject when the store fails: authorizePlayback turns that into STORE_FAILURE_POLICY.
    const stateReason = await checkJwtState(this.deps, claims, tokenId, clientIp?.text, request, now);
    // A refusal for the viewer session names the viewer in the decision log.
    if (stateReason) return { ...refuse(stateReason, tokenId), ...(isSessionRefusal(stateReason) ? { viewerId: claims.vid } : {}) };

    const headers: Record<string, string> = { ...claims.headers };
    if (options.viewerIdHeader !== null && claims.vid !== undefined) headers[options.viewerIdHeader] = claims.vid;
    return { valid: true, kind: 'jwt', tokenId, headers, viewerId: claims.vid };
  }

  /**
   * Everything that needs no store. Never throws: an unexpected error here must be a refusal, not a failure policy.
   * A token that passed before with a key that is still the configured one skips the signature and claim checks
   * except the time claims (see VerifiedJwtCache).
   */
  private async authenticate(token: string, nowSeconds: number): Promise<Authenticated> {
    const cache = this.deps.verified?.enabled ? this.deps.verified : undefined;
    const cached = cache?.lookup(token);
    const hit = cached?.entry;
    if (cached && hit) {
      // The same key object: not removed, not replaced by a reload or a JWKS refresh, same algorithm list.
      const reason = this.currentKey(hit.kid, hit.alg) === hit.key ? claimTimeReason(hit.claims, this.deps.options.clockSkewSeconds, nowSeconds) : 'unknown_key';
      if (reason === null) {
        this.deps.onVerifiedCacheLookup?.(true);
        return { ok: true, claims: hit.claims, tokenId: hit.tokenId };
      }
      // Expired since, or its key was removed or replaced: the full check below gives the answer and its reason.
      cache?.forget(cached.fingerprint);
    }
    if (cache) this.deps.onVerifiedCacheLookup?.(false);
    const authenticated = await this.authenticateFully(token, nowSeconds);
    if (cache && cached && authenticated.ok) cache.remember(cached.fingerprint, { ...authenticated.verified, claims: authenticated.claims, tokenId: authenticated.tokenId });
    return authenticated;
  }

  private async authenticateFully(
    token: string,
    nowSeconds: number,
  ): Promise<(Authenticated & { ok: false }) | (Authenticated & { ok: true; verified: { key: JwtKey; kid: string | undefined; alg: JwtAlgorithm } })> {
    try {
      const jws = parseCompactJws(token);
      if (!jws) return { ok: false, reason: 'malformed_token', tokenId: null };
      const { alg, kid, crit } = jws.header;
      // No header extension is understood here, so a token that requires one must be refused (RFC 7515 §4.1.11).
      if (crit !== undefined || (kid !== undefined && typeof kid !== 'string')) return { ok: false, reason: 'malformed_token', tokenId: null };
      if (!isJwtAlgorithm(alg)) return { ok: false, reason: 'algorithm_not_allowed', tokenId: null };
      const key = await this.findKey(kid, alg);
      if (!key) return { ok: false, reason: 'unknown_key', tokenId: null };
      // The key's configured list decides, never the token: `alg` only has to be one of them.
      if (!key.algorithms.includes(alg)) return { ok: false, reason: 'algorithm_not_allowed', tokenId: null };

      const payload = this.verifySignature(token, jws, key, alg);
      if (!payload.ok) return payload;
      const tokenId = this.tokenIdOf(token, payload.value);
      const checked = checkClaims(payload.value, this.deps.options, nowSeconds);
      if (!checked.ok) return { ok: false, reason: checked.reason, tokenId };
      // Claims shared by every request that presents the same token (VerifiedJwtCache): nobody may change them.
      return { ok: true, claims: deepFreeze(checked.claims), tokenId, verified: { key, kid, alg } };
    } catch {
      return { ok: false, reason: 'malformed_token', tokenId: null };
    }
  }

  /**
   * The payload, once the signature checks out. jsonwebtoken is told to leave nbf and exp alone: checkClaims applies
   * them, the same way for every algorithm. So whatever it throws is about the signature: the shapes it would call
   * malformed and algorithms outside the key's list were refused before it is called.
   */
  private verifySignature(token: string, jws: CompactJws, key: JwtKey, alg: JwtAlgorithm): { ok: true; value: unknown } | { ok: false; reason: TokenDenyReason; tokenId: null } {
    if (alg === 'EdDSA') {
      if (!verifyEdDsa(jws, key.key)) return { ok: false, reason: 'invalid_signature', tokenId: null };
      try {
        return { ok: true, value: decodePayload(jws) };
      } catch {
        return { ok: false, reason: 'malformed_token', tokenId: null };
      }
    }
    try {
      const algorithms = key.algorithms.filter((a) => a !== 'EdDSA') as Algorithm[];
      return { ok: true, value: jwt.verify(token, key.key, { algorithms, ignoreExpiration: true, ignoreNotBefore: true }) };
    } catch {
      return { ok: false, reason: 'invalid_signature', tokenId: null };
    }
  }

  private async findKey(kid: string | undefined, alg: JwtAlgorithm): Promise<JwtKey | undefined> {
    const { jwks } = this.deps;
    const known = this.currentKey(kid, alg);
    if (known || kid === undefined || !jwks) return known;
    // The provider may have rotated its keys. The fetch is rate-limited and shared; the decision waits only a little,
    // and a fetch that takes longer still completes in the background for the viewer's next attempt.
    await waitAtMost(jwks.refetchForUnknownKid(), this.deps.options.unknownKidWaitMs);
    return jwks.find(kid);
  }

  /** The key configured now for this kid and alg, without fetching anything. */
  private currentKey(kid: string | undefined, alg: JwtAlgorithm): JwtKey | undefined {
    const { keys, jwks } = this.deps;
    if (kid === undefined) {
      // Without a kid, a key is chosen only when exactly one allows this alg: never try keys one after another.
      const candidates = [...keys.keysFor(alg), ...(jwks?.keysFor(alg) ?? [])];
      return candidates.length === 1 ? candidates[0] : undefined;
    }
    return keys.find(kid) ?? jwks?.find(kid);
  }

  /** The jti, else a fingerprint: logs name a token without ever containing it. */
  private tokenIdOf(token: string, payload: unknown): string {
    const jti = (payload as { jti?: unknown } | null)?.jti;
    return typeof jti === 'string' && jti.length > 0 && jti.length <= 256 ? jti : `jwt:${sha256Hex(token).slice(0, 16)}`;
  }
}

/** A token's allowedIps as a range list, built once per claims object (a cached token's claims are shared). */
const ipRulesByClaims = new WeakMap<JwtClaims, IpRangeList>();
function ipRulesOf(claims: JwtClaims, allowedIps: readonly string[]): IpRangeList {
  let rules = ipRulesByClaims.get(claims);
  if (rules === undefined) {
    rules = IpRangeList.fromCidrs(allowedIps);
    ipRulesByClaims.set(claims, rules);
  }
  return rules;
}

