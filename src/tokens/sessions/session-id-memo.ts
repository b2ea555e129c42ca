import { sessionIdFor } from './session-registry.js';

/** How many live session ids one memo keeps, and the longest inputs it keeps. */
const SESSION_IDS_KEPT = 4096;
const SESSION_ID_INPUT_MAX_LENGTH = 256;

/**
 * Live session ids, `idOf(token, sessionKey)` (built on sessionIdFor), remembered: a token is checked on every
 * request of its viewer session (segments, playlist reloads), and each id costs a SHA-256 (issue 15). Ids are kept
 * by token (an opaque token's hash, a JWT's id), then by viewer session key: two lookups of the strings as they
 * come, no key to build or hash. A function of its inputs alone, so one memo serves every verifier of the process.
 * Bounded: emptied when full; long inputs and one-off anonymous sessions are not kept. Nothing secret is kept: the
 * inputs are a token's hash or id and the session key, and the ids are what the sessions API shows.
 */
export class SessionIdMemo {
  private readonly ids = new Map<string, Map<string, string>>();
  private kept = 0;

  constructor(private readonly idOf: (token: string, sessionKey: string) => string) {}

  idFor(token: string, sessionKey: string): string {
    let ids = this.ids.get(token);
    let id = ids?.get(sessionKey);
    if (id !== undefined) return id;
    id = this.idOf(token, sessionKey);
    if (token.length + sessionKey.length <= SESSION_ID_INPUT_MAX_LENGTH && !sessionKey.startsWith('anonymous:')) {
      if (this.kept >= SESSION_IDS_KEPT) {
        this.ids.clear();
        this.kept = 0;
        ids = undefined;
      }
      if (ids === undefined) this.ids.set(token, (ids = new Map()));
      ids.set(sessionKey, id);
      this.kept += 1;
    }
    return id;
  }
}

/** The ids of opaque tokens' sessions (by the token's hash) and of JWTs' sessions (by the JWT's id). */
export const opaqueSessionIds = new SessionIdMemo(sessionIdFor);
export const jwtSessionIds = new SessionIdMemo((tokenId, sessionKey) => sessionIdFor(`jwt\n${tokenId}`, sessionKey));
