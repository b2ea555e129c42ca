import type { Logger } from 'pino';
import type { FailureLimiter } from './abuse/failure-limiter.js';
import { instrumentIdempotencyStore, type IdempotencyStore } from './admin/idempotency-store.js';
import type { Config } from './config.js';
import type { Metrics } from './observability/metrics.js';
import type { DecisionCache } from './playback/decision-cache.js';
import { GuessThrottle } from './playback/guess-throttle.js';
import type { Clock } from './shared/clock.js';
import { CompositeTokenVerifier } from './tokens/composite-token-verifier.js';
import { createJwtRuntime, type JwtRuntime } from './tokens/jwt/jwt-runtime.js';
import { OpaqueTokenVerifier } from './tokens/opaque-token-verifier.js';
import type { RedisTokenStore } from './tokens/redis-token-store.js';
import type { RedisRevocationChannel } from './tokens/revocation-channel.js';
import type { SessionRegistry } from './tokens/sessions/session-registry.js';
import type { TokenStore } from './tokens/token-store.js';
import type { TokenVerifier } from './tokens/token-verifier.js';
import { sessionPolicyFrom } from './tokens/viewer-session.js';
import { instrumentFailureLimiter } from './wiring/instrumented-failure-limiter.js';
import { instrumentTokenStore } from './wiring/instrumented-token-store.js';
import { jwtObservers } from './wiring/jwt-observers.js';
import { createRevocationEffects } from './wiring/revocation-effects.js';
import { buildDecisionCache, subscribeToRevocations } from './wiring/revocation-subscription.js';
import { buildSessionWorkers } from './wiring/session-workers.js';
import { buildStoreServices } from './wiring/store-services.js';

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
 * The store and everything that shares it (see buildStoreServices), the JWT runtime, the decision cache and what a
 * revocation does beyond the store. Throws JwtKeyError for unusable JWT keys (main.ts stops on it).
 */
export function createServices(config: Config, deps: { clock: Clock; logger: Logger; metrics: Metrics }): Services {
  const { clock, logger, metrics } = deps;
  const parts = buildStoreServices(config, clock);
  const { rawStore, redisStore, sessions, guessCounters, adminCounters, revocations } = parts;
  const store = instrumentTokenStore(rawStore, metrics);
  const idempotency = instrumentIdempotencyStore(parts.idempotency, metrics);
  let jwt: JwtRuntime;
  try {
    jwt = createJwtRuntime(config.jwt, { clock, logger, observers: jwtObservers(metrics), redis: parts.redisForJwt, sessions });
  } catch (error) {
    void store.close();
    throw error;
  }
  const workers = buildSessionWorkers(config, sessions, deps);
  const decisionCache = buildDecisionCache(config, clock, metrics);
  const effects = createRevocationEffects({ decisionCache, sessions, channel: revocations, clock, logger, metrics, storeTimeoutMs: config.storeTimeoutMs });

  return {
    store,
    redisStore,
    verifier: new CompositeTokenVerifier({
      jwt: jwt.verifier,
      opaque: config.opaqueTokensEnabled ? new OpaqueTokenVerifier({ store, clock, sessions: sessionPolicyFrom(config) }) : undefined,
    }),
    jwt,
    decisionCache,
    guessThrottle: new GuessThrottle(instrumentFailureLimiter(guessCounters, metrics, rawStore.kind, 'guess_limit', { checkIsLocal: true }), {
      maxPerIp: config.bruteForce.maxPerIp,
      maxPerStream: config.bruteForce.maxPerStream,
    }),
    adminAuthLimiter: instrumentFailureLimiter(adminCounters, metrics, rawStore.kind, 'admin_auth_limit'),
    revocations,
    idempotency,
    sessions,
    onRevoked: effects.revokedHere,
    onChanged: effects.changedHere,
    start: async () => {
      await jwt.start();
      workers.start();
    },
    subscribe: () => subscribeToRevocations(revocations, { effects, decisionCache, logger, metrics }),
    close: async () => {
      await workers.close();
      await jwt.close();
      await revocations?.close();
      await idempotency.close();
      await store.close();
    },
  };
}
