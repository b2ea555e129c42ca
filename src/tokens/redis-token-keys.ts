/**
 * The Redis store's key names (prefix first; see RedisTokenStore for the layout). The keys of one token share its
 * `{<sha256>}` hash tag and the index keys the `{idx}` tag: each group is one slot in Redis Cluster.
 */
export class RedisTokenKeys {
  constructor(readonly prefix: string) {}

  record(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}`;
  }

  sessions(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}:s`;
  }

  active(tokenHash: string): string {
    return `${this.prefix}t:{${tokenHash}}:a`;
  }

  /** The three keys of one token, in the order the decision and update scripts take them. */
  token(tokenHash: string): [string, string, string] {
    return [this.record(tokenHash), this.sessions(tokenHash), this.active(tokenHash)];
  }

  /** A token id's own key (id → hash), written before issue 15; still read for the tokens that have one. */
  id(id: string): string {
    return `${this.prefix}i:${id}`;
  }

  /** The id map (a hash: token id → token hash in base64url), written since issue 15. */
  ids(): string {
    return `${this.prefix}{idx}:ids`;
  }

  index(): string {
    return `${this.prefix}{idx}:tokens`;
  }

  /** Purge times of the index entries written before issue 15 (no longer written). */
  expiryIndex(): string {
    return `${this.prefix}{idx}:expiry`;
  }

  /** Where the index housekeeping's last window ended. */
  sweep(): string {
    return `${this.prefix}{idx}:sweep`;
  }
}

/** Token hashes are kept as 64 hex digits in key names and as base64url (43 characters, a shorter value) in the id map. */
export const hashToMap = (tokenHash: string): string => Buffer.from(tokenHash, 'hex').toString('base64url');

/** undefined for a value that is not a 32-byte hash in base64url. */
export function hashFromMap(value: string): string | undefined {
  return /^[A-Za-z0-9_-]{43}$/.test(value) ? Buffer.from(value, 'base64url').toString('hex') : undefined;
}
