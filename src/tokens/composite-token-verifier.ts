import { looksLikeJwt } from './jwt/compact-jws.js';
import type { AccessRequest, TokenVerifier, Verdict } from './token-verifier.js';

/**
 * Sends a token to the verifier of its kind: three base64url segments are a JWT, anything else is opaque. A kind
 * turned off in the config (undefined here) is refused as unknown, without a store lookup.
 */
export class CompositeTokenVerifier implements TokenVerifier {
  constructor(private readonly verifiers: { jwt: TokenVerifier | undefined; opaque: TokenVerifier | undefined }) {}

  async verify(token: string, request: AccessRequest): Promise<Verdict> {
    const verifier = looksLikeJwt(token) ? this.verifiers.jwt : this.verifiers.opaque;
    if (!verifier) return { valid: false, kind: null, tokenId: null, reason: 'unknown_token' };
    return verifier.verify(token, request);
  }
}
