import { Cluster } from 'ioredis';
import { disconnectRedisClient, keepConnected, type RedisClient } from '../shared/redis-client.js';

const TOKEN_ID_MESSAGE = /^[\x21-\x7e]{1,256}$/;
/** Instances' clocks differ; a resync reads this much further back than the gap itself. */
const CLOCK_SLACK_MS = 60_000;
/** Reading the log after a reconnection is retried this often (the store may come back a moment later). */
const RESYNC_ATTEMPTS = 10;
const RESYNC_PAUSE_MS = 200;

export interface RevocationListener {
  /** Another instance (or this one) revoked this token: drop anything cached about it. */
  onRevoked(tokenId: string): void;
  /**
   * The subscription was interrupted, so messages may have been missed. `missed` holds the token ids revoked
   * since shortly before the gap (from the revocation log); undefined when the log could not be read: then drop
   * everything cached. Called after the subscription is back, never for the first connection.
   */
  onResync(missed: string[] | undefined): void;
}

/**
 * Tells every instance sharing a Redis that a token was revoked: over pub/sub on `<prefix>revocations`, and in a
 * short log (`<prefix>revocations:recent`, a sorted set by time, kept for `logRetentionMs`) that an instance whose
 * subscription was interrupted reads to catch up. Both carry only the public token id.
 *
 * Decisions do not depend on this while the store answers (every decision reads the store); it exists so that the
 * in-process decision cache of the `cached` failure policy never allows a token revoked through another instance.
 */
export class RedisRevocationChannel {
  readonly channel: string;
  readonly logKey: string;
  private subscriber: RedisClient | undefined;

  constructor(
    private readonly publisher: RedisClient,
    keyPrefix: string,
    private readonly logRetentionMs: number,
  ) {
    this.channel = `${keyPrefix}revocations`;
    this.logKey = `${keyPrefix}revocations:recent`;
  }

  /** Logs, then publishes: whoever misses the message finds it in the log. One key, so fine for a cluster too. */
  async publish(tokenId: string): Promise<void> {
    const now = Date.now();
    await this.publisher
      .multi()
      .zadd(this.logKey, now, tokenId)
      .zremrangebyscore(this.logKey, '-inf', now - this.logRetentionMs)
      .pexpire(this.logKey, this.logRetentionMs)
      .exec();
    await this.publisher.publish(this.channel, tokenId);
  }

  /** Token ids revoked at or after `sinceMs` (by the revoking instance's clock). */
  async revokedSince(sinceMs: number): Promise<string[]> {
    return this.publisher.zrangebyscore(this.logKey, sinceMs, '+inf');
  }

  /**
   * Subscribes on a connection of its own (a subscribed connection can run no other command). Its SUBSCRIBE waits
   * for Redis however long it takes (no command timeout, no retry limit), so an instance started during an outage
   * subscribes once Redis is there; after that ioredis resubscribes on every reconnection, and the log fills the gap.
   */
  async subscribe(listener: RevocationListener): Promise<void> {
    const subscriber =
      this.publisher instanceof Cluster
        ? this.publisher.duplicate([], { enableOfflineQueue: true })
        : this.publisher.duplicate({ commandTimeout: undefined, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('error', () => {});
    if (!(subscriber instanceof Cluster)) keepConnected(subscriber);
    let gapSince: number | undefined;
    const interrupt = () => {
      gapSince ??= Date.now();
    };
    subscriber.on('close', interrupt);
    // A cluster moves its subscription to another node when one fails; messages may be lost in between.
    if (subscriber instanceof Cluster) subscriber.on('-node', interrupt);
    subscriber.on('ready', () => {
      if (gapSince === undefined) return;
      const since = gapSince - CLOCK_SLACK_MS;
      gapSince = undefined;
      void this.catchUp(since).then((missed) => listener.onResync(missed));
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel && TOKEN_ID_MESSAGE.test(message)) listener.onRevoked(message);
    });
    await subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    if (this.subscriber) disconnectRedisClient(this.subscriber);
  }

  private async catchUp(sinceMs: number): Promise<string[] | undefined> {
    for (let attempt = 0; attempt < RESYNC_ATTEMPTS; attempt++) {
      try {
        return (await this.revokedSince(sinceMs)).filter((id) => TOKEN_ID_MESSAGE.test(id));
      } catch {
        await new Promise((resolve) => setTimeout(resolve, RESYNC_PAUSE_MS));
      }
    }
    return undefined;
  }
}
