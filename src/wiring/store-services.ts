import { MemoryFailureLimiter, type FailureLimiter } from '../abuse/failure-limiter.js';
import { RedisFailureLimiter } from '../abuse/redis-failure-limiter.js';
import type { IdempotencyStore } from '../admin/idempotency-store.js';
import { MemoryIdempotencyStore } from '../admin/memory-idempotency-store.js';
import { RedisIdempotencyStore } from '../admin/redis-idempotency-store.js';
import type { Config } from '../config.js';
import type { Clock } from '../shared/clock.js';
import { MemoryTokenStore } from '../tokens/memory-token-store.js';
import { RedisTokenStore } from '../tokens/redis-token-store.js';
import { requireReplicaAcks } from '../tokens/replica-acked-token-store.js';
import { RedisRevocationChannel } from '../tokens/revocation-channel.js';
import { MemorySessionRegistry } from '../tokens/sessions/memory-session-registry.js';
import type { RedisSessionRegistry } from '../tokens/sessions/redis-session-registry.js';
import type { SessionSettings } from '../tokens/sessions/session-registry.js';
import type { TokenStore } from '../tokens/token-store.js';

/** The token store and what shares its place: the same Redis connection, or this process's memory. */
export interface StoreServices {
  /** The store before instrumentation (with Redis: behind the replica-ack wrapper when REDIS_WAIT_REPLICAS is set). */
  rawStore: TokenStore;
  /** The Redis store itself (TOKEN_STORE=redis), for tests that read its keys. */
  redisStore: RedisTokenStore | undefined;
  sessions: MemorySessionRegistry | RedisSessionRegistry;
  /** Counts refused guesses (GuessThrottle). */
  guessCounters: FailureLimiter;
  /** Counts failed admin authentications. */
  adminCounters: FailureLimiter;
  /** Not instrumented yet. */
  idempotency: IdempotencyStore;
  /** Tells other instances about revocations (Redis only). */
  revocations: RedisRevocationChannel | undefined;
  /** Where the JWT jti store keeps its revocations: the store's Redis (Redis only). */
  redisForJwt: { client: RedisTokenStore['redis']; keyPrefix: string } | undefined;
}

/**
 * With Redis, the brute-force counters, the idempotency answers and the revocation channel use the store's
 * connection (and one more for pub/sub), so all instances on that Redis share them; with the memory store they are
 * per process, like the tokens.
 */
export function buildStoreServices(config: Config, clock: Clock): StoreServices {
  return config.store.kind === 'redis' ? redisStoreServices(config, config.store.keyPrefix, clock) : memoryStoreServices(config, clock);
}

function sessionSettingsOf(config: Config): SessionSettings {
  return {
    windowMs: config.viewerSessionWindowSeconds * 1000,
    defaultMaxViewerSessions: config.sessions.maxViewerSessions,
    limitMode: config.sessions.limitMode,
    events: config.sessions.webhooks?.events ?? [],
  };
}

function redisStoreServices(config: Config, keyPrefix: string, clock: Clock): StoreServices {
  const redisStore = new RedisTokenStore({
    connection: config.redisConnection,
    keyPrefix,
    commandTimeoutMs: config.storeTimeoutMs,
    retentionMs: config.tokenRetentionSeconds * 1000,
    clock,
    sessions: sessionSettingsOf(config),
  });
  const { redis } = redisStore;
  return {
    rawStore: config.redisWaitReplicas.count > 0 ? requireReplicaAcks(redisStore, config.redisWaitReplicas) : redisStore,
    redisStore,
    sessions: redisStore.sessions as RedisSessionRegistry,
    guessCounters: new RedisFailureLimiter(redis, { keyPrefix, windowMs: config.bruteForce.windowSeconds * 1000, learnLocally: true }),
    adminCounters: new RedisFailureLimiter(redis, { keyPrefix, windowMs: config.adminAuthThrottle.windowSeconds * 1000 }),
    idempotency: new RedisIdempotencyStore({ redis, keyPrefix }),
    // The log must cover at least what a cached allow can outlive: the cache's TTL.
    revocations: new RedisRevocationChannel(redis, keyPrefix, config.decisionCacheSettings.ttlSeconds * 1000 + 60_000),
    redisForJwt: { client: redis, keyPrefix },
  };
}

function memoryStoreServices(config: Config, clock: Clock): StoreServices {
  const sessions = new MemorySessionRegistry(sessionSettingsOf(config));
  return {
    rawStore: new MemoryTokenStore(clock, config.tokenRetentionSeconds * 1000, sessions),
    redisStore: undefined,
    sessions,
    guessCounters: new MemoryFailureLimiter({ windowMs: config.bruteForce.windowSeconds * 1000, clock }),
    adminCounters: new MemoryFailureLimiter({ windowMs: config.adminAuthThrottle.windowSeconds * 1000, clock }),
    idempotency: new MemoryIdempotencyStore(clock),
    revocations: undefined,
    redisForJwt: undefined,
  };
}
