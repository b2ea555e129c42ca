import type { Clock } from '../shared/clock.js';
import { checkGrant } from './grant.js';
import { hashToken, looksLikeOpaqueToken } from './opaque-token.js';
import type { TokenStore } from './token-store.js';
import type { AccessRequest, TokenVerifier, Verdict } from './token-verifier.js';

export class OpaqueTokenVerifier implements TokenVerifier {
  constructor(private readonly deps: { store: Pick<TokenStore, 'findByHash'>; clock: Clock }) {}

  async verify(token: string, request: AccessRequest): Promise<Verdict> {
    // A string that cannot be one of our tokens is refused without a store round trip.
    if (!looksLikeOpaqueToken(token)) return { valid: false, kind: 'opaque', tokenId: null, reason: 'unknown_token' };
    const record = await this.deps.store.findByHash(hashToken(token));
    if (!record) return { valid: false, kind: 'opaque', tokenId: null, reason: 'unknown_token' };
    const reason = checkGrant(
      { ...record, revoked: record.revokedAt !== null },
      request,
      this.deps.clock.now(),
    );
    if (reason) return { valid: false, kind: 'opaque', tokenId: record.id, reason };
    return { valid: true, kind: 'opaque', tokenId: record.id, headers: record.headers };
  }
}
