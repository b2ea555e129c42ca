import type { Logger } from 'pino';
import { MemoryFailureLimiter, type FailureLimiter } from './abuse/failure-limiter.js';
import { RedisFailureLimiter } from './abuse/redis-failure-limiter.js';
import { instrumentIdempotencyStore, type IdempotencyStore } from './admin/idempotency-store.js';
import { MemoryIdempotencyStore } from './admin/memory-idempotency-store.js';
import { RedisIdempotencyStore } from './admin/redis-idempotency-store.js';
import type { Config } from './config.js';
import { instrumentFailureLimiter } from './wiring/instrumented-failure-limiter.js';
import { instrumentTokenStore } from './wiring/instrumented-token-store.js';
import { jwtObservers } from './wiring/jwt-observers.js';
import type { Metrics } from './observability/metrics.js';
import { DecisionCache } from './playback/decision-cache.js';
import { GuessThrottle } from './playback/guess-throttle.js';
import type { Clock } from './shared/clock.js';
import { CompositeTokenVerifier } from './tokens/composite-token-verifier.js';
import { createJwtRuntime, type JwtRuntime } from './tokens/jwt/jwt-runtime.js';
import { MemoryTokenStore } from './tokens/memory-token-store.js';
import { OpaqueTokenVerifier } from './tokens/opaque-token-verifier.js';
import { sessionPolicyFrom } from './tokens/viewer-session.js';
import { RedisTokenStore } from './tokens/redis-token-store.js';
import { requireReplicaAcks } from './tokens/replica-acked-token-store.js';
import { RedisRevocationChannel } from './tokens/revocation-channel.js';
import type { TokenStore } from './tokens/token-store.js';
import type { TokenVerifier } from './tokens/token-verifier.js';
import { MemorySessionRegistry } from './tokens/sessions/memory-session-registry.js';
import type { RedisSessionRegistry } from './tokens/sessions/redis-session-registry.js';
import type { SessionRegistry, SessionSettings } from './tokens/sessions/session-registry.js';
import { SessionSweeper } from './webhooks/session-sweeper.js';
import { createRevocationEffects } from './wiring/revocation-effects.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

/** How often each instance looks for due webhook events (a cheap sorted-set range when there are none). */
const WEBHOOK_POLL_MS = 250;

