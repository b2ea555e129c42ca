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

  id(id: string): string {
    return `${this.prefix}i:${id}`;
  }

  index(): string {
    return `${this.prefix}{idx}:tokens`;
  }

  expiryIndex(): string {
    return `${this.prefix}{idx}:expiry`;
  }
}
