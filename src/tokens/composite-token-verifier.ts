import { looksLikeJwt } from './jwt/compact-jws.js';
import type { AccessRequest, TokenVerifier, Verdict } from './token-verifier.js';

/**
 * Sends a token to the verifier of its kind: three base64url segments are a JWT, anything else is opaque. A kind
 * turned off in the config (undefined here) is refused as unknown, without a store lookup.
 */
export class CompositeTokenVerifier implements TokenVerifier {
  constructor(private readonly verifiers: { jwt: TokenVerifier | undefined; opaque: TokenVerifier | undefined }) {}

  /**
   * Not an async function: the chosen verifier's promise is handed on as it is (an async wrapper returning it
   * would add a promise and two microtask turns to every decision). A throw still becomes a rejection.
   */
  verify(token: string, request: AccessRequest): Promise<Verdict> {
    try {
      const verifier = looksLikeJwt(token) ? this.verifiers.jwt : this.verifiers.opaque;
      if (!verifier) return Promise.resolve({ valid: false, kind: null, tokenId: null, reason: 'unknown_token' });
      return verifier.verify(token, request);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** `verify` answered at once by the chosen verifier, when it can (TokenVerifier.verifyNow). */
  verifyNow(token: string, request: AccessRequest): Verdict | undefined {
    const { jwt } = this.verifiers;
    // A token with a dot is a JWT or no token at all (opaque ones have none), and the JWT verifier cannot answer at
    // once: `verify` decides it, testing the JWT shape once per decision instead of twice (issue 15).
    if (jwt !== undefined && jwt.verifyNow === undefined && token.includes('.')) return undefined;
    const verifier = looksLikeJwt(token) ? jwt : this.verifiers.opaque;
    if (!verifier) return { valid: false, kind: null, tokenId: null, reason: 'unknown_token' };
    return verifier.verifyNow?.(token, request);
  }
}