/** What createApp needs besides config, clock, logger and metrics, built the way the running service builds it. */
export interface Services {
  store: TokenStore;
  /** The Redis store under `store`'s instrumentation (TOKEN_STORE=redis), for tests that read its keys. */
  redisStore: RedisTokenStore | undefined;
  verifier: TokenVerifier;
  /** JWT keys, JWKS cache and jti store (revocations shared through the token store's Redis). */
  jwt: JwtRuntime;
  decisionCache: DecisionCache | undefined;
  guessThrottle: GuessThrottle;
  adminAuthLimiter: FailureLimiter;
  revocations: RedisRevocationChannel | undefined;
  /** Live sessions across tokens (sessions API, kick, per-viewer limit, webhook queue), in the store's place. */
  sessions: SessionRegistry;
  /** Idempotency-Key answers, kept next to the tokens (shared by every instance on the Redis). */
  idempotency: IdempotencyStore;
  /** What an admin's revocation does beyond the store (decision cache, live sessions, other instances). */
  onRevoked(tokenId: string, timeoutMs?: number): Promise<void>;
  /** What an admin's PATCH does beyond the store: cached allows dropped here and elsewhere; no revocation. */
  onChanged(tokenId: string, timeoutMs?: number): Promise<void>;
  /** First JWKS fetch and key-file watching: main.ts awaits it before listening. */
  start(): Promise<void>;
  /**
   * Starts listening for other instances' revocations (Redis only). Resolves once subscribed, which during a Redis
   * outage is when Redis is back: main.ts does not wait for it.
   */
  subscribe(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store and everything that shares it: with Redis, the brute-force counters and the revocation channel use the
 * store's connection (and one more for pub/sub), so all instances on that Redis share them; with the memory store
 * they are per process, like the tokens. Throws JwtKeyError for unusable JWT keys (main.ts stops on it).
 */
export function createServices(config: Config, deps: { clock: Clock; logger: Logger; metrics: Metrics }): Services {
  const { clock, logger, metrics } = deps;
  let rawStore: TokenStore;
  let counters: FailureLimiter;
  let adminCounters: FailureLimiter;
  let revocations: RedisRevocationChannel | undefined;
  let idempotency: IdempotencyStore;
  let redisForJwt: { client: RedisTokenStore['redis']; keyPrefix: string } | undefined;
  let redisStore: RedisTokenStore | undefined;
  const bruteForceWindowMs = config.bruteForce.windowSeconds * 1000;
  const adminWindowMs = config.adminAuthThrottle.windowSeconds * 1000;

  const sessionSettings: SessionSettings = {
    windowMs: config.viewerSessionWindowSeconds * 1000,
    defaultMaxViewerSessions: config.sessions.maxViewerSessions,
    limitMode: config.sessions.limitMode,
    events: config.sessions.webhooks?.events ?? [],
  };
  let sessions: MemorySessionRegistry | RedisSessionRegistry;
  if (config.store.kind === 'redis') {
    redisStore = new RedisTokenStore({
      connection: config.redisConnection,
      keyPrefix: config.store.keyPrefix,
      commandTimeoutMs: config.storeTimeoutMs,
      retentionMs: config.tokenRetentionSeconds * 1000,
      clock,
      sessions: sessionSettings,
    });
    sessions = redisStore.sessions as RedisSessionRegistry;
    redisForJwt = { client: redisStore.redis, keyPrefix: config.store.keyPrefix };
    rawStore = config.redisWaitReplicas.count > 0 ? requireReplicaAcks(redisStore, config.redisWaitReplicas) : redisStore;
    counters = new RedisFailureLimiter(redisStore.redis, {
      keyPrefix: config.store.keyPrefix,
      windowMs: bruteForceWindowMs,
      learnLocally: true,
    });
    adminCounters = new RedisFailureLimiter(redisStore.redis, { keyPrefix: config.store.keyPrefix, windowMs: adminWindowMs });
    idempotency = instrumentIdempotencyStore(new RedisIdempotencyStore({ redis: redisStore.redis, keyPrefix: config.store.keyPrefix }), metrics);
    // The log must cover at least what a cached allow can outlive: the cache's TTL.
    revocations = new RedisRevocationChannel(redisStore.redis, config.store.keyPrefix, config.decisionCacheSettings.ttlSeconds * 1000 + 60_000);
  } else {
    const memorySessions = new MemorySessionRegistry(sessionSettings);
    sessions = memorySessions;
    rawStore = new MemoryTokenStore(clock, config.tokenRetentionSeconds * 1000, memorySessions);
    counters = new MemoryFailureLimiter({ windowMs: bruteForceWindowMs, clock });
    adminCounters = new MemoryFailureLimiter({ windowMs: adminWindowMs, clock });
    idempotency = instrumentIdempotencyStore(new MemoryIdempotencyStore(clock), metrics);
  }
  const store = instrumentTokenStore(rawStore, metrics);
  let jwt: JwtRuntime;
  try {
    jwt = createJwtRuntime(config.jwt, { clock, logger, observers: jwtObservers(metrics), redis: redisForJwt, sessions });
  } catch (error) {
    void store.close();
    throw error;
  }

  sessions.onOutcome = (outcome) => {
    if (outcome.started) metrics.sessionsStarted.inc();
    if (outcome.replaced > 0) metrics.sessionsEnded.inc({ cause: 'replaced' }, outcome.replaced);
    if (outcome.idle > 0) metrics.sessionsEnded.inc({ cause: 'idle' }, outcome.idle);
  };
  const sweeper = new SessionSweeper({
    registry: sessions,
    clock,
    logger,
    intervalMs: config.sessions.sweepIntervalSeconds * 1000,
    onIdleEnded: (count) => metrics.sessionsEnded.inc({ cause: 'idle' }, count),
    onGauges: ({ activeSessions, queueDepth }) => {
      metrics.activeSessions.set(activeSessions);
      metrics.webhookQueueDepth.set(queueDepth);
    },
  });
  const webhooks = config.sessions.webhooks;
  const dispatcher =
    webhooks &&
    new WebhookDispatcher({
      registry: sessions,
      config: webhooks,
      clock,
      logger,
      pollMs: WEBHOOK_POLL_MS,
      onDelivery: ({ result, seconds }) => {
        metrics.webhookDeliveries.inc({ result });
        if (result !== 'dropped') metrics.webhookDuration.observe(seconds);
      },
    });

  const decisionCache =
    config.storeFailurePolicy === 'cached'
      ? new DecisionCache({
          ttlMs: config.decisionCacheSettings.ttlSeconds * 1000,
          maxEntries: config.decisionCacheSettings.maxEntries,
          clock,
          onSizeChange: (size) => metrics.decisionCacheEntries.set(size),
        })
      : undefined;

  const revocationEffects = createRevocationEffects({
    decisionCache,
    sessions,
    channel: revocations,
    clock,
    logger,
    metrics,
    storeTimeoutMs: config.storeTimeoutMs,
  });

  return {
    store,
    redisStore,
    verifier: new CompositeTokenVerifier({
      jwt: jwt.verifier,
      opaque: config.opaqueTokensEnabled ? new OpaqueTokenVerifier({ store, clock, sessions: sessionPolicyFrom(config) }) : undefined,
    }),
    jwt,
    decisionCache,
    guessThrottle: new GuessThrottle(instrumentFailureLimiter(counters, metrics, rawStore.kind, 'guess_limit', { checkIsLocal: true }), { maxPerIp: config.bruteForce.maxPerIp, maxPerStream: config.bruteForce.maxPerStream }),
    adminAuthLimiter: instrumentFailureLimiter(adminCounters, metrics, rawStore.kind, 'admin_auth_limit'),
    revocations,
    idempotency,
    sessions,
    onRevoked: revocationEffects.revokedHere,
    onChanged: revocationEffects.changedHere,
    start: async () => {
      await jwt.start();
      sweeper.start();
      dispatcher?.start();
    },
    subscribe: async () => {
      if (!revocations) return;
      try {
        await revocations.subscribe({
          onRevoked: (tokenId) => {
            metrics.revocationMessages.inc({ event: 'received' });
            revocationEffects.dropCached(tokenId, 'message');
          },
          onResync: (missed) => {
            // Missed messages are in the log; without it, nothing cached can be trusted.
            let dropped = 0;
            if (missed) for (const tokenId of missed) dropped += revocationEffects.dropCached(tokenId, 'resync');
            else dropped = decisionCache?.clear() ?? 0;
            metrics.decisionCacheInvalidations.inc({ source: 'resync' }, dropped);
            logger.info(
              { event: 'revocations_resync', missed: missed?.length ?? null, dropped },
              missed ? 'revocation channel reconnected: applied the revocations it missed' : 'revocation channel reconnected: cleared the decision cache',
            );
          },
        });
      } catch (error) {
        // ioredis keeps retrying the subscription in the background; until then only local revocations reach the
        // cache, and the reconnection clears it.
        logger.warn({ event: 'revocations_subscribe_failed', err: error }, 'could not subscribe to revocations yet');
      }
    },
    close: async () => {
      await sweeper.close();
      await dispatcher?.close();
      await jwt.close();
      await revocations?.close();
      await idempotency.close();
      await store.close();
    },
  };
}
